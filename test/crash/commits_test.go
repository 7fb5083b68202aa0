package crash

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKillNineLosesNoAcknowledgedCommit commits offsets as fast as the
// broker acknowledges them while the broker is killed and restarted; every
// acknowledged commit must be what OffsetFetch answers afterwards (or a
// later one).
func TestKillNineLosesNoAcknowledgedCommit(t *testing.T) {
	s := newServer(t)
	s.start("group.initial.rebalance.delay.ms=0")
	const topic, group = "committed", "durable"
	admin := func() *kadm.Client {
		cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr()))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		return kadm.NewClient(cl)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if _, err := admin().CreateTopic(ctx, 4, 1, nil, topic); err != nil {
		t.Fatal(err)
	}

	var (
		mu    sync.Mutex
		acked = map[int32]int64{} // highest acknowledged commit per partition
	)
	commit := func(ctx context.Context, adm *kadm.Client, offset int64) {
		var os kadm.Offsets
		for p := range int32(4) {
			os.Add(kadm.Offset{Topic: topic, Partition: p, At: offset, LeaderEpoch: -1})
		}
		resp, err := adm.CommitOffsets(ctx, group, os)
		if err != nil || resp.Error() != nil {
			return // not acknowledged: the broker may be down
		}
		mu.Lock()
		for p := range int32(4) {
			acked[p] = max(acked[p], offset)
		}
		mu.Unlock()
	}
	committer := func(ctx context.Context, start int64) int64 {
		adm := admin()
		next := start
		for ctx.Err() == nil {
			commitCtx, done := context.WithTimeout(ctx, 2*time.Second)
			commit(commitCtx, adm, next)
			done()
			next++
		}
		return next
	}

	next := int64(1)
	for round := 1; round <= 3; round++ {
		roundCtx, stop := context.WithCancel(ctx)
		done := make(chan int64)
		go func() { done <- committer(roundCtx, next) }()
		waitFor(t, 60*time.Second, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return acked[0] >= next+200
		})
		s.kill()
		stop()
		next = <-done
		mu.Lock()
		t.Logf("round %d: killed after acknowledged commit %d", round, acked[0])
		mu.Unlock()
		s.start("group.initial.rebalance.delay.ms=0")
	}

	var fetched kadm.OffsetResponses
	testFetch := func() error {
		var err error
		fetched, err = admin().FetchOffsets(ctx, group)
		if err == nil {
			err = fetched.Error()
		}
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for err := testFetch(); err != nil; err = testFetch() {
		if time.Now().After(deadline) {
			t.Fatalf("fetch offsets after the last restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for p := range int32(4) {
		got, ok := fetched.Lookup(topic, p)
		if !ok {
			t.Fatalf("partition %d has no committed offset after the restarts", p)
		}
		if got.At < acked[p] {
			t.Fatalf("partition %d: committed offset %d, but %d was acknowledged", p, got.At, acked[p])
		}
	}
	t.Logf("every acknowledged commit survived three kill -9 (last acknowledged %d)", acked[0])
}
