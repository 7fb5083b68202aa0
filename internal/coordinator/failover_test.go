package coordinator

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/record"
)

// replicated is a partition led by broker 1 with broker 2 as an in-sync
// follower that fetches only when the test says so, so the high watermark
// moves only then.
type replicated struct {
	t *testing.T
	p *partition.Partition
}

func openReplicated(t *testing.T) *replicated {
	t.Helper()
	p := openLeader(t, t.TempDir())
	if err := p.SetLeadership(partition.Leadership{Leader: 1, LeaderEpoch: 1, PartitionEpoch: 1,
		Replicas: []int32{1, 2}, ISR: []int32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	return &replicated{t: t, p: p}
}

// catchUp is broker 2 fetching at the leader's log end, which moves the
// high watermark there.
func (r *replicated) catchUp() {
	r.t.Helper()
	res, err := r.p.ReadFollower(partition.FollowerFetch{ReplicaID: 2, Offset: r.p.LogEndOffset(),
		CurrentLeaderEpoch: -1, LastFetchedEpoch: -1, MaxBytes: 1 << 20})
	if err != nil {
		r.t.Fatalf("follower fetch: %v", err)
	}
	if res.Slice != nil {
		res.Slice.Release()
	}
}

// appendCounts writes counter records for group g as an earlier leader
// would have, without committing them.
func (r *replicated) appendCounts(g string, counts ...int) {
	r.t.Helper()
	bl := record.NewBuilder()
	for _, n := range counts {
		bl.Append(0, []byte(g), []byte(strconv.Itoa(n)))
	}
	batch, err := bl.Build()
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.p.AppendRecords(batch, partition.AppendOptions{Acks: 1}); err != nil {
		r.t.Fatal(err)
	}
}

// waitResult waits for a call while the follower keeps catching up.
func (r *replicated) waitResult(c *Call) Result {
	r.t.Helper()
	ch := make(chan Result, 1)
	go func() { ch <- c.Wait(context.Background()) }()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case res := <-ch:
			return res
		case <-deadline:
			r.t.Fatal("no result")
		default:
			r.catchUp()
			time.Sleep(time.Millisecond)
		}
	}
}

// submit sends a heartbeat, retrying while the shard loads, with the
// follower catching up all along.
func (r *replicated) submit(rt *Runtime) Result {
	r.t.Helper()
	for {
		res := r.waitResult(rt.Send("g", heartbeat("g", 1), "", ""))
		if !errors.Is(res.Err, ErrLoadInProgress) {
			return res
		}
	}
}

func newReplicatedRuntime(t *testing.T, p *partition.Partition, writeTimeout time.Duration) *Runtime {
	t.Helper()
	rt := New(Config{
		Topic:    "__consumer_offsets",
		NewShard: newCounterShard,
		Partition: func(idx int32) (*partition.Partition, error) {
			if idx != 0 {
				return nil, errors.New("not hosted")
			}
			return p, nil
		},
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		WriteTimeout: writeTimeout,
	})
	t.Cleanup(rt.Close)
	return rt
}

func count(t *testing.T, res Result) int32 {
	t.Helper()
	if res.Err != nil {
		t.Fatalf("heartbeat failed: %v", res.Err)
	}
	return res.Response.(*kmsg.HeartbeatResponse).ThrottleMillis
}

// A new leader replays its whole log, past its high watermark, and serves
// only once what it replayed is committed.
func TestLoadReplaysToTheLogEndAndWaitsForTheHighWatermark(t *testing.T) {
	r := openReplicated(t)
	r.appendCounts("g", 1, 2, 3)
	if hw := r.p.HighWatermark(); hw != 0 {
		t.Fatalf("high watermark %d before the follower fetched", hw)
	}
	rt := newReplicatedRuntime(t, r.p, 0)
	rt.Sync(nil, map[int32]int32{0: 1}, 1)
	if res := rt.Submit(context.Background(), "g", heartbeat("g", 1), "", ""); !errors.Is(res.Err, ErrLoadInProgress) {
		t.Fatalf("before the replayed tail committed: %+v", res)
	}
	if got := count(t, r.submit(rt)); got != 4 {
		t.Fatalf("count after loading three uncommitted records = %d, want 4", got)
	}
	if hw := r.p.HighWatermark(); hw != 4 {
		t.Fatalf("high watermark %d after the reply", hw)
	}
}

