package broker_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

// clusterProps shorten the broker session so that fencing tests take
// seconds; the mechanism is the same at Kafka's 9s default.
var clusterProps = map[string]string{
	"broker.session.timeout.ms":    "3000",
	"broker.heartbeat.interval.ms": "300",
}

// metadataOf asks node n itself for the metadata of topic (all topics if
// ""), over the Kafka protocol.
func metadataOf(t *testing.T, n *testcluster.Node, topic string) (*kmsg.MetadataResponse, error) {
	t.Helper()
	cl := n.Client()
	req := kmsg.NewPtrMetadataRequest()
	if topic != "" {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, rt)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := cl.SeedBrokers()[0].Request(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.(*kmsg.MetadataResponse), nil
}

// layout renders brokers and a topic's partitions for comparison.
func layout(resp *kmsg.MetadataResponse) string {
	var ids []int32
	for _, b := range resp.Brokers {
		ids = append(ids, b.NodeID)
	}
	slices.Sort(ids)
	s := fmt.Sprintf("brokers %v", ids)
	for _, t := range resp.Topics {
		s += fmt.Sprintf(" | %s err=%d", *t.Topic, t.ErrorCode)
		for _, p := range t.Partitions {
			s += fmt.Sprintf(" [%d leader=%d epoch=%d replicas=%v isr=%v offline=%v err=%d]",
				p.Partition, p.Leader, p.LeaderEpoch, p.Replicas, p.ISR, p.OfflineReplicas, p.ErrorCode)
		}
	}
	return s
}

// agreed waits until every running node answers the same layout that
// check accepts, and returns it.
func agreed(t *testing.T, c *testcluster.Cluster, topic string, timeout time.Duration, check func(*kmsg.MetadataResponse) error) *kmsg.MetadataResponse {
	t.Helper()
	var last *kmsg.MetadataResponse
	testcluster.CheckFor(t, timeout, func() error {
		var first string
		for _, n := range c.Running() {
			resp, err := metadataOf(t, n, topic)
			if err != nil {
				return fmt.Errorf("node %d: %w", n.ID(), err)
			}
			if err := check(resp); err != nil {
				return fmt.Errorf("node %d: %w: %s", n.ID(), err, layout(resp))
			}
			if first == "" {
				first, last = layout(resp), resp
			} else if l := layout(resp); l != first {
				return fmt.Errorf("node %d says %s, another %s", n.ID(), l, first)
			}
		}
		return nil
	})
	return last
}

func createTopic(ctx context.Context, n *testcluster.Node, name string, partitions int32, rf int16) error {
	resp, err := kadm.NewClient(n.Client()).CreateTopic(ctx, partitions, rf, nil, name)
	if err == nil {
		err = resp.Err
	}
	return err
}

func brokersAre(want ...int32) func(*kmsg.MetadataResponse) error {
	return func(resp *kmsg.MetadataResponse) error {
		var ids []int32
		for _, b := range resp.Brokers {
			ids = append(ids, b.NodeID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			return fmt.Errorf("brokers %v, want %v", ids, want)
		}
		return nil
	}
}

// TestClusterFormsAndFailsOver is a three-node cluster (each node broker
// and controller): it forms, a topic with replication factor 3 is created
// through a node that is not the active controller, every node's Metadata
// agrees; the active controller's node is killed and another takes over,
// creating topics again; the killed broker is fenced after its session
// timeout and its leaderships move; restarted, it registers again with a
// new epoch.
func TestClusterFormsAndFailsOver(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, clusterProps)
	active := c.ActiveController(10 * time.Second)
	agreed(t, c, "", 10*time.Second, brokersAre(1, 2, 3))

	var other *testcluster.Node
	for _, n := range c.Nodes {
		if n != active {
			other = n
			break
		}
	}
	ctx := testcluster.Context(t, 30*time.Second)
	if err := createTopic(ctx, other, "orders", 6, 3); err != nil {
		t.Fatalf("create through node %d (controller is %d): %v", other.ID(), active.ID(), err)
	}
	if err := createTopic(ctx, other, "too-wide", 1, 4); !errors.Is(err, kerr.InvalidReplicationFactor) {
		t.Fatalf("replication factor 4 on 3 brokers: %v", err)
	}
	md := agreed(t, c, "orders", 10*time.Second, func(resp *kmsg.MetadataResponse) error {
		if err := brokersAre(1, 2, 3)(resp); err != nil {
			return err
		}
		for _, p := range resp.Topics[0].Partitions {
			if len(p.Replicas) != 3 || len(p.ISR) != 3 || p.Leader != p.Replicas[0] || p.ErrorCode != 0 {
				return fmt.Errorf("partition %d not fully placed", p.Partition)
			}
		}
		if len(resp.Topics[0].Partitions) != 6 {
			return fmt.Errorf("%d partitions", len(resp.Topics[0].Partitions))
		}
		return nil
	})
	leaders := map[int32]int{}
	for _, p := range md.Topics[0].Partitions {
		leaders[p.Leader]++
	}
	if len(leaders) != 3 {
		t.Errorf("leaders not spread over the brokers: %v", leaders)
	}

	// Kill the active controller's node.
	dead := active.ID()
	killed := time.Now()
	active.Kill()
	next := c.ActiveController(15 * time.Second)
	for {
		err := createTopic(ctx, next, fmt.Sprintf("after-%d", time.Now().UnixNano()), 1, 2)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no topic creation after the controller died: %v", err)
		}
	}
	failover := time.Since(killed)
	t.Logf("controller failover: node %d active, topic created %v after node %d was killed", next.ID(), failover.Round(time.Millisecond), dead)
	if failover > 10*time.Second {
		t.Errorf("failover took %v", failover)
	}

	// The dead broker is fenced after its session and leads nothing.
	agreed(t, c, "orders", 15*time.Second, func(resp *kmsg.MetadataResponse) error {
		if err := brokersAre(survivors(dead)...)(resp); err != nil {
			return err
		}
		for _, p := range resp.Topics[0].Partitions {
			if p.Leader == dead || slices.Contains(p.ISR, dead) || !slices.Equal(p.OfflineReplicas, []int32{dead}) || p.ErrorCode != 0 {
				return fmt.Errorf("partition %d still depends on node %d", p.Partition, dead)
			}
		}
		return nil
	})
	t.Logf("broker %d fenced and its leaderships moved %v after it was killed", dead, time.Since(killed).Round(time.Millisecond))

	// Restarted, it registers with a new epoch and is unfenced.
	before := c.Node(dead)
	before.Start()
	if before.Broker.BrokerEpoch() <= 0 {
		t.Fatalf("restarted broker has epoch %d", before.Broker.BrokerEpoch())
	}
	agreed(t, c, "", 15*time.Second, brokersAre(1, 2, 3))
}

