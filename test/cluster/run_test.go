package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/test/history"
	"github.com/spoolhq/spool/test/spoolproc"
)

const (
	topic      = "faults"
	partitions = 6
	// sessionTimeout is broker.session.timeout.ms: a broker silent this long
	// is fenced and its leaderships move.
	sessionTimeout = 3 * time.Second
	// failoverBound is how long a fault may leave a partition without an
	// acknowledged produce before the test fails; the measured time is
	// reported, not asserted. It is not 30 s because of franz-go (v1.22.2),
	// not the cluster: when the old leader is stopped or cut off (its
	// connections accepted, never answered), the producer's metadata
	// refresh can be sent to it and wait in its one-at-a-time request queue
	// behind up to five produce requests, each spending two connection
	// attempts (2 × the 2 s ApiVersions read timeout) before failing; no
	// other refresh runs meanwhile, so the moved partitions' records reach
	// the new leaders up to about 35 s after the fault, although every live
	// node names them from the fence on (docs/ARCHITECTURE.md, Fault tests).
	failoverBound = 60 * time.Second
	// recoveryBound is how long a returned node may take to rejoin every
	// ISR.
	recoveryBound = 60 * time.Second
)

// props are every node's, over the harness's: short heartbeats and
// sessions so that faults are noticed in seconds.
var props = map[string]string{
	"broker.heartbeat.interval.ms":     "300",
	"broker.session.timeout.ms":        fmt.Sprint(sessionTimeout.Milliseconds()),
	"replica.lag.time.max.ms":          "5000",
	"offsets.topic.replication.factor": "3",
	"group.initial.rebalance.delay.ms": "0",
}

// run is one fault test: a cluster, a topic with replication factor 3 and
// min.insync.replicas=2, and acks=all idempotent load on it.
type run struct {
	t    *testing.T
	c    *spoolproc.Cluster
	cl   *kgo.Client // for requests kadm does not make
	adm  *kadm.Client
	rec  *history.Recorder
	load *history.Load
}

