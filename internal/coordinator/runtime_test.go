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

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/storage"
)

// counterShard counts heartbeats per group: each Heartbeat writes the new
// count as a record and answers once it is replayed; a Heartbeat with
// generation -1 waits until the next Tick.
type counterShard struct {
	counts   map[string]int
	replayed int
	waiting  []uint64
	deadline time.Time
}

func newCounterShard(int32) Shard { return &counterShard{counts: map[string]int{}} }

func (s *counterShard) Handle(now time.Time, r Request) Output {
	hb := r.Body.(*kmsg.HeartbeatRequest)
	if hb.Generation == -1 {
		s.waiting = append(s.waiting, r.ID)
		s.deadline = now.Add(10 * time.Millisecond)
		return Output{}
	}
	next := s.counts[hb.Group] + 1
	resp := hb.ResponseKind().(*kmsg.HeartbeatResponse)
	resp.ThrottleMillis = int32(next) // the count, as the shard will have it
	return Output{
		Records: []Record{{Key: []byte(hb.Group), Value: []byte(strconv.Itoa(next))}},
		Replies: []Reply{{ID: r.ID, Response: resp}},
	}
}

func (s *counterShard) Tick(now time.Time) Output {
	var out Output
	for _, id := range s.waiting {
		out.Replies = append(out.Replies, Reply{ID: id, Response: kmsg.NewPtrHeartbeatResponse()})
	}
	s.waiting, s.deadline = nil, time.Time{}
	return out
}

func (s *counterShard) NextDeadline() (time.Time, bool) { return s.deadline, !s.deadline.IsZero() }

func (s *counterShard) Replay(offset int64, key, value []byte) error {
	n, err := strconv.Atoi(string(value))
	if err != nil {
		return err
	}
	s.counts[string(key)] = n
	s.replayed++
	return nil
}

func (s *counterShard) Cancel(id uint64) Output { return Output{} }

func (s *counterShard) Metadata(time.Time, *metadata.Image) Output { return Output{} }

func openLeader(t *testing.T, dir string) *partition.Partition {
	t.Helper()
	cfg, err := config.ResolveTopic(config.Layers{Topic: map[string]string{"cleanup.policy": "compact"}})
	if err != nil {
		t.Fatal(err)
	}
	log, err := storage.Open(dir, partition.StorageConfig(cfg), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	p, err := partition.Open(partition.Options{Topic: "__consumer_offsets", NodeID: 1, Log: log, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetLeadership(partition.Leadership{Leader: 1, LeaderEpoch: 0, Replicas: []int32{1}, ISR: []int32{1}}); err != nil {
		t.Fatal(err)
	}
	return p
}

func newRuntime(t *testing.T, p *partition.Partition) *Runtime {
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
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	t.Cleanup(rt.Close)
	rt.Sync(nil, map[int32]int32{0: 0}, 1)
	waitLoaded(t, rt)
	return rt
}

func waitLoaded(t *testing.T, rt *Runtime) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(rt.Loaded()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("shard never loaded")
		}
		time.Sleep(time.Millisecond)
	}
}

func heartbeat(group string, generation int32) *kmsg.HeartbeatRequest {
	hb := kmsg.NewPtrHeartbeatRequest()
	hb.Group, hb.Generation = group, generation
	return hb
}

func TestRepliesFollowCommittedRecords(t *testing.T) {
	p := openLeader(t, t.TempDir())
	rt := newRuntime(t, p)
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		res := rt.Submit(ctx, "g", heartbeat("g", 1), "client", "host")
		if res.Err != nil {
			t.Fatal(res.Err)
		}
		if got := res.Response.(*kmsg.HeartbeatResponse).ThrottleMillis; got != int32(i) {
			t.Fatalf("heartbeat %d answered count %d", i, got)
		}
		// The reply came after the record was committed.
		if hw := p.HighWatermark(); hw != int64(i) {
			t.Fatalf("high watermark %d after %d replies", hw, i)
		}
	}
}

func TestReloadReplaysTheLog(t *testing.T) {
	dir := t.TempDir()
	p := openLeader(t, dir)
	rt := newRuntime(t, p)
	for range 5 {
		if res := rt.Submit(context.Background(), "g", heartbeat("g", 1), "", ""); res.Err != nil {
			t.Fatal(res.Err)
		}
	}
	rt.Close()
	// A new runtime over the same partition continues from the log.
	rt2 := newRuntime(t, p)
	res := rt2.Submit(context.Background(), "g", heartbeat("g", 1), "", "")
	if res.Err != nil || res.Response.(*kmsg.HeartbeatResponse).ThrottleMillis != 6 {
		t.Fatalf("after reload: %+v", res)
	}
}

func TestTimersAnswerWaitingRequests(t *testing.T) {
	rt := newRuntime(t, openLeader(t, t.TempDir()))
	res := rt.Submit(context.Background(), "g", heartbeat("g", -1), "", "")
	if res.Err != nil || res.Response == nil {
		t.Fatalf("waiting request: %+v", res)
	}
}

func TestRoutingErrors(t *testing.T) {
	p := openLeader(t, t.TempDir())
	rt := newRuntime(t, p)
	if res := rt.SubmitTo(context.Background(), 7, heartbeat("g", 1), "", ""); !errors.Is(res.Err, ErrNotCoordinator) {
		t.Fatalf("unhosted partition: %v", res.Err)
	}
	rt.Sync(nil, nil, 0)
	if res := rt.Submit(context.Background(), "g", heartbeat("g", 1), "", ""); !errors.Is(res.Err, ErrNotAvailable) {
		t.Fatalf("no topic: %v", res.Err)
	}
	rt.Sync(nil, nil, 1)
	if res := rt.Submit(context.Background(), "g", heartbeat("g", 1), "", ""); !errors.Is(res.Err, ErrNotCoordinator) {
		t.Fatalf("partition led elsewhere: %v", res.Err)
	}
}

func TestCancelledRequestLeavesTheShardWorking(t *testing.T) {
	rt := newRuntime(t, openLeader(t, t.TempDir()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// Whether the cancelled request got in before its context ended is a
	// race; either way the shard must go on serving.
	rt.Submit(ctx, "g", heartbeat("g", -1), "", "")
	res := rt.Submit(context.Background(), "g", heartbeat("g", 1), "", "")
	if res.Err != nil || res.Response.(*kmsg.HeartbeatResponse).ThrottleMillis < 1 {
		t.Fatalf("after a cancelled request: %+v", res)
	}
}

func TestStoppingAShardAnswersItsQueue(t *testing.T) {
	rt := newRuntime(t, openLeader(t, t.TempDir()))
	call := rt.Send("g", heartbeat("g", -1), "", "") // waits for a tick
	rt.Sync(nil, nil, 1)                             // the partition moves away
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if res := call.Wait(ctx); res.Err != nil && !errors.Is(res.Err, ErrNotCoordinator) {
		t.Fatalf("queued request after the shard stopped: %v", res.Err)
	}
}