func survivors(dead int32) []int32 {
	var out []int32
	for _, id := range []int32{1, 2, 3} {
		if id != dead {
			out = append(out, id)
		}
	}
	return out
}

// TestControlledShutdownMovesLeadersFirst stops a broker with a controlled
// shutdown: by the time it has stopped, no partition is led by it and it
// is fenced, without waiting for any session to expire.
func TestControlledShutdownMovesLeadersFirst(t *testing.T) {
	props := map[string]string{"broker.session.timeout.ms": "60000", "broker.heartbeat.interval.ms": "300"}
	c := testcluster.StartCluster(t, 3, nil, props)
	c.ActiveController(10 * time.Second)
	ctx := testcluster.Context(t, 30*time.Second)
	if err := createTopic(ctx, c.Node(1), "cs", 6, 3); err != nil {
		t.Fatal(err)
	}
	agreed(t, c, "cs", 10*time.Second, func(resp *kmsg.MetadataResponse) error {
		return brokersAre(1, 2, 3)(resp)
	})
	// Stop a broker that is not the active controller, so that the one
	// deciding stays up.
	var victim *testcluster.Node
	for _, n := range c.Nodes {
		if !n.Broker.ActiveController() {
			victim = n
			break
		}
	}
	id := victim.ID()
	started := time.Now()
	victim.Shutdown()
	took := time.Since(started)
	t.Logf("controlled shutdown of node %d took %v", id, took.Round(time.Millisecond))
	// A 60s session cannot have expired: only the controlled shutdown
	// explains the change. Nodes replay the last records within moments.
	agreed(t, c, "cs", 5*time.Second, func(resp *kmsg.MetadataResponse) error {
		if err := brokersAre(survivors(id)...)(resp); err != nil {
			return err
		}
		for _, p := range resp.Topics[0].Partitions {
			if p.Leader == id || p.Leader < 0 || slices.Contains(p.ISR, id) {
				return fmt.Errorf("partition %d still led by or in sync with %d", p.Partition, id)
			}
		}
		return nil
	})
	if took > 20*time.Second {
		t.Errorf("controlled shutdown took %v", took)
	}
	victim.Start()
	agreed(t, c, "", 10*time.Second, brokersAre(1, 2, 3))
}

// TestSeparateRoles runs a controller-only node and two broker-only nodes:
// brokers follow the metadata log as observers, register with the
// controller and serve clients; the controller serves no client listener.
func TestSeparateRoles(t *testing.T) {
	c := testcluster.StartCluster(t, 3, testcluster.Roles{"controller", "broker", "broker"}, clusterProps)
	if c.Node(1).Broker.Addr("PLAINTEXT") != nil {
		t.Fatal("the controller-only node listens for clients")
	}
	brokers := &testcluster.Cluster{Nodes: c.Nodes[1:]}
	agreed(t, brokers, "", 10*time.Second, brokersAre(2, 3))
	ctx := testcluster.Context(t, 30*time.Second)
	if err := createTopic(ctx, c.Node(2), "split", 4, 2); err != nil {
		t.Fatal(err)
	}
	agreed(t, brokers, "split", 10*time.Second, func(resp *kmsg.MetadataResponse) error {
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 4 || len(resp.Topics[0].Partitions[0].ISR) != 2 {
			return fmt.Errorf("topic not there yet")
		}
		return nil
	})
	// Idempotent producers need producer ids from the controller.
	cl := c.Node(3).Client(kgo.DefaultProduceTopic("split"))
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatalf("produce through a broker-only node: %v", err)
	}
}
