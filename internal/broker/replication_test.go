package broker_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// segmentOf is node n's first segment file of topic's partition 0.
func segmentOf(n *testcluster.Node, topic string) ([]byte, error) {
	return os.ReadFile(filepath.Join(n.Dir, "data", topic+"-0", "00000000000000000000.log"))
}

// TestReplicationThreeNodes: a topic with replication factor 3 on three
// nodes; idempotent acks=all produces through franz-go succeed, and every
// replica's segment file ends byte-identical to the leader's (the ISR
// changes go through the real controller).
func TestReplicationThreeNodes(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, clusterProps)
	adm := kadm.NewClient(c.Client())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	minISR := "2"
	res, err := adm.CreateTopic(ctx, 1, 3, map[string]*string{"min.insync.replicas": &minISR}, "replicated")
	if err != nil || res.Err != nil {
		t.Fatalf("create topic: %v %v", err, res.Err)
	}
	cl := c.Client(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DefaultProduceTopic("replicated"))
	for i := range 300 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(fmt.Sprintf("record-%d", i))}).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
	}
	testcluster.CheckFor(t, 20*time.Second, func() error {
		first, err := segmentOf(c.Node(1), "replicated")
		if err != nil {
			return err
		}
		for _, id := range []int32{2, 3} {
			got, err := segmentOf(c.Node(id), "replicated")
			if err != nil {
				return err
			}
			if !bytes.Equal(got, first) {
				return fmt.Errorf("node %d's segment (%d bytes) differs from node 1's (%d bytes)", id, len(got), len(first))
			}
		}
		return nil
	})
	// Every record reads back from the leader, once.
	cons := c.Client(kgo.ConsumeTopics("replicated"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := 0
	for seen < 300 {
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
