package broker_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// groupClientLogger is the franz-go debug log of a member with
// SPOOL_TEST_KGO_LOG=1.
func groupClientLogger(name string) kgo.Opt {
	if os.Getenv("SPOOL_TEST_KGO_LOG") == "" {
		return kgo.WithLogger(nil)
	}
	return kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelDebug, func() string {
		return time.Now().Format("15:04:05.000 ") + name + " "
	}))
}

// TestGroupCoordinatorFailoverMidReconciliation: the coordinator of a
// KIP-848 group is killed while the group moves partitions to a member
// that just joined (the first member has been asked to revoke some and
// has not yet acknowledged it). The new coordinator loads the group as
// written and the members reconcile with it: the new member gets its
// partitions and both commit again within seconds, not after the 45 s
// session timeout of a member the group waits for.
func TestGroupCoordinatorFailoverMidReconciliation(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, coordProps)
	active := c.ActiveController(10 * time.Second)
	ctx := testcluster.Context(t, 2*time.Minute)
	adm := kadm.NewClient(c.Client())
	minISR := "2"
	if res, err := adm.CreateTopic(ctx, 6, 3, map[string]*string{"min.insync.replicas": &minISR}, "events"); err != nil || res.Err != nil {
		t.Fatalf("create topic: %v %v", err, res.Err)
	}
	group, coord := groupLedElsewhere(t, c, active)

	runCtx, stopAll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stopAll()
		wg.Wait()
	}()
	prod := &producer{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		prod.run(runCtx, c.Client(kgo.RequiredAcks(kgo.AllISRAcks())), "events")
	}()

	// The first member holds the six partitions; its revocation callback
	// tells the test that the group is moving some, and waits for the
	// kill before it returns.
	revoking, killed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	logs := []*commitLog{newCommitLog(), newCommitLog()}
	member := func(i int, opts ...kgo.Opt) *kgo.Client {
		opts = append([]kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics("events"), kgo.DisableAutoCommit(),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200 * time.Millisecond),
			kgo.ServerSideBalancer(), groupClientLogger(fmt.Sprintf("member-%d", i))}, opts...)
		cl := c.Client(opts...)
		wg.Add(1)
		go func() { defer wg.Done(); consumeAndCommit(runCtx, cl, logs[i]) }()
		return cl
	}
	member(0, kgo.OnPartitionsRevoked(func(ctx context.Context, _ *kgo.Client, lost map[string][]int32) {
		once.Do(func() { close(revoking) })
		select {
		case <-killed:
		case <-ctx.Done():
		}
	}))
	testcluster.CheckFor(t, 60*time.Second, func() error {
		logs[0].mu.Lock()
		defer logs[0].mu.Unlock()
		if len(logs[0].acked) != 6 {
			return fmt.Errorf("commits acknowledged for partitions %v only", logs[0].acked)
		}
		return nil
	})
	joined := member(1)
	select {
	case <-revoking:
	case <-ctx.Done():
		t.Fatal("the first member was never asked to revoke")
	}
	logs[0].stop()
	logs[1].stop()
	c.Node(coord).Kill()
	close(killed)
	at := time.Now()
	// franz-go (v1.22.2) sends ConsumerGroupHeartbeat to its cached
	// coordinator and, unlike its other group requests, never forgets it
	// when the node refuses connections; only another request (a commit)
	// or a metadata refresh without the fenced node makes it look the
	// coordinator up again. The member that just joined owns nothing and
	// does not commit, so it would heartbeat the dead node forever while
	// the new coordinator holds its partitions for it until its session
	// times out. The Java client marks the coordinator unknown on a
	// disconnect; the refreshes stand in for that.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for runCtx.Err() == nil {
			joined.ForceMetadataRefresh()
			select {
			case <-runCtx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	t.Logf("killed node %d, coordinator of %s, while the first member revokes", coord, group)

	// Both members commit again: the second got its partitions.
	testcluster.CheckFor(t, 60*time.Second, func() error {
		for i, l := range logs {
			if _, _, first := l.snapshot(); first.IsZero() {
				return fmt.Errorf("member %d: no commit acknowledged since the kill", i)
			}
		}
		return nil
	})
	var last time.Time
	for i, l := range logs {
		_, _, first := l.snapshot()
		t.Logf("member %d: first commit acknowledged %v after the kill", i, first.Sub(at).Round(time.Millisecond))
		if first.After(last) {
			last = first
		}
	}
	// A 3 s broker session, a load and a few heartbeats.
	if d := last.Sub(at); d > 20*time.Second {
		t.Errorf("the group took %v after the kill to commit with both members", d)
	}
}
