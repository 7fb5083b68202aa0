package broker_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

// sumOver adds a series over the running nodes.
func sumOver(t *testing.T, c *testcluster.Cluster, name string, labels ...string) (float64, error) {
	total := 0.0
	for _, n := range c.Running() {
		v, err := scrapeNode(t, n).value(name, labels...)
		if err != nil {
			return 0, fmt.Errorf("node %d: %w", n.ID(), err)
		}
		total += v
	}
	return total, nil
}

// metricsAre checks series sums over the running nodes.
func metricsAre(check func(name string) (float64, error), conds map[string]func(float64) bool) error {
	for name, ok := range conds {
		v, err := check(name)
		if err != nil {
			return err
		}
		if !ok(v) {
			return fmt.Errorf("%s = %v", name, v)
		}
	}
	return nil
}

func eq(n float64) func(float64) bool      { return func(v float64) bool { return v == n } }
func atLeast(n float64) func(float64) bool { return func(v float64) bool { return v >= n } }

// TestReplicationMetrics: Kafka's ReplicaManager, BrokerTopicMetrics and
// KafkaController gauges and counters on /metrics of a three-node cluster,
// through replication, a follower that stops (the ISR shrinks and is
// under-replicated) and comes back (it expands), and a controlled shutdown
// that leaves a single-replica partition offline.
func TestReplicationMetrics(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, map[string]string{
		"spool.metrics.address": "127.0.0.1:0",
		// A stopped follower leaves the ISR long before its session
		// ends, so the leaders shrink the ISR themselves; it can register
		// again once the session has ended.
		"broker.session.timeout.ms":    "15000",
		"broker.heartbeat.interval.ms": "300",
		"replica.lag.time.max.ms":      "1000",
	})
	active := c.ActiveController(10 * time.Second)
	ctx := testcluster.Context(t, 90*time.Second)
	if err := createTopic(ctx, active, "metered", 3, 3); err != nil {
		t.Fatal(err)
	}
	cl := c.Client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic("metered"))
	for i := range 300 {
		if err := cl.ProduceSync(ctx, kgo.SliceRecord(fmt.Appendf(nil, "record-%d", i))).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	total := func(name string) (float64, error) { return sumOver(t, c, name) }
	testcluster.CheckFor(t, 20*time.Second, func() error {
		if err := metricsAre(total, map[string]func(float64) bool{
			"kafka_server_replicamanager_partitioncount":              eq(9),
			"kafka_server_replicamanager_leadercount":                 eq(3),
			"kafka_server_replicamanager_underreplicatedpartitions":   eq(0),
			"kafka_server_replicamanager_underminisrpartitioncount":   eq(0),
			"kafka_controller_kafkacontroller_activecontrollercount":  eq(1),
			"kafka_controller_kafkacontroller_offlinepartitionscount": eq(0),
			"kafka_controller_kafkacontroller_globaltopiccount":       eq(1),
			"kafka_controller_kafkacontroller_globalpartitioncount":   eq(3),
		}); err != nil {
			return err
		}
		// Each follower appended what its leader sent it: two copies of
		// every partition's log.
		in, err := total("kafka_server_brokertopicmetrics_replicationbytesin_total")
		if err != nil {
			return err
		}
		out, err := total("kafka_server_brokertopicmetrics_replicationbytesout_total")
		if err != nil {
			return err
		}
		size, err := sumOver(t, c, "spool_log_size_bytes", "topic=metered")
		if err != nil {
			return err
		}
		if in != size*2/3 || out < in {
			return fmt.Errorf("replication bytes in %v, out %v; %v bytes of logs on three replicas", in, out, size)
		}
		return nil
	})

	// A follower stops: the leaders drop it from their ISRs.
	var follower, other *testcluster.Node
	for _, n := range c.Nodes {
		switch {
		case n == active:
		case follower == nil:
			follower = n
		default:
			other = n
		}
	}
	md, err := metadataOf(t, active, "metered")
	if err != nil {
		t.Fatal(err)
	}
	ledElsewhere := 0.0 // partitions whose leaders stay up
	for _, p := range md.Topics[0].Partitions {
		if p.Leader != follower.ID() {
			ledElsewhere++
		}
	}
	follower.Kill()
	// As Kafka's, a follower that has the leader's log end stays caught
	// up: the leaders need new records to see it lag.
	oneAck := c.Client(kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite(),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for _, p := range md.Topics[0].Partitions {
		if p.Leader == follower.ID() {
			continue
		}
		r := &kgo.Record{Topic: "metered", Partition: p.Partition, Value: []byte("after")}
		if err := oneAck.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("produce to partition %d: %v", p.Partition, err)
		}
	}
	testcluster.CheckFor(t, 20*time.Second, func() error {
		return metricsAre(total, map[string]func(float64) bool{
			"kafka_server_replicamanager_isrshrinks_total":            atLeast(ledElsewhere),
			"kafka_server_replicamanager_underreplicatedpartitions":   eq(ledElsewhere),
			"kafka_server_replicamanager_underminisrpartitioncount":   eq(0),
			"kafka_controller_kafkacontroller_offlinepartitionscount": eq(0),
		})
	})
	t.Logf("ISRs shrank without node %d", follower.ID())
	// It comes back and catches up: the ISRs expand again.
	follower.Start()
	t.Logf("node %d restarted", follower.ID())
	testcluster.CheckFor(t, 20*time.Second, func() error {
		return metricsAre(total, map[string]func(float64) bool{
			"kafka_server_replicamanager_isrexpands_total":          atLeast(ledElsewhere),
			"kafka_server_replicamanager_underreplicatedpartitions": eq(0),
		})
	})

	// A partition whose only replica shuts down has no leader: offline.
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "lonely", -1, -1
	ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
	ra.Replicas = []int32{other.ID()}
	rt.ReplicaAssignment = append(rt.ReplicaAssignment, ra)
	req.Topics = append(req.Topics, rt)
	req.TimeoutMillis = 30000
	resp, err := req.RequestWith(ctx, c.Client())
	if err != nil || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("create lonely: %v %+v", err, resp)
	}
	t.Logf("ISRs expanded")
	other.Shutdown()
	testcluster.CheckFor(t, 20*time.Second, func() error {
		return metricsAre(total, map[string]func(float64) bool{
			"kafka_controller_kafkacontroller_offlinepartitionscount": eq(1),
			"kafka_controller_kafkacontroller_globalpartitioncount":   eq(4),
			"kafka_controller_kafkacontroller_activecontrollercount":  eq(1),
		})
	})
}
