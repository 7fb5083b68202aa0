package broker_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/testcluster"
)

// copiedBytes is the size of node n's copy of topic's partition 0.
func copiedBytes(n *testcluster.Node, topic string) int64 {
	fi, err := os.Stat(filepath.Join(partitionDir(n, topic), "00000000000000000000.log"))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// fill writes n records of size bytes each (incompressible, in small
// batches) to topic and returns the values in order.
func fill(ctx context.Context, t *testing.T, c *testcluster.Cluster, topic string, n, size int) [][]byte {
	t.Helper()
	cl := c.Client(kgo.DefaultProduceTopic(topic), kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerBatchMaxBytes(16<<10), kgo.RequiredAcks(kgo.AllISRAcks()))
	vals := make([][]byte, n)
	for i := range vals {
		vals[i] = make([]byte, size)
		rand.Read(vals[i])
		cl.Produce(ctx, &kgo.Record{Value: vals[i]}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Errorf("produce to %s: %v", topic, err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return vals
}

// readAll consumes topic from the start and compares it with want.
func readAll(ctx context.Context, t *testing.T, c *testcluster.Cluster, topic string, want [][]byte) {
	t.Helper()
	cons := c.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	for seen := 0; seen < len(want); {
		fs := cons.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume %s after %d records: %v", topic, seen, err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if seen < len(want) && string(r.Value) != string(want[seen]) {
				t.Fatalf("%s offset %d differs from what was produced", topic, r.Offset)
			}
			seen++
		})
	}
}

// configsReach waits until every running node's metadata has the config
// values (nil: unset) for the resource.
func configsReach(t *testing.T, c *testcluster.Cluster, res metadata.ConfigResource, want map[string]*string) {
	t.Helper()
	testcluster.CheckFor(t, 10*time.Second, func() error {
		for _, n := range c.Running() {
			got := n.Broker.Image().Configs(res)
			for k, v := range want {
				if g, ok := got[k]; ok != (v != nil) || (v != nil && g != *v) {
					return fmt.Errorf("node %d: %s %s=%q", n.ID(), res.Name, k, g)
				}
			}
		}
		return nil
	})
}

// TestReassignmentThrottle moves two partitions with data from broker 1 to
// broker 2 while brokers 1 and 2 have replication throttles of 256 KiB/s
// (what `reassign-partitions --throttle` sets): the partition named in its
// topic's throttled-replicas lists is copied at about that rate, the other
// is not slowed and completes at once; removing the throttle lets the
// first finish, and every record reads back from broker 2. The leader's
// throttle and the follower's each hold the rate alone, and both together.
func TestReassignmentThrottle(t *testing.T) {
	for _, tc := range []struct {
		name             string
		leader, follower string
	}{
		{"both", "0:1", "0:2"},
		{"leader", "0:1", ""},
		{"follower", "", "*"},
	} {
		t.Run(tc.name, func(t *testing.T) { testReassignmentThrottle(t, tc.leader, tc.follower) })
	}
}

func testReassignmentThrottle(t *testing.T, leaderList, followerList string) {
	c := testcluster.StartCluster(t, 3, nil, propsWith(map[string]string{
		// Small fetches, so a fetch is a small part of a second's quota.
		"replica.fetch.max.bytes": "32768",
	}))
	ctx := testcluster.Context(t, 120*time.Second)
	createAssigned(ctx, t, c, "slow", []int32{1})
	createAssigned(ctx, t, c, "free", []int32{1})
	agreed(t, c, "slow", 20*time.Second, allPreferred)
	const records, size = 3000, 1000
	slow := fill(ctx, t, c, "slow", records, size)
	free := fill(ctx, t, c, "free", records, size)
	total := copiedBytes(c.Node(1), "slow")

	const rate = 256 << 10
	adm := kadm.NewClient(c.Node(3).Client())
	r := strconv.Itoa(rate)
	setBrokers := func(value *string) {
		t.Helper()
		ops := []kadm.AlterConfig{{Name: "leader.replication.throttled.rate", Value: value},
			{Name: "follower.replication.throttled.rate", Value: value}}
		if value == nil {
			ops[0].Op, ops[1].Op = kadm.DeleteConfig, kadm.DeleteConfig
		}
		for _, id := range []int32{1, 2} {
			res, err := adm.AlterBrokerConfigs(ctx, ops, id)
			if err == nil {
				err = res[0].Err
			}
			if err != nil {
				t.Fatalf("broker %d throttle: %v", id, err)
			}
			configsReach(t, c, metadata.ConfigResource{Type: metadata.ResourceBroker, Name: strconv.Itoa(int(id))},
				map[string]*string{"leader.replication.throttled.rate": value, "follower.replication.throttled.rate": value})
		}
	}
	setBrokers(&r)
	lists := map[string]*string{"leader.replication.throttled.replicas": kadm.StringPtr(leaderList),
		"follower.replication.throttled.replicas": kadm.StringPtr(followerList)}
	res, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{
		{Name: "leader.replication.throttled.replicas", Value: lists["leader.replication.throttled.replicas"]},
		{Name: "follower.replication.throttled.replicas", Value: lists["follower.replication.throttled.replicas"]},
	}, "slow")
	if err == nil {
		err = res[0].Err
	}
	if err != nil {
		t.Fatal(err)
	}
	configsReach(t, c, metadata.ConfigResource{Type: metadata.ResourceTopic, Name: "slow"}, lists)

	var req kadm.AlterPartitionAssignmentsReq
	req.Assign("slow", 0, []int32{2})
	req.Assign("free", 0, []int32{2})
	ares, err := adm.AlterPartitionAssignments(ctx, req)
	if err == nil {
		err = ares.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	movedTo2 := func(resp *kmsg.MetadataResponse) error {
		p := resp.Topics[0].Partitions[0]
		if !slices.Equal(p.Replicas, []int32{2}) || p.Leader != 2 {
			return fmt.Errorf("replicas %v leader %d isr %v", p.Replicas, p.Leader, p.ISR)
		}
		return nil
	}
	// The unthrottled partition is not held back by the throttled one.
	agreed(t, c, "free", 15*time.Second, movedTo2)
	t.Logf("unthrottled partition (%d bytes) moved in %v", copiedBytes(c.Node(2), "free"), time.Since(start).Round(time.Millisecond))

	// Measure the throttled copy over several seconds, past the first
	// window, and compare with the bound generously: unthrottled it copies
	// the whole log in well under a second.
	time.Sleep(time.Second)
	t1, b1 := time.Now(), copiedBytes(c.Node(2), "slow")
	time.Sleep(5 * time.Second)
	t2, b2 := time.Now(), copiedBytes(c.Node(2), "slow")
	measured := float64(b2-b1) / t2.Sub(t1).Seconds()
	t.Logf("throttled copy: %d of %d bytes after %v; %.0f B/s measured over %v at a bound of %d B/s",
		b2, total, t2.Sub(start).Round(time.Millisecond), measured, t2.Sub(t1).Round(time.Millisecond), rate)
	if measured > 1.6*rate || measured < 0.3*rate {
		t.Errorf("throttled copy rate %.0f B/s, want about %d B/s", measured, rate)
	}
	if b2 >= total {
		t.Fatalf("the throttled partition copied all %d bytes in %v", total, t2.Sub(start))
	}

	setBrokers(nil) // lift the throttle: the copy finishes
	lifted := time.Now()
	agreed(t, c, "slow", 30*time.Second, movedTo2)
	t.Logf("throttle lifted: the rest copied in %v", time.Since(lifted).Round(time.Millisecond))
	if got := copiedBytes(c.Node(2), "slow"); got != total {
		t.Errorf("broker 2 has %d bytes of the log, the old leader had %d", got, total)
	}
	readAll(ctx, t, c, "slow", slow)
	readAll(ctx, t, c, "free", free)
}
