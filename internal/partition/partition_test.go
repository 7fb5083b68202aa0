package partition

import (
	"errors"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

func topicConfig(t testing.TB, overrides map[string]string) config.Topic {
	t.Helper()
	cfg, err := config.ResolveTopic(config.Layers{Topic: overrides})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func openPartition(t testing.TB, dir string, cfg config.Topic, now func() time.Time) *Partition {
	t.Helper()
	log, err := storage.Open(dir, StorageConfig(cfg), storage.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	p, err := Open(Options{Topic: "orders", Index: 0, NodeID: 1, Log: log, Config: cfg, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetLeadership(Leadership{Leader: 1, LeaderEpoch: 3, Replicas: []int32{1}, ISR: []int32{1}}); err != nil {
		t.Fatal(err)
	}
	return p
}

// batch builds a producer's batch of n records with timestamps ts, ts+1, ...
func batch(t *testing.T, n int, ts int64, pid int64, seq int32, codec record.Codec) []byte {
	t.Helper()
	bl := record.NewBuilder()
	bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = pid, 0, seq
	bl.Codec = codec
	for i := range n {
		bl.Append(ts+int64(i), []byte("key"), []byte("value"))
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(b)
}

func fixedClock(ms int64) func() time.Time {
	return func() time.Time { return time.UnixMilli(ms) }
}

func TestAppendAssignsOffsetsAndAdvancesHighWatermark(t *testing.T) {
	p := openPartition(t, t.TempDir(), topicConfig(t, nil), fixedClock(10_000))
	for i, want := range []int64{0, 3, 6} {
		res, err := p.AppendRecords(batch(t, 3, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.BaseOffset != want || res.LastOffset != want+2 || res.LogAppendTime != -1 {
			t.Fatalf("append %d: %+v", i, res)
		}
	}
	if hw := p.HighWatermark(); hw != 9 {
		t.Fatalf("high watermark %d, want 9", hw)
	}
	r, err := p.Read(FetchParams{Offset: 4, MaxBytes: 1 << 20, MinOneBatch: true, CurrentLeaderEpoch: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Slice.Release()
	data, err := r.Slice.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := record.Peek(data)
	if err != nil {
		t.Fatal(err)
	}
	// The batch containing offset 4 starts at 3 and carries our epoch.
	if first.BaseOffset() != 3 || first.PartitionLeaderEpoch() != 3 {
		t.Fatalf("first batch base %d epoch %d", first.BaseOffset(), first.PartitionLeaderEpoch())
	}
}

func TestIdempotentRetriesAndGaps(t *testing.T) {
	p := openPartition(t, t.TempDir(), topicConfig(t, nil), fixedClock(10_000))
	if _, err := p.AppendRecords(batch(t, 2, 9_000, 7, 0, record.CodecNone), AppendOptions{Acks: -1}); err != nil {
		t.Fatal(err)
	}
	retry, err := p.AppendRecords(batch(t, 2, 9_000, 7, 0, record.CodecNone), AppendOptions{Acks: -1})
	if err != nil || !retry.Duplicate || retry.BaseOffset != 0 {
		t.Fatalf("retry: %+v %v", retry, err)
	}
	if _, err := p.AppendRecords(batch(t, 1, 9_000, 7, 5, record.CodecNone), AppendOptions{Acks: -1}); !errors.Is(err, producerstate.ErrOutOfOrderSequence) {
		t.Fatalf("gap: %v", err)
	}
	if end := p.LogEndOffset(); end != 2 {
		t.Fatalf("log end %d after a retry and a refused gap, want 2", end)
	}
}

func TestProducerStateSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	cfg := topicConfig(t, nil)
	p := openPartition(t, dir, cfg, fixedClock(10_000))
	if _, err := p.AppendRecords(batch(t, 2, 9_000, 7, 0, record.CodecNone), AppendOptions{Acks: 1}); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	p.log.Close()
	p2 := openPartition(t, dir, cfg, fixedClock(10_000))
	retry, err := p2.AppendRecords(batch(t, 2, 9_000, 7, 0, record.CodecNone), AppendOptions{Acks: 1})
	if err != nil || !retry.Duplicate {
		t.Fatalf("retry after reopen: %+v %v", retry, err)
	}
}

func TestLogAppendTimeAndRecompression(t *testing.T) {
	cfg := topicConfig(t, map[string]string{"message.timestamp.type": "LogAppendTime", "compression.type": "zstd"})
	p := openPartition(t, t.TempDir(), cfg, fixedClock(50_000))
	res, err := p.AppendRecords(batch(t, 4, 1_000, -1, -1, record.CodecGzip), AppendOptions{Acks: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.LogAppendTime != 50_000 {
		t.Fatalf("log append time %d", res.LogAppendTime)
	}
	r, err := p.Read(FetchParams{Offset: 0, MaxBytes: 1 << 20, MinOneBatch: true, CurrentLeaderEpoch: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Slice.Release()
	data, _ := r.Slice.AppendTo(nil)
	b, _, _ := record.Peek(data)
	if b.Codec() != record.CodecZstd || !b.LogAppendTime() || b.MaxTimestamp() != 50_000 || b.CRC() != b.ComputeCRC() {
		t.Fatalf("stored batch: codec %v logAppendTime %v max ts %d crc ok %v", b.Codec(), b.LogAppendTime(), b.MaxTimestamp(), b.CRC() == b.ComputeCRC())
	}
}

func TestListOffsets(t *testing.T) {
	p := openPartition(t, t.TempDir(), topicConfig(t, nil), fixedClock(100_000))
	p.AppendRecords(batch(t, 3, 10_000, -1, -1, record.CodecNone), AppendOptions{Acks: 1}) // offsets 0-2, ts 10000-10002
	p.AppendRecords(batch(t, 3, 20_000, -1, -1, record.CodecLZ4), AppendOptions{Acks: 1})  // offsets 3-5, ts 20000-20002
	cases := []struct {
		ts         int64
		wantOffset int64
		wantTs     int64
	}{
		{LatestTimestamp, 6, -1},
		{EarliestTimestamp, 0, -1},
		{MaxTimestamp, 5, 20_002},
		{10_001, 1, 10_001},
		{15_000, 3, 20_000},
		{20_001, 4, 20_001},
		{30_000, -1, -1},
	}
	for _, c := range cases {
		got, err := p.ListOffset(c.ts, -1, false)
		if err != nil {
			t.Fatalf("ts %d: %v", c.ts, err)
		}
		if got.Offset != c.wantOffset || got.Timestamp != c.wantTs {
			t.Errorf("ts %d: got offset %d ts %d, want %d %d", c.ts, got.Offset, got.Timestamp, c.wantOffset, c.wantTs)
		}
	}
	if _, err := p.ListOffset(LatestTimestamp, 2, false); !errors.Is(err, ErrFencedLeaderEpoch) {
		t.Errorf("old epoch: %v", err)
	}
	if _, err := p.ListOffset(LatestTimestamp, 4, false); !errors.Is(err, ErrUnknownLeaderEpoch) {
		t.Errorf("new epoch: %v", err)
	}
	if e, end, err := p.EndOffsetForEpoch(3, 3); err != nil || e != 3 || end != 6 {
		t.Errorf("end offset for epoch 3: %d %d %v", e, end, err)
	}
}

func TestNotLeaderAndMinISR(t *testing.T) {
	cfg := topicConfig(t, map[string]string{"min.insync.replicas": "2"})
	p := openPartition(t, t.TempDir(), cfg, fixedClock(10_000))
	// Kafka 4 caps min.insync.replicas by the replication factor: a lone
	// replica takes acks=all.
	if _, err := p.AppendRecords(batch(t, 1, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: -1}); err != nil {
		t.Fatalf("acks=all with one replica: %v", err)
	}
	p.SetLeadership(Leadership{Leader: 1, LeaderEpoch: 3, PartitionEpoch: 1, Replicas: []int32{1, 2}, ISR: []int32{1}})
	if _, err := p.AppendRecords(batch(t, 1, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: -1}); !errors.Is(err, ErrNotEnoughReplicas) {
		t.Fatalf("acks=all below min ISR: %v", err)
	}
	if _, err := p.AppendRecords(batch(t, 1, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: 1}); err != nil {
		t.Fatalf("acks=1 ignores min ISR: %v", err)
	}
	p.SetLeadership(Leadership{Leader: 2, LeaderEpoch: 4, Replicas: []int32{1, 2}, ISR: []int32{1, 2}})
	if _, err := p.AppendRecords(batch(t, 1, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: 1}); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("follower append: %v", err)
	}
}

func TestWaiterWokenByAppend(t *testing.T) {
	p := openPartition(t, t.TempDir(), topicConfig(t, nil), fixedClock(10_000))
	w := NewWaiter()
	p.Watch(w)
	defer p.Unwatch(w)
	if _, err := p.AppendRecords(batch(t, 1, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: 1}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-w.C():
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken")
	}
}

func TestDeleteRecords(t *testing.T) {
	p := openPartition(t, t.TempDir(), topicConfig(t, nil), fixedClock(10_000))
	p.AppendRecords(batch(t, 5, 9_000, -1, -1, record.CodecNone), AppendOptions{Acks: 1})
	if low, err := p.DeleteRecords(3); err != nil || low != 3 {
		t.Fatalf("delete before 3: %d %v", low, err)
	}
	if _, err := p.DeleteRecords(9); !errors.Is(err, ErrInvalidOffset) {
		t.Fatalf("beyond high watermark: %v", err)
	}
	if got, _ := p.ListOffset(EarliestTimestamp, -1, false); got.Offset != 3 {
		t.Fatalf("earliest after delete: %d", got.Offset)
	}
}
