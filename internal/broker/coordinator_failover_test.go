package broker_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/testcluster"
)

// coordProps: __consumer_offsets with three replicas over few partitions,
// a short broker session so that a killed node is fenced in seconds.
var coordProps = map[string]string{
	"broker.session.timeout.ms":        "3000",
	"broker.heartbeat.interval.ms":     "300",
	"offsets.topic.replication.factor": "3",
	"offsets.topic.num.partitions":     "3",
	"group.initial.rebalance.delay.ms": "0",
	// KIP-848 members reconcile at each heartbeat: Kafka's 5s would make
	// the group's first assignment the slowest part of the test.
	"group.consumer.heartbeat.interval.ms":     "500",
	"group.consumer.min.heartbeat.interval.ms": "500",
}

// offsetKey is a partition of the consumed topic.
type offsetKey = int32

// commitLog is what the group's members consumed and which of their
// commits the coordinator acknowledged, shared by the members.
type commitLog struct {
	mu        sync.Mutex
	seen      map[string]int      // record value → reads
	acked     map[offsetKey]int64 // highest acknowledged commit per partition
	commits   int
	killed    bool
	stoppedAt time.Time
	killAcked map[offsetKey]int64 // acked when the coordinator was stopped
	firstAck  time.Time           // first acknowledged commit sent after that
	ackTimes  []time.Time         // when each commit was acknowledged
	rereads   int
	bad       []string // re-reads below a commit acknowledged before the stop
}

func newCommitLog() *commitLog {
	return &commitLog{seen: map[string]int{}, acked: map[offsetKey]int64{}}
}

func (l *commitLog) read(r *kgo.Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := string(r.Value)
	l.seen[v]++
	if l.seen[v] == 1 || !l.killed {
		return
	}
	l.rereads++
	if r.Offset < l.killAcked[r.Partition] {
		l.bad = append(l.bad, fmt.Sprintf("%s at %d-%d below the acknowledged commit %d", v, r.Partition, r.Offset, l.killAcked[r.Partition]))
	}
}

// committed notes a commit's acknowledged partitions; sent is when the
// commit was sent.
func (l *commitLog) committed(sent time.Time, req *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, t := range resp.Topics {
		for j, p := range t.Partitions {
			if p.ErrorCode != 0 {
				continue
			}
			off := req.Topics[i].Partitions[j].Offset
			l.acked[p.Partition] = max(l.acked[p.Partition], off)
			l.commits++
			now := time.Now()
			l.ackTimes = append(l.ackTimes, now)
			if l.killed && sent.After(l.stoppedAt) && l.firstAck.IsZero() {
				l.firstAck = now
			}
		}
	}
}

// stop marks the coordinator's stop: later re-reads are checked against
// the commits acknowledged so far.
func (l *commitLog) stop() map[offsetKey]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.killed, l.stoppedAt = true, time.Now()
	l.killAcked = map[offsetKey]int64{}
	for p, o := range l.acked {
		l.killAcked[p] = o
	}
	return l.killAcked
}

// longestGap is the longest time without an acknowledged commit that
// ends after from: how long the group could not commit.
func (l *commitLog) longestGap(from time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var gap time.Duration
	prev := from
	for _, at := range l.ackTimes {
		if at.Before(from) {
			prev = at
			continue
		}
		gap = max(gap, at.Sub(prev))
		prev = at
	}
	return gap
}

func (l *commitLog) snapshot() (commits, distinct int, firstAck time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.commits, len(l.seen), l.firstAck
}

// consumeAndCommit polls until ctx ends, committing what it read after
// each poll, as an application that processes then commits does.
func consumeAndCommit(ctx context.Context, cl *kgo.Client, l *commitLog) {
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		fs.EachRecord(l.read)
		offsets := cl.UncommittedOffsets()
		if len(offsets) == 0 {
			continue
		}
		sent := time.Now()
		cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, req *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			if err == nil {
				l.committed(sent, req, resp)
			}
		})
	}
}

// producer sends records until stopped and remembers the acknowledged
// ones.
type producer struct {
	mu    sync.Mutex
	acked []string
}

