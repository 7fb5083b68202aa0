package broker_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

// propsWith is clusterProps with more settings.
func propsWith(more map[string]string) map[string]string {
	p := maps.Clone(clusterProps)
	maps.Copy(p, more)
	return p
}

// createAssigned creates topic with the given replicas per partition.
func createAssigned(ctx context.Context, t *testing.T, c *testcluster.Cluster, topic string, assignment ...[]int32) {
	t.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, -1, -1
	for i, replicas := range assignment {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = int32(i), replicas
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
	}
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.Client())
	if err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
	if code := resp.Topics[0].ErrorCode; code != 0 {
		t.Fatalf("create %s: error %d", topic, code)
	}
}

// allPreferred accepts metadata whose partitions are all led by their
// first replica with the whole replica set in the ISR.
func allPreferred(resp *kmsg.MetadataResponse) error {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if len(p.Replicas) == 0 || p.Leader != p.Replicas[0] || len(p.ISR) != len(p.Replicas) {
				return fmt.Errorf("%s-%d not led by its preferred replica with a full ISR", *t.Topic, p.Partition)
			}
		}
	}
	return nil
}

// ledBy counts the partitions broker leads.
func ledBy(resp *kmsg.MetadataResponse, broker int32) int {
	n := 0
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.Leader == broker {
				n++
			}
		}
	}
	return n
}

// fullISRNotLedBy accepts metadata where every partition's ISR holds all
// its replicas and broker leads none.
func fullISRNotLedBy(broker int32) func(*kmsg.MetadataResponse) error {
	return func(resp *kmsg.MetadataResponse) error {
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if len(p.ISR) != len(p.Replicas) {
					return fmt.Errorf("%s-%d ISR %v of %v", *t.Topic, p.Partition, p.ISR, p.Replicas)
				}
			}
		}
		if n := ledBy(resp, broker); n > 0 {
			return fmt.Errorf("broker %d leads %d partitions", broker, n)
		}
		return nil
	}
}

// bounce shuts node 1 down in a controlled way, so that its leaderships
// move, and starts it again; it returns once node 1 is back in every ISR
// and still leads nothing.
func bounce(t *testing.T, c *testcluster.Cluster, topic string) {
	t.Helper()
	c.Node(1).Shutdown()
	agreed(t, c, topic, 20*time.Second, func(resp *kmsg.MetadataResponse) error {
		if n := ledBy(resp, 1); n > 0 {
			return fmt.Errorf("broker 1 still leads %d partitions", n)
		}
		return nil
	})
	c.Node(1).Start()
}

// TestPreferredLeaderElection: node 1 leaves in a controlled way and comes
// back; with auto.leader.rebalance.enable=false its partitions stay led by
// others until kadm's ElectLeaders (PREFERRED, through a node that is not
// necessarily the active controller) moves them back; a second election
// finds nothing to do.
func TestPreferredLeaderElection(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, propsWith(map[string]string{"auto.leader.rebalance.enable": "false"}))
	ctx := testcluster.Context(t, 60*time.Second)
	createAssigned(ctx, t, c, "pref", []int32{1, 2, 3}, []int32{2, 3, 1}, []int32{1, 3, 2})
	agreed(t, c, "pref", 20*time.Second, allPreferred)
	bounce(t, c, "pref")
	agreed(t, c, "pref", 30*time.Second, fullISRNotLedBy(1))

	adm := kadm.NewClient(c.Node(2).Client())
	res, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{"pref": {0: {}, 1: {}, 2: {}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []int32{0, 2} {
		if r := res["pref"][p]; r.Err != nil {
			t.Errorf("pref-%d: %v %s", p, r.Err, r.ErrMessage)
		}
	}
	if r := res["pref"][1]; !errors.Is(r.Err, kerr.ElectionNotNeeded) {
		t.Errorf("pref-1: %v, want ELECTION_NOT_NEEDED", r.Err)
	}
	agreed(t, c, "pref", 20*time.Second, allPreferred)

	// All partitions (null topics): those already led by their preferred
	// replica are left out of the answer.
	res, err = adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, nil)
	if err != nil {
		t.Fatal(err)
	}
	for topic, ps := range res {
		for p, r := range ps {
			t.Errorf("%s-%d answered (%v); nothing needed an election", topic, p, r.Err)
		}
	}
}

// TestAutoLeaderRebalance: with a one-second
// leader.imbalance.check.interval.seconds the controller moves leadership
// back to node 1 by itself once it is in the ISR again.
func TestAutoLeaderRebalance(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, propsWith(map[string]string{"leader.imbalance.check.interval.seconds": "1"}))
	ctx := testcluster.Context(t, 60*time.Second)
	createAssigned(ctx, t, c, "auto", []int32{1, 2, 3}, []int32{2, 3, 1}, []int32{1, 3, 2})
	agreed(t, c, "auto", 20*time.Second, allPreferred)
	bounce(t, c, "auto")
	agreed(t, c, "auto", 30*time.Second, allPreferred)
}

// listAll lists every reassignment in progress (null topics, which kadm
// does not send) through node n.
func listAll(ctx context.Context, t *testing.T, n *testcluster.Node) []kmsg.ListPartitionReassignmentsResponseTopic {
	t.Helper()
	resp, err := kmsg.NewPtrListPartitionReassignmentsRequest().RequestWith(ctx, n.Client())
	if err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != 0 {
		t.Fatalf("list reassignments: error %d", resp.ErrorCode)
	}
	return resp.Topics
}

