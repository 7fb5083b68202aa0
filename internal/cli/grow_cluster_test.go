package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// acked is what the producer was told was written: values by partition,
// in offset order.
type acked struct {
	mu   sync.Mutex
	byPt map[int32]map[int64]string
}

func (a *acked) produce(ctx context.Context, t *testing.T, cl *kgo.Client, topic string, from, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for i := from; i < from+n; i++ {
		wg.Add(1)
		cl.Produce(ctx, &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "v%06d-%s", i, strings.Repeat("x", 500))},
			func(r *kgo.Record, err error) {
				defer wg.Done()
				if err != nil {
					t.Errorf("produce %d: %v", i, err)
					return
				}
				a.mu.Lock()
				if a.byPt == nil {
					a.byPt = map[int32]map[int64]string{}
				}
				if a.byPt[r.Partition] == nil {
					a.byPt[r.Partition] = map[int64]string{}
				}
				a.byPt[r.Partition][r.Offset] = string(r.Value)
				a.mu.Unlock()
			})
	}
	wg.Wait()
}

// check reads every partition from its start and finds every acknowledged
// record at its offset, with nothing else in between.
func (a *acked) check(ctx context.Context, t *testing.T, c *testcluster.Cluster, topic string) {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	want := 0
	for _, m := range a.byPt {
		want += len(m)
	}
	cons := c.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for seen := 0; seen < want; {
		fs := cons.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume after %d of %d records: %v", seen, want, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if v, ok := a.byPt[r.Partition][r.Offset]; !ok || v != string(r.Value) {
				t.Fatalf("%s-%d offset %d: %.8q is not the acknowledged record %.8q", topic, r.Partition, r.Offset, r.Value, v)
			}
			seen++
		})
	}
}

// sameLogs checks that every replica of every partition of topic holds a
// byte-identical first segment.
func sameLogs(c *testcluster.Cluster, details kadm.TopicDetail) error {
	for _, p := range details.Partitions.Sorted() {
		var first []byte
		for i, id := range p.Replicas {
			b, err := os.ReadFile(filepath.Join(c.Node(id).Dir, "data", fmt.Sprintf("%s-%d", details.Topic, p.Partition), "00000000000000000000.log"))
			if err != nil {
				return err
			}
			if i == 0 {
				first = b
			} else if !bytes.Equal(first, b) {
				return fmt.Errorf("%s-%d: broker %d has %d bytes, broker %d %d", details.Topic, p.Partition, id, len(b), p.Replicas[0], len(first))
			}
		}
	}
	return nil
}

// TestAddBrokerAndReplaceItsDisk grows a three-node cluster by a fourth,
// broker-only node and moves partitions of a replication-factor-2 topic
// onto it with reassign-partitions --generate, --execute and --verify; then
// that broker loses its disk (stopped, log directories wiped, formatted
// again with the cluster's id and its node.id) and is started: it
// registers again, copies its partitions back from their leaders and
// rejoins their ISRs. No acknowledged record is lost, and the rebuilt
// broker serves them as leader.
func TestAddBrokerAndReplaceItsDisk(t *testing.T) {
	props := map[string]string{"broker.session.timeout.ms": "3000", "broker.heartbeat.interval.ms": "300"}
	c, bs := threeNodes(t, props)
	ctx := testcluster.Context(t, 150*time.Second)
	createWithReplicas(t, c, "grow", []int32{1, 2}, []int32{2, 3}, []int32{3, 1}, []int32{1, 2})
	waitPartitions(t, c, "grow", preferredWithFullISR)
	cl := c.Client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	var a acked
	a.produce(ctx, t, cl, "grow", 0, 2000)

	n4 := c.AddBroker(props)
	testcluster.CheckFor(t, 20*time.Second, func() error {
		for _, n := range c.Running() {
			got, err := kadm.NewClient(n.Client()).ListBrokers(ctx)
			if err != nil {
				return err
			}
			if len(got) != 4 {
				return fmt.Errorf("node %d lists brokers %v", n.ID(), got.NodeIDs())
			}
		}
		return nil
	})

	tool := func(args ...string) []string {
		return append([]string{"reassign-partitions", "--bootstrap-server", bs}, args...)
	}
	topics := writeFile(t, "topics.json", `{"topics": [{"topic": "grow"}], "version": 1}`)
	r := mustRun(t, "", tool("--generate", "--topics-to-move-json-file", topics, "--broker-list", "1,2,3,4")...)
	_, proposal, ok := strings.Cut(r.stdout, "Proposed partition reassignment configuration\n")
	var plan reassignmentJSON
	if !ok || json.Unmarshal([]byte(proposal), &plan) != nil {
		t.Fatalf("generate:\n%s", r.stdout)
	}
	on4 := 0
	for _, p := range plan.Partitions {
		if slices.Contains(p.Replicas, 4) {
			on4++
		}
	}
	if on4 == 0 {
		t.Fatalf("the proposal puts nothing on broker 4:\n%s", proposal)
	}
	planFile := writeFile(t, "plan.json", proposal)
	mustRun(t, "", tool("--execute", "--reassignment-json-file", planFile)...)
	testcluster.CheckFor(t, 60*time.Second, func() error {
		r := mustRun(t, "", tool("--verify", "--reassignment-json-file", planFile)...)
		if strings.Contains(r.stdout, "in progress") {
			return fmt.Errorf("verify:\n%s", r.stdout)
		}
		return nil
	})
	waitForLogs := func(what string) {
		t.Helper()
		start := time.Now()
		testcluster.CheckFor(t, 60*time.Second, func() error {
			details, err := kadm.NewClient(c.Node(1).Client()).ListTopics(ctx, "grow")
			if err != nil {
				return err
			}
			td := details["grow"]
			for _, p := range td.Partitions.Sorted() {
				want := plan.Partitions[slices.IndexFunc(plan.Partitions, func(q reassignmentJSONPart) bool { return q.Partition == p.Partition })]
				if !slices.Equal(p.Replicas, want.Replicas) || len(p.ISR) != len(p.Replicas) || p.Leader < 0 {
					return fmt.Errorf("grow-%d: leader %d replicas %v isr %v, want replicas %v", p.Partition, p.Leader, p.Replicas, p.ISR, want.Replicas)
				}
			}
			return sameLogs(c, td)
		})
		t.Logf("%s: broker 4's %d replicas complete and in sync after %v", what, on4, time.Since(start).Round(time.Millisecond))
	}
	waitForLogs("added broker")
	a.check(ctx, t, c, "grow")

	// Broker 4 loses its disk. Writes go on meanwhile.
	n4.Kill()
	a.produce(ctx, t, cl, "grow", 2000, 500)
	c.LoseDisk(n4)
	n4.Start()
	a.produce(ctx, t, cl, "grow", 2500, 500)
	waitForLogs("replaced disk")

	// Make every partition's first replica its leader, broker 4 included,
	// and read everything back.
	testcluster.CheckFor(t, 20*time.Second, func() error {
		r := run(t, "", "leader-election", "--bootstrap-server", bs, "--election-type", "preferred", "--all-topic-partitions")
		if r.code != 0 && !strings.Contains(r.stdout, "Valid replica already elected") {
			return fmt.Errorf("leader-election: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		return nil
	})
	waitPartitions(t, c, "grow", preferredWithFullISR)
	a.check(ctx, t, c, "grow")
}