// run produces without waiting for each record, so that the partitions
// whose leaders are up keep getting records while another fails over,
// and the group keeps having something to commit.
func (p *producer) run(ctx context.Context, cl *kgo.Client, topic string) {
	for i := 0; ctx.Err() == nil; i++ {
		v := fmt.Sprintf("v-%d", i)
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(v), Value: []byte(v)}, func(_ *kgo.Record, err error) {
			if err == nil {
				p.mu.Lock()
				p.acked = append(p.acked, v)
				p.mu.Unlock()
			}
		})
		time.Sleep(2 * time.Millisecond) // a steady trickle, not a flood
	}
	flushCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl.Flush(flushCtx)
}

func (p *producer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

// groupCoordinator asks a broker which broker coordinates group.
func groupCoordinator(ctx context.Context, cl *kgo.Client, group string) (int32, error) {
	req := kmsg.NewPtrFindCoordinatorRequest()
	req.CoordinatorKeys = []string{group} // v4+, which franz-go sends
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return -1, err
	}
	if len(resp.Coordinators) != 1 {
		return -1, fmt.Errorf("FindCoordinator v%d answered %d keys", req.Version, len(resp.Coordinators))
	}
	c := resp.Coordinators[0]
	if err := kerr.ErrorForCode(c.ErrorCode); err != nil {
		return -1, err
	}
	return c.NodeID, nil
}

// groupLedElsewhere creates __consumer_offsets and returns a group whose
// coordinator is not the active controller, so that stopping it measures
// the coordinator's failover, not the controller's too.
func groupLedElsewhere(t *testing.T, c *testcluster.Cluster, active *testcluster.Node) (string, int32) {
	t.Helper()
	cl := c.Client()
	ctx := testcluster.Context(t, 30*time.Second)
	var leaders []int32
	testcluster.CheckFor(t, 20*time.Second, func() error {
		if _, err := groupCoordinator(ctx, cl, "probe"); err != nil {
			return err
		}
		md, err := metadataOf(t, active, "__consumer_offsets")
		if err != nil {
			return err
		}
		leaders = leaders[:0]
		for _, p := range md.Topics[0].Partitions {
			if p.Leader < 0 || len(p.ISR) != 3 {
				return fmt.Errorf("__consumer_offsets-%d: leader %d, isr %v", p.Partition, p.Leader, p.ISR)
			}
			leaders = append(leaders, p.Leader)
		}
		if len(leaders) != 3 {
			return fmt.Errorf("__consumer_offsets has %d partitions", len(leaders))
		}
		return nil
	})
	for i := 0; ; i++ {
		group := fmt.Sprintf("billing-%d", i)
		if leader := leaders[coordinator.PartitionFor(group, 3)]; leader != active.ID() {
			return group, leader
		}
	}
}

// TestGroupCoordinatorFailover: franz-go members of a classic
// (cooperative-sticky) and of a KIP-848 group consume and commit a
// replicated topic while the node coordinating their group is killed, or
// shut down; they find the new coordinator and go on, no acknowledged
// commit is lost, every acknowledged record is read, and records are read
// again only from the last acknowledged commits.
func TestGroupCoordinatorFailover(t *testing.T) {
	protocols := map[string][]kgo.Opt{
		"classic":  {kgo.Balancers(kgo.CooperativeStickyBalancer())},
		"consumer": {kgo.ServerSideBalancer(), kgo.Balancers(kgo.CooperativeStickyBalancer())},
	}
	for _, how := range []string{"kill", "shutdown"} {
		for _, proto := range []string{"classic", "consumer"} {
			t.Run(how+"/"+proto, func(t *testing.T) {
				coordinatorFailover(t, how, protocols[proto])
			})
		}
	}
}

