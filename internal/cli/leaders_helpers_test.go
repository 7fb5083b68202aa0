package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

// threeNodes starts a three-node cluster (every node broker and
// controller) with short broker sessions and returns it with its
// bootstrap list.
func threeNodes(t *testing.T, props map[string]string) (*testcluster.Cluster, string) {
	t.Helper()
	p := map[string]string{"broker.session.timeout.ms": "3000", "broker.heartbeat.interval.ms": "300"}
	for k, v := range props {
		p[k] = v
	}
	c := testcluster.StartCluster(t, 3, nil, p)
	var addrs []string
	for _, n := range c.Nodes {
		addrs = append(addrs, n.Addr())
	}
	return c, strings.Join(addrs, ",")
}

// createWithReplicas creates topic with the given replicas per partition.
func createWithReplicas(t *testing.T, c *testcluster.Cluster, topic string, assignment ...[]int32) {
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
	resp, err := req.RequestWith(testcluster.Context(t, 30*time.Second), c.Client())
	if err != nil || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("create %s: %v %+v", topic, err, resp)
	}
}

// waitPartitions waits until every running node describes topic's
// partitions the way check accepts.
func waitPartitions(t *testing.T, c *testcluster.Cluster, topic string, check func(kadm.PartitionDetail) error) {
	t.Helper()
	testcluster.CheckFor(t, 30*time.Second, func() error {
		for _, n := range c.Running() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			details, err := kadm.NewClient(n.Client()).ListTopics(ctx, topic)
			cancel()
			if err != nil {
				return err
			}
			td := details[topic]
			if td.Err != nil {
				return td.Err
			}
			for _, p := range td.Partitions.Sorted() {
				if err := check(p); err != nil {
					return fmt.Errorf("node %d: %s-%d: %w", n.ID(), topic, p.Partition, err)
				}
			}
		}
		return nil
	})
}

// preferredWithFullISR accepts a partition led by its first replica with
// every replica in sync.
func preferredWithFullISR(p kadm.PartitionDetail) error {
	if len(p.Replicas) == 0 || p.Leader != p.Replicas[0] || len(p.ISR) != len(p.Replicas) {
		return fmt.Errorf("leader %d replicas %v isr %v", p.Leader, p.Replicas, p.ISR)
	}
	return nil
}

// fullISRNotLedBy accepts a partition with every replica in sync and
// another leader than broker.
func fullISRNotLedBy(broker int32) func(kadm.PartitionDetail) error {
	return func(p kadm.PartitionDetail) error {
		if p.Leader == broker || len(p.ISR) != len(p.Replicas) || p.Leader < 0 {
			return fmt.Errorf("leader %d replicas %v isr %v", p.Leader, p.Replicas, p.ISR)
		}
		return nil
	}
}

// replicasAre accepts a partition with exactly these replicas, all in
// sync.
func replicasAre(want ...int32) func(kadm.PartitionDetail) error {
	return func(p kadm.PartitionDetail) error {
		if !slices.Equal(p.Replicas, want) || len(p.ISR) != len(want) {
			return fmt.Errorf("replicas %v isr %v, want %v", p.Replicas, p.ISR, want)
		}
		return nil
	}
}