// A write waiting for its ISR when leadership moves answers
// NOT_COORDINATOR, and so does the shard until Sync removes it.
func TestLeadershipLossAnswersNotCoordinator(t *testing.T) {
	r := openReplicated(t)
	rt := newReplicatedRuntime(t, r.p, time.Hour)
	rt.Sync(nil, map[int32]int32{0: 1}, 1)
	waitLoaded(t, rt)
	call := rt.Send("g", heartbeat("g", 1), "", "")
	testWait(t, "the write to be appended", func() bool { return r.p.LogEndOffset() == 1 })
	if err := r.p.SetLeadership(partition.Leadership{Leader: 2, LeaderEpoch: 2, PartitionEpoch: 2,
		Replicas: []int32{1, 2}, ISR: []int32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	if res := call.Wait(context.Background()); !errors.Is(res.Err, ErrNotCoordinator) {
		t.Fatalf("write when leadership moved: %+v", res)
	}
	testWait(t, "the shard to give up", func() bool {
		return errors.Is(rt.Submit(context.Background(), "g", heartbeat("g", 1), "", "").Err, ErrNotCoordinator)
	})
	rt.Sync(nil, nil, 1)
	if hosted := rt.Hosted(); len(hosted) != 0 {
		t.Fatalf("hosted after losing the partition: %v", hosted)
	}
}

// A shard lives for one leader epoch: its writes are fenced once the
// partition has a newer one, and the shard of the new epoch loads from
// the log.
func TestNewLeaderEpochReloadsTheShard(t *testing.T) {
	p := openLeader(t, t.TempDir())
	rt := newReplicatedRuntime(t, p, 0)
	rt.Sync(nil, map[int32]int32{0: 0}, 1)
	waitLoaded(t, rt)
	for i := 1; i <= 2; i++ {
		if got := count(t, rt.Submit(context.Background(), "g", heartbeat("g", 1), "", "")); got != int32(i) {
			t.Fatalf("heartbeat %d: count %d", i, got)
		}
	}
	// Leadership was lost and came back: metadata reaches the partition
	// before the runtime.
	if err := p.SetLeadership(partition.Leadership{Leader: 1, LeaderEpoch: 3, PartitionEpoch: 3,
		Replicas: []int32{1}, ISR: []int32{1}}); err != nil {
		t.Fatal(err)
	}
	if res := rt.Submit(context.Background(), "g", heartbeat("g", 1), "", ""); !errors.Is(res.Err, ErrNotCoordinator) {
		t.Fatalf("write of the stale shard: %+v", res)
	}
	if end := p.LogEndOffset(); end != 2 {
		t.Fatalf("the stale shard wrote: log end %d", end)
	}
	rt.Sync(nil, map[int32]int32{0: 3}, 1)
	waitLoaded(t, rt)
	if got := count(t, rt.Submit(context.Background(), "g", heartbeat("g", 1), "", "")); got != 3 {
		t.Fatalf("count in the new epoch = %d, want 3", got)
	}
}

// A write the ISR does not take in time answers COORDINATOR_NOT_AVAILABLE;
// the shard reloads and counts the record once it commits.
func TestWriteTimeoutAnswersNotAvailable(t *testing.T) {
	r := openReplicated(t)
	rt := newReplicatedRuntime(t, r.p, 20*time.Millisecond)
	rt.Sync(nil, map[int32]int32{0: 1}, 1)
	waitLoaded(t, rt)
	if res := rt.Submit(context.Background(), "g", heartbeat("g", 1), "", ""); !errors.Is(res.Err, ErrNotAvailable) {
		t.Fatalf("write the follower never took: %+v", res)
	}
	if got := count(t, r.submit(rt)); got != 2 {
		t.Fatalf("count after the timed-out record committed = %d, want 2", got)
	}
}

func testWait(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