func coordinatorFailover(t *testing.T, how string, groupOpts []kgo.Opt) {
	c := testcluster.StartCluster(t, 3, nil, coordProps)
	active := c.ActiveController(10 * time.Second)
	ctx := testcluster.Context(t, 2*time.Minute)
	adm := kadm.NewClient(c.Client())
	minISR := "2"
	if res, err := adm.CreateTopic(ctx, 3, 3, map[string]*string{"min.insync.replicas": &minISR}, "events"); err != nil || res.Err != nil {
		t.Fatalf("create topic: %v %v", err, res.Err)
	}
	group, coord := groupLedElsewhere(t, c, active)

	log := newCommitLog()
	runCtx, stopAll := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		stopAll()
		wg.Wait()
	}()
	for range 2 {
		opts := append([]kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics("events"), kgo.DisableAutoCommit(),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200 * time.Millisecond)}, groupOpts...)
		cl := c.Client(opts...)
		wg.Add(1)
		go func() { defer wg.Done(); consumeAndCommit(runCtx, cl, log) }()
	}
	prod := &producer{}
	prodCtx, stopProducing := context.WithCancel(runCtx)
	defer stopProducing()
	produced := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(produced)
		prod.run(prodCtx, c.Client(kgo.RequiredAcks(kgo.AllISRAcks())), "events")
	}()

	started := time.Now()
	testcluster.CheckFor(t, 60*time.Second, func() error {
		if commits, read, _ := log.snapshot(); commits < 20 || read < 300 {
			return fmt.Errorf("%d commits acknowledged, %d records read", commits, read)
		}
		// Both members hold partitions: every partition has commits.
		log.mu.Lock()
		defer log.mu.Unlock()
		if len(log.acked) != 3 {
			return fmt.Errorf("commits acknowledged for partitions %v only", log.acked)
		}
		return nil
	})

	t.Logf("group consuming and committing after %v", time.Since(started).Round(time.Millisecond))
	victim := c.Node(coord)
	ackedBefore := log.stop()
	stopped := log.stoppedAt
	if how == "kill" {
		victim.Kill()
	} else {
		victim.Shutdown()
	}
	t.Logf("%s of node %d, coordinator of %s (active controller: node %d); commits acknowledged before: %v",
		how, coord, group, active.ID(), ackedBefore)

	testcluster.CheckFor(t, 60*time.Second, func() error {
		if _, _, first := log.snapshot(); first.IsZero() {
			return fmt.Errorf("no commit acknowledged since the %s", how)
		}
		return nil
	})
	_, _, first := log.snapshot()
	t.Logf("first commit sent after the %s began acknowledged %v later", how, first.Sub(stopped).Round(time.Millisecond))

	// The new coordinator has every commit acknowledged before. Every
	// running broker names it (they learn of the change one by one, as
	// Kafka's do); a fresh client asks it, not a coordinator cached
	// before the change.
	var next int32
	testcluster.CheckFor(t, 30*time.Second, func() error {
		for _, n := range c.Running() {
			got, err := groupCoordinator(ctx, n.Client(), group)
			if err != nil {
				return fmt.Errorf("node %d: %w", n.ID(), err)
			}
			if got == coord {
				return fmt.Errorf("node %d still names node %d coordinator", n.ID(), coord)
			}
			next = got
		}
		return nil
	})
	var fetched kadm.OffsetResponses
	testcluster.CheckFor(t, 30*time.Second, func() error {
		var err error
		if fetched, err = kadm.NewClient(c.Client()).FetchOffsets(ctx, group); err != nil {
			return err
		}
		return fetched.Error()
	})
	for p, off := range ackedBefore {
		got, ok := fetched.Lookup("events", p)
		if !ok || got.At < off {
			t.Errorf("partition %d: committed %+v at the new coordinator %d, acknowledged %d before the %s", p, got, next, off, how)
		}
	}

	// More records after the failover, then everything is read and
	// committed.
	before := prod.count()
	testcluster.CheckFor(t, 60*time.Second, func() error {
		if n := prod.count(); n < before+300 {
			return fmt.Errorf("%d records produced since the failover", n-before)
		}
		return nil
	})
	stopProducing()
	<-produced
	t.Logf("%d records produced after the failover", prod.count()-before)
	testcluster.CheckFor(t, 60*time.Second, func() error {
		prod.mu.Lock()
		acked := slices.Clone(prod.acked)
		prod.mu.Unlock()
		log.mu.Lock()
		defer log.mu.Unlock()
		for _, v := range acked {
			if log.seen[v] == 0 {
				return fmt.Errorf("acknowledged record %s not read (of %d)", v, len(acked))
			}
		}
		return nil
	})
	gap := log.longestGap(stopped)
	t.Logf("coordinator failover: the group went %v without an acknowledged commit", gap.Round(time.Millisecond))
	// A 3s broker session and a load: seconds, far below the members'
	// 45s sessions, which would mean a member was lost in the move.
	if gap > 20*time.Second {
		t.Errorf("the group could not commit for %v", gap)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	t.Logf("%d records read, %d re-read after the %s", len(log.seen), log.rereads, how)
	for _, b := range log.bad {
		t.Errorf("re-read below an acknowledged commit: %s", b)
	}
}