// start starts a three-node cluster behind proxies, creates the topic,
// waits for every replica in every ISR, starts the load and waits for its
// first acknowledgements.
func start(t *testing.T) *run {
	r := &run{t: t, c: spoolproc.StartCluster(t, spoolBin, spoolproc.Options{Nodes: 3, Props: props, Proxy: true})}
	r.cl = r.c.Client(kgo.MetadataMinAge(100 * time.Millisecond))
	r.adm = kadm.NewClient(r.cl)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	minISR := "2"
	resp, err := r.adm.CreateTopic(ctx, partitions, 3, map[string]*string{"min.insync.replicas": &minISR}, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	r.waitFullISR(recoveryBound)
	r.rec = history.NewRecorder()
	clientLog, err := os.Create(filepath.Join(r.c.Dir(), "producer.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { clientLog.Close() })
	level := kgo.LogLevelInfo
	if os.Getenv("SPOOL_CLIENT_DEBUG") != "" {
		level = kgo.LogLevelDebug
	}
	producer := r.c.Client(append(history.ProducerOpts(),
		kgo.WithLogger(kgo.BasicLogger(clientLog, level,
			func() string { return time.Now().UTC().Format("15:04:05.000 ") })))...)
	r.load = history.StartLoad(producer, topic, partitions, r.rec, time.Millisecond)
	r.waitAcked(1000)
	return r
}

// state is what Metadata says of the topic's partitions.
type state struct {
	leader map[int32]int32
	isr    map[int32][]int32
}

func (r *run) state() (state, error) { return r.stateFrom(-1) }

// stateFrom asks node (any node when -1) for the topic's metadata.
func (r *run) stateFrom(node int32) (state, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	var resp *kmsg.MetadataResponse
	var err error
	if node < 0 {
		resp, err = req.RequestWith(ctx, r.cl)
	} else {
		var kr kmsg.Response
		kr, err = r.cl.Broker(int(node)).Request(ctx, req)
		if err == nil {
			resp = kr.(*kmsg.MetadataResponse)
		}
	}
	if err != nil {
		return state{}, err
	}
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
		return state{}, fmt.Errorf("topic %s missing from node %d's metadata", topic, node)
	}
	s := state{leader: map[int32]int32{}, isr: map[int32][]int32{}}
	for _, pd := range resp.Topics[0].Partitions {
		s.leader[pd.Partition], s.isr[pd.Partition] = pd.Leader, pd.ISR
	}
	return s, nil
}

// waitFullISR waits until every node's metadata gives every partition a
// leader and all three replicas in its ISR (asking every node, since one
// that has just come back may still answer with what it knew before).
func (r *run) waitFullISR(d time.Duration) {
	r.t.Helper()
	var last string
	if !spoolproc.Eventually(d, func() bool {
		var first state
		for i, n := range r.c.Nodes {
			s, err := r.stateFrom(int32(n.ID))
			if err != nil {
				last = fmt.Sprintf("node %d: %v", n.ID, err)
				return false
			}
			if i == 0 {
				first = s
			} else if !maps.Equal(s.leader, first.leader) {
				last = fmt.Sprintf("nodes %d and %d disagree on leaders: %v and %v", r.c.Nodes[0].ID, n.ID, first.leader, s.leader)
				return false
			}
			for p := range int32(partitions) {
				if s.leader[p] < 0 || len(s.isr[p]) != 3 {
					last = fmt.Sprintf("node %d: partition %d: leader %d, isr %v", n.ID, p, s.leader[p], s.isr[p])
					return false
				}
			}
		}
		return true
	}) {
		r.t.Fatalf("not every replica in every ISR within %v: %s", d, last)
	}
}

// ledBy returns the partitions node leads now.
func (r *run) ledBy(node int) []int32 {
	r.t.Helper()
	s, err := r.state()
	if err != nil {
		r.t.Fatal(err)
	}
	var out []int32
	for p, l := range s.leader {
		if int(l) == node {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// leaderOf returns the node leading partition p.
func (r *run) leaderOf(p int32) int {
	r.t.Helper()
	s, err := r.state()
	if err != nil {
		r.t.Fatal(err)
	}
	return int(s.leader[p])
}

// activeController asks the quorum for its leader.
func (r *run) activeController() int {
	r.t.Helper()
	var leader int
	var last error
	if !spoolproc.Eventually(10*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		req := kmsg.NewPtrDescribeQuorumRequest()
		t := kmsg.NewDescribeQuorumRequestTopic()
		t.Topic = "__cluster_metadata"
		t.Partitions = append(t.Partitions, kmsg.NewDescribeQuorumRequestTopicPartition())
		req.Topics = append(req.Topics, t)
		resp, err := req.RequestWith(ctx, r.cl)
		if err == nil && (len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1) {
			err = errors.New("DescribeQuorum answered no partition")
		}
		if err != nil {
			last = err
			return false
		}
		leader = int(resp.Topics[0].Partitions[0].LeaderID)
		return leader > 0
	}) {
		r.t.Fatalf("no active controller: %v", last)
	}
	return leader
}

// waitAcked waits for n more acknowledgements.
func (r *run) waitAcked(n int) {
	r.t.Helper()
	target := r.rec.Acked() + n
	if !spoolproc.Eventually(60*time.Second, func() bool { return r.rec.Acked() >= target }) {
		r.t.Fatalf("only %d of %d records acknowledged within 60s", r.rec.Acked(), target)
	}
}

// failover waits for an acknowledged produce after at on every partition
// of affected (all partitions when empty) and returns how long the slowest
// took.
func (r *run) failover(at time.Time, affected []int32) time.Duration {
	r.t.Helper()
	if len(affected) == 0 {
		for p := range int32(partitions) {
			affected = append(affected, p)
		}
	}
	var took time.Duration
	if !spoolproc.Eventually(failoverBound, func() bool {
		var ok bool
		took, ok = r.rec.FirstAckAfter(at, affected)
		return ok
	}) {
		for _, n := range r.c.Nodes {
			s, err := r.stateFrom(int32(n.ID))
			r.t.Logf("node %d's metadata: leaders %v, ISRs %v (%v)", n.ID, s.leader, s.isr, err)
		}
		r.t.Fatalf("partitions %v acknowledged nothing within %v of the fault", affected, failoverBound)
	}
	return took
}

// recovery waits for every replica in every ISR and returns how long
// after since that was. It also reports the longest time any partition of
// affected went without an acknowledged produce between fault and then.
func (r *run) recovery(fault, since time.Time, affected []int32) time.Duration {
	r.t.Helper()
	r.waitFullISR(recoveryBound)
	took := time.Since(since)
	r.report("longest gap between acks on the affected partitions", r.rec.LongestGap(fault, time.Now(), affected))
	return took
}

// finish stops the load, reads the topic back and checks it against the
// history, then waits for every replica of every partition to hold the
// same batches.
func (r *run) finish() {
	r.t.Helper()
	r.waitAcked(1000)
	if n := r.load.Stop(30 * time.Second); n > 0 {
		r.t.Logf("%d records still unanswered 30s after the load stopped", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	logs, err := history.ReadAll(ctx, topic, kgo.SeedBrokers(strings.Split(r.c.Bootstrap(), ",")...))
	if err != nil {
		r.t.Fatalf("read back: %v", err)
	}
	sum, errs := history.Check(r.rec.Ops(), logs)
	r.t.Logf("history: %v", sum)
	if len(errs) > 0 {
		r.t.Fatalf("history check failed:\n%v", errors.Join(errs...))
	}
	var last string
	if !spoolproc.Eventually(30*time.Second, func() bool {
		for p := range int32(partitions) {
			d, err := spoolproc.Diverge(topic, p, r.c.Nodes)
			if err != nil {
				last = err.Error()
				return false
			}
			if d != "" {
				last = d
				return false
			}
		}
		return true
	}) {
		r.t.Fatalf("replicas did not converge within 30s: %s", last)
	}
}

// report prints a measurement in a form that is easy to grep from the
// test output.
func (r *run) report(what string, d time.Duration) {
	r.t.Logf("MEASURED %s %s: %v", r.t.Name(), what, d.Round(time.Millisecond))
}