// partitionDir is node n's directory of topic's partition 0.
func partitionDir(n *testcluster.Node, topic string) string {
	return filepath.Join(n.Dir, "data", topic+"-0")
}

// TestReassignPartition moves a partition holding data from brokers {1,2}
// to {2,3}: node 3 copies the log as a follower, joins the ISR, the
// controller completes the reassignment and elects 2 (1 is removed), and
// node 1 deletes its copy. Every record reads back.
func TestReassignPartition(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, clusterProps)
	ctx := testcluster.Context(t, 60*time.Second)
	createAssigned(ctx, t, c, "moving", []int32{1, 2})
	agreed(t, c, "moving", 20*time.Second, allPreferred)
	cl := c.Client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic("moving"))
	const n = 200
	for i := range n {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: fmt.Appendf(nil, "record-%d", i)}).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
	}

	adm := kadm.NewClient(c.Node(3).Client())
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign("moving", 0, []int32{2, 3})
	res, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Error(); err != nil {
		t.Fatal(err)
	}
	agreed(t, c, "moving", 30*time.Second, func(resp *kmsg.MetadataResponse) error {
		p := resp.Topics[0].Partitions[0]
		if !slices.Equal(p.Replicas, []int32{2, 3}) || p.Leader != 2 || len(p.ISR) != 2 {
			return fmt.Errorf("replicas %v leader %d isr %v", p.Replicas, p.Leader, p.ISR)
		}
		return nil
	})
	if listed := listAll(ctx, t, c.Node(1)); len(listed) != 0 {
		t.Errorf("reassignments still listed: %v", listed)
	}
	testcluster.CheckFor(t, 20*time.Second, func() error {
		if _, err := os.Stat(partitionDir(c.Node(1), "moving")); !os.IsNotExist(err) {
			return fmt.Errorf("node 1 still has the partition: %v", err)
		}
		a, errA := segmentOf(c.Node(2), "moving")
		b, errB := segmentOf(c.Node(3), "moving")
		if errA != nil || errB != nil {
			return fmt.Errorf("segments: %v %v", errA, errB)
		}
		if string(a) != string(b) {
			return fmt.Errorf("node 3's segment (%d bytes) differs from node 2's (%d bytes)", len(b), len(a))
		}
		return nil
	})
	cons := c.Client(kgo.ConsumeTopics("moving"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for seen := 0; seen < n; {
		fs := cons.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume: %v", err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if want := fmt.Sprintf("record-%d", seen); string(r.Value) != want {
				t.Fatalf("offset %d: %q, want %q", r.Offset, r.Value, want)
			}
			seen++
		})
	}
}

// TestCancelReassignment: a reassignment to a broker that is down stays in
// progress (listed with its adding and removing replicas) until it is
// cancelled, which restores the original replicas; cancelling again is
// NO_REASSIGNMENT_IN_PROGRESS.
func TestCancelReassignment(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, clusterProps)
	ctx := testcluster.Context(t, 60*time.Second)
	createAssigned(ctx, t, c, "stuck", []int32{1, 2})
	agreed(t, c, "stuck", 20*time.Second, allPreferred)
	c.Node(3).Shutdown()
	agreed(t, c, "stuck", 20*time.Second, brokersAre(1, 2))

	adm := kadm.NewClient(c.Node(1).Client())
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign("stuck", 0, []int32{1, 3})
	if res, err := adm.AlterPartitionAssignments(ctx, req); err != nil || res.Error() != nil {
		t.Fatalf("reassign: %v %v", err, res.Error())
	}
	listed := listAll(ctx, t, c.Node(2))
	if len(listed) != 1 || len(listed[0].Partitions) != 1 {
		t.Fatalf("listed %+v", listed)
	}
	got := listed[0].Partitions[0]
	if !slices.Equal(got.Replicas, []int32{1, 3, 2}) || !slices.Equal(got.AddingReplicas, []int32{3}) ||
		!slices.Equal(got.RemovingReplicas, []int32{2}) {
		t.Fatalf("listed %+v", got)
	}

	var cancelReq kadm.AlterPartitionAssignmentsReq
	cancelReq.CancelAssign("stuck", 0)
	if res, err := adm.AlterPartitionAssignments(ctx, cancelReq); err != nil || res.Error() != nil {
		t.Fatalf("cancel: %v %v", err, res.Error())
	}
	agreed(t, c, "stuck", 20*time.Second, func(resp *kmsg.MetadataResponse) error {
		p := resp.Topics[0].Partitions[0]
		if !slices.Equal(p.Replicas, []int32{1, 2}) || p.Leader != 1 {
			return fmt.Errorf("replicas %v leader %d", p.Replicas, p.Leader)
		}
		return nil
	})
	if listed := listAll(ctx, t, c.Node(1)); len(listed) != 0 {
		t.Fatalf("listed after cancel: %+v", listed)
	}
	res, err := adm.AlterPartitionAssignments(ctx, cancelReq)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Error(); !errors.Is(err, kerr.NoReassignmentInProgress) {
		t.Fatalf("second cancel: %v, want NO_REASSIGNMENT_IN_PROGRESS", err)
	}
}
