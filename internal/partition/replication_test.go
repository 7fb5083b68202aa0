package partition

import (
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// clock is a controlled clock for lag logic.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// isrSink collects the ISR changes a partition proposes.
type isrSink struct {
	mu      sync.Mutex
	changes []ISRChange
}

func (s *isrSink) submit(_ *Partition, c ISRChange) {
	s.mu.Lock()
	s.changes = append(s.changes, c)
	s.mu.Unlock()
}

func (s *isrSink) take(t *testing.T) ISRChange {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.changes) != 1 {
		t.Fatalf("%d ISR changes proposed, want 1: %+v", len(s.changes), s.changes)
	}
	c := s.changes[0]
	s.changes = nil
	return c
}

func (s *isrSink) none(t *testing.T) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.changes) != 0 {
		t.Fatalf("unexpected ISR changes: %+v", s.changes)
	}
}

type replHarness struct {
	t     *testing.T
	p     *Partition
	clock *clock
	isr   *isrSink
	// brokers is the metadata's broker epochs; a missing one is unknown.
	brokers map[int32]int64
}

// openReplicated opens broker self's replica of a partition with replicas
// [1 2 3] in a temporary directory.
func openReplicated(t *testing.T, self int32, minISR string) *replHarness {
	t.Helper()
	h := &replHarness{t: t, clock: &clock{now: time.UnixMilli(1_000_000)}, isr: &isrSink{},
		brokers: map[int32]int64{1: 101, 2: 102, 3: 103}}
	cfg := topicConfig(t, map[string]string{"min.insync.replicas": minISR})
	log, err := storage.Open(t.TempDir(), StorageConfig(cfg), storage.Options{Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	h.p, err = Open(Options{Topic: "orders", Index: 0, NodeID: self, Log: log, Config: cfg, Now: h.clock.Now,
		ReplicaLagTimeMaxMs: 30_000, SubmitISR: h.isr.submit, BrokerEpoch: func() int64 { return h.brokers[self] },
		Brokers: func(id int32) BrokerStatus {
			e, ok := h.brokers[id]
			return BrokerStatus{Known: ok, Epoch: e}
		}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *replHarness) lead(epoch, partitionEpoch int32, isr ...int32) {
	h.t.Helper()
	if err := h.p.SetLeadership(Leadership{Leader: h.p.nodeID, LeaderEpoch: epoch, PartitionEpoch: partitionEpoch,
		Replicas: []int32{1, 2, 3}, ISR: isr}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *replHarness) produce(n int) AppendResult {
	h.t.Helper()
	res, err := h.p.AppendRecords(batch(h.t, n, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: -1})
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

// fetch is follower id's fetch at offset; it returns the records' bytes.
func (h *replHarness) fetch(id int32, offset int64, lastEpoch int32) (FollowerReadResult, []byte) {
	h.t.Helper()
	r, err := h.p.ReadFollower(FollowerFetch{ReplicaID: id, BrokerEpoch: h.brokers[id], Offset: offset,
		LogStartOffset: 0, CurrentLeaderEpoch: -1, LastFetchedEpoch: lastEpoch, MaxBytes: 1 << 20, MinOneBatch: true})
	if err != nil {
		h.t.Fatalf("fetch of %d at %d: %v", id, offset, err)
	}
	var data []byte
	if r.Slice != nil {
		data, err = r.Slice.AppendTo(nil)
		r.Slice.Release()
		if err != nil {
			h.t.Fatal(err)
		}
	}
	return r, data
}

func (h *replHarness) wantHW(want int64) {
	h.t.Helper()
	if got := h.p.HighWatermark(); got != want {
		h.t.Fatalf("high watermark %d, want %d", got, want)
	}
}

func TestHighWatermarkFollowsTheISR(t *testing.T) {
	h := openReplicated(t, 1, "2")
	h.lead(1, 0, 1, 2, 3)
	res := h.produce(5)
	h.wantHW(0) // followers have not fetched in this epoch
	if done, err := h.p.Committed(res.LastOffset); done || err != nil {
		t.Fatalf("committed before the followers have it: %v %v", done, err)
	}
	// Follower 2 fetches the data, then asks for more: it has offsets 0-4.
	if _, data := h.fetch(2, 0, -1); len(data) == 0 {
		t.Fatal("follower read nothing")
	}
	h.fetch(2, 5, 1)
	h.wantHW(0) // 3 is in the ISR and has not fetched
	r, _ := h.fetch(3, 5, 1)
	if r.HighWatermark != 5 {
		t.Fatalf("fetch response high watermark %d, want 5 (updated by this fetch)", r.HighWatermark)
	}
	h.wantHW(5)
	if done, err := h.p.Committed(res.LastOffset); !done || err != nil {
		t.Fatalf("not committed: %v %v", done, err)
	}
	// Consumers read only up to the high watermark, followers to the end.
	h.produce(3)
	c, err := h.p.Read(FetchParams{Offset: 5, MaxBytes: 1 << 20, MinOneBatch: true, CurrentLeaderEpoch: -1})
	if err != nil || c.Slice != nil {
		t.Fatalf("consumer read past the high watermark: %+v %v", c, err)
	}
	if _, data := h.fetch(2, 5, 1); len(data) == 0 {
		t.Fatal("follower cannot read past the high watermark")
	}
	h.isr.none(t)
}

func TestISRShrinkAndAppendErrors(t *testing.T) {
	h := openReplicated(t, 1, "3")
	h.lead(1, 0, 1, 2, 3)
	h.fetch(2, 0, -1)
	h.fetch(3, 0, -1)
	res := h.produce(2)
	h.fetch(2, 2, 1)
	// Follower 3 stops fetching. Within replica.lag.time.max.ms it stays.
	h.clock.advance(30 * time.Second)
	if h.p.MaybeShrinkISR(h.clock.Now()) {
		t.Fatal("shrank within the lag time")
	}
	h.clock.advance(time.Millisecond)
	if !h.p.MaybeShrinkISR(h.clock.Now()) {
		t.Fatal("no shrink after the lag time")
	}
	c := h.isr.take(t)
	if !slices.Equal(c.IDs(), []int32{1, 2}) || c.LeaderEpoch != 1 || c.PartitionEpoch != 0 || c.ISR[0].BrokerEpoch != 101 || c.ISR[1].BrokerEpoch != 102 {
		t.Fatalf("proposal %+v", c)
	}
	// In flight: the committed ISR still counts (the maximal ISR), and no
	// second change is proposed.
	h.wantHW(0)
	h.clock.advance(time.Minute)
	if h.p.MaybeShrinkISR(h.clock.Now()) {
		t.Fatal("second proposal while one is in flight")
	}
	// The controller commits it: 3 leaves, which lets the high watermark
	// move... but ISR 2 is below min.insync.replicas 3: the high watermark
	// stays (Kafka 4), and acks=all is refused before the append.
	h.p.CompleteISRChange(c, 1, 1, []int32{1, 2})
	if l := h.p.Leadership(); !slices.Equal(l.ISR, []int32{1, 2}) || l.PartitionEpoch != 1 {
		t.Fatalf("leadership after the change: %+v", l)
	}
	h.wantHW(0)
	if _, err := h.p.AppendRecords(batch(t, 1, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: -1}); !errors.Is(err, ErrNotEnoughReplicas) {
		t.Fatalf("acks=all below min ISR: %v", err)
	}
	// Lower min.insync.replicas: the high watermark moves to 2's end and
	// the earlier acks=all append is committed.
	cfg := h.p.Config()
	cfg.MinInsyncReplicas = 2
	if err := h.p.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	h.fetch(2, 2, 1)
	h.wantHW(2)
	if done, err := h.p.Committed(res.LastOffset); !done || err != nil {
		t.Fatalf("committed: %v %v", done, err)
	}
}

func TestNotEnoughReplicasAfterAppend(t *testing.T) {
	h := openReplicated(t, 1, "2")
	h.lead(1, 0, 1, 2)
	h.fetch(2, 0, -1)
	res := h.produce(1)
	h.clock.advance(31 * time.Second)
	h.p.MaybeShrinkISR(h.clock.Now())
	c := h.isr.take(t)
	h.p.CompleteISRChange(c, 1, 1, []int32{1})
	// The ISR shrank to the leader alone before the record committed: the
	// high watermark does not move below min ISR, so the producer waits and
	// then learns; if it moved (min ISR lowered) the error is the after-append
	// one because the ISR is checked when the record commits.
	if done, err := h.p.Committed(res.LastOffset); done || err != nil {
		t.Fatalf("committed below min ISR: %v %v", done, err)
	}
	cfg := h.p.Config()
	cfg.MinInsyncReplicas = 1
	h.p.SetConfig(cfg)
	delete(h.brokers, 2) // fenced away: neither joins nor holds back the high watermark
	h.fetch(2, 0, 1)
	h.wantHW(1)
	h.isr.none(t)
	cfg.MinInsyncReplicas = 2
	h.p.SetConfig(cfg)
	if done, err := h.p.Committed(res.LastOffset); !done || !errors.Is(err, ErrNotEnoughReplicasAfterAppend) {
		t.Fatalf("after append: %v %v", done, err)
	}
}

func TestISRExpansion(t *testing.T) {
	h := openReplicated(t, 1, "1")
	h.lead(1, 0, 1, 2)
	h.fetch(2, 0, -1)
	h.produce(4)
	h.fetch(2, 4, 1)
	h.wantHW(4)
	// 3 is behind the high watermark: not proposed.
	h.fetch(3, 0, -1)
	h.isr.none(t)
	// Caught up and eligible, the high watermark waits for 3 even before it
	// joins (Kafka's shouldWaitForReplicaToJoinIsr).
	h.produce(2)
	h.fetch(2, 6, 1)
	h.wantHW(6)
	// 3 reaches the high watermark: proposed with its broker epoch.
	h.fetch(3, 6, 1)
	c := h.isr.take(t)
	if !slices.Equal(c.IDs(), []int32{1, 2, 3}) || c.ISR[2].BrokerEpoch != 103 {
		t.Fatalf("proposal %+v", c)
	}
	// While in flight, 3 counts for the high watermark.
	h.produce(1)
	h.fetch(2, 7, 1)
	h.wantHW(6)
	// A stale answer changes nothing; then new metadata settles it.
	h.p.FailISRChange(c, false)
	if !h.p.ISRInFlight() {
		t.Fatal("a stale-epoch failure must keep the change in flight until metadata")
	}
	h.lead(1, 1, 1, 2, 3)
	if h.p.ISRInFlight() {
		t.Fatal("new metadata must settle the change in flight")
	}
	// An ineligible broker (restarted: new epoch) is not proposed.
	h.brokers[3] = 200
	h.lead(1, 2, 1, 2)
	h.fetch(3, 7, 1) // carries epoch 200: eligible
	c = h.isr.take(t)
	h.p.FailISRChange(c, true)
	h.brokers[3] = 300 // restarted again; its fetch carries 200
	if _, err := h.p.ReadFollower(FollowerFetch{ReplicaID: 3, BrokerEpoch: 200, Offset: 7, CurrentLeaderEpoch: -1,
		LastFetchedEpoch: 1, MaxBytes: 100}); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("fetch with a stale broker epoch: %v", err)
	}
	h.isr.none(t)
}

func TestDivergingEpoch(t *testing.T) {
	h := openReplicated(t, 1, "1")
	h.lead(1, 0, 1)
	h.produce(3) // epoch 1: 0-2
	h.lead(4, 1, 1)
	h.produce(2) // epoch 4: 3-4
	// A follower that has epoch 2 up to 6 (it led epoch 2 and wrote a tail
	// nobody else has): the leader knows epoch 1, ending at 3.
	r, _ := h.fetch(2, 6, 2)
	if r.Diverging == nil || *r.Diverging != (EpochEndOffset{Epoch: 1, EndOffset: 3}) || r.Slice != nil {
		t.Fatalf("diverging %+v", r.Diverging)
	}
	// A follower at epoch 1 with offset 3 agrees: data follows.
	if r, data := h.fetch(2, 3, 1); r.Diverging != nil || len(data) == 0 {
		t.Fatalf("agreeing follower: %+v", r.Diverging)
	}
	// Epoch 4 with an offset past the log end diverges at the log end.
	if r, _ := h.fetch(3, 9, 4); r.Diverging == nil || r.Diverging.EndOffset != 5 {
		t.Fatalf("beyond the end: %+v", r.Diverging)
	}
}

func TestFollowerCopiesAndTruncates(t *testing.T) {
	leader := openReplicated(t, 1, "1")
	leader.lead(1, 0, 1, 2)
	follower := openReplicated(t, 2, "1")
	fl := Leadership{Leader: 1, LeaderEpoch: 1, PartitionEpoch: 0, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2}}
	if err := follower.p.SetLeadership(fl); err != nil {
		t.Fatal(err)
	}
	// An idempotent producer's batches, copied as they are.
	for seq := int32(0); seq < 10; seq += 2 {
		if _, err := leader.p.AppendRecords(batch(t, 2, 9_000, 7, seq, record.CodecNone), AppendOptions{Acks: 1}); err != nil {
			t.Fatal(err)
		}
	}
	pos := follower.p.FollowerPosition()
	r, data := leader.fetch(2, pos.FetchOffset, pos.LastFetchedEpoch)
	if _, err := follower.p.AppendAsFollower(data, 1); err != nil {
		t.Fatal(err)
	}
	if err := follower.p.SetFollowerHighWatermark(r.HighWatermark, r.LogStartOffset); err != nil {
		t.Fatal(err)
	}
	if got := follower.readAll(t); !bytes.Equal(got, leader.readAll(t)) {
		t.Fatal("the follower's log differs from the leader's")
	}
	if prod := follower.p.Producers(); len(prod) != 1 || prod[0].LastSequence() != 9 {
		t.Fatalf("follower's producer state: %+v", prod)
	}
	// The wrong epoch is refused.
	if _, err := follower.p.AppendAsFollower(data, 2); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("append from another epoch: %v", err)
	}
	// Truncation rolls the producer state back with the log.
	if err := follower.p.TruncateTo(6); err != nil {
		t.Fatal(err)
	}
	if prod := follower.p.Producers(); len(prod) != 1 || prod[0].LastSequence() != 5 {
		t.Fatalf("producer state after truncation: %+v", prod)
	}
	if follower.p.LogEndOffset() != 6 || follower.p.HighWatermark() > 6 {
		t.Fatalf("end %d hw %d", follower.p.LogEndOffset(), follower.p.HighWatermark())
	}
	// A corrupt batch is refused whole.
	bad := bytes.Clone(data)
	bad[len(bad)-1] ^= 1
	if _, err := follower.p.AppendAsFollower(bad[61*0:], 1); !errors.Is(err, ErrCorruptReplicatedBatch) {
		t.Fatalf("corrupt batch: %v", err)
	}
	// The leader refuses follower operations.
	if err := leader.p.TruncateTo(0); !errors.Is(err, ErrIsLeader) {
		t.Fatalf("truncate the leader: %v", err)
	}
	if err := follower.p.TruncateFullyAndStartAt(100); err != nil || follower.p.LogStartOffset() != 100 || follower.p.LogEndOffset() != 100 {
		t.Fatalf("truncate fully: %v", err)
	}
}

func (h *replHarness) readAll(t *testing.T) []byte {
	t.Helper()
	r, err := h.p.Log().Read(0, 1<<30, h.p.Log().EndOffsetMetadata(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Slice.Release()
	data, err := r.Slice.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
