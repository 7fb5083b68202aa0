package controller

import (
	"bytes"
	"context"
	"fmt"
	"github.com/spoolhq/spool/internal/config"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/quorum"
)

// These tests run the controller over a real single-voter quorum in a
// temporary directory, the way a combined broker+controller node does.

func openQuorum(t *testing.T, dir string) *quorum.Quorum {
	t.Helper()
	q, err := quorum.Open(quorum.Config{
		NodeID:    1,
		Dir:       dir,
		ClusterID: testClusterID,
		Voters:    map[int32]string{1: "localhost:9093"},
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return q
}

func newQuorumController(t *testing.T, q *quorum.Quorum) *Controller {
	t.Helper()
	c, err := New(Config{
		Log:                   q,
		Logger:                slog.New(slog.DiscardHandler),
		ValidateTopicConfigs:  fakeTopicValidator,
		ValidateBrokerConfigs: fakeBrokerValidator,
		ApplyIncremental:      fakeApplyIncremental,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func registerSelf(t *testing.T, c *Controller) int64 {
	t.Helper()
	epoch, err := c.RegisterBroker(context.Background(), BrokerRegistration{
		BrokerID: 1, ClusterID: testClusterID, IncarnationID: metadata.NewUUID(),
		Endpoints: []metadata.Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: 9092}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Registered fenced; a heartbeat that has replayed the registration
	// unfences it.
	res, err := c.BrokerHeartbeat(context.Background(), Heartbeat{BrokerID: 1, BrokerEpoch: epoch,
		MetadataOffset: c.cfg.Log.Image().Offset()}, time.Now())
	if err != nil || res.IsFenced {
		t.Fatalf("unfence: %+v %v", res, err)
	}
	return epoch
}

func snapshotBytes(t *testing.T, img *metadata.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := metadata.EncodeSnapshot(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustOK[T any](t *testing.T, results []T, errOf func(T) error) {
	t.Helper()
	for _, r := range results {
		if err := errOf(r); err != nil {
			t.Fatalf("result %+v", r)
		}
	}
}

// partitionLogs stands in for a broker: it keeps the set of partition logs
// the deltas tell it to create and delete.
type partitionLogs struct {
	mu   sync.Mutex
	logs map[string]bool
}

func (p *partitionLogs) listen(_, _ *metadata.Image, d *metadata.Delta) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, tp := range d.DeletedTopics {
		for _, part := range tp.Partitions() {
			delete(p.logs, fmt.Sprintf("%s-%d", tp.Name, part.ID))
		}
	}
	for _, pc := range d.ChangedPartitions {
		if pc.Prev == nil {
			p.logs[fmt.Sprintf("%s-%d", pc.Topic.Name, pc.Next.ID)] = true
		}
	}
}

func (p *partitionLogs) names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var s []string
	for n := range p.logs {
		s = append(s, n)
	}
	slices.Sort(s)
	return s
}

func TestControllerOverQuorumSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	q := openQuorum(t, dir)
	logs := &partitionLogs{logs: map[string]bool{}}
	q.Subscribe(logs.listen)
	c := newQuorumController(t, q)
	epoch := registerSelf(t, c)

	created := c.CreateTopics(ctx, []CreateTopic{
		{Name: "orders", NumPartitions: 3, ReplicationFactor: -1, Configs: map[string]*string{"retention.ms": ptr("1000")}},
		{Name: "logs", NumPartitions: -1, ReplicationFactor: 1},
	}, false)
	mustOK(t, created, func(r CreateTopicResult) error { return r.Err })
	mustOK(t, c.AlterConfigs(ctx, []AlterConfigsResource{
		{Resource: metadata.ConfigResource{Type: metadata.ResourceTopic, Name: "orders"},
			Ops: []ConfigOp{{Name: "cleanup.policy", Op: config.OpAppend, Value: ptr("compact")}}},
		{Resource: metadata.ConfigResource{Type: metadata.ResourceBroker, Name: ""},
			Ops: []ConfigOp{{Name: "log.retention.ms", Op: config.OpSet, Value: ptr("5")}}},
	}, true, false), func(r AlterConfigsResult) error { return r.Err })
	mustOK(t, c.CreatePartitions(ctx, []CreatePartitions{{Topic: "orders", Count: 5}}, false),
		func(r CreatePartitionsResult) error { return r.Err })
	mustOK(t, c.DeleteTopics(ctx, []string{"logs"}, nil), func(r DeleteTopicResult) error { return r.Err })
	if _, _, err := c.AllocateProducerIDs(ctx, 1, epoch); err != nil {
		t.Fatal(err)
	}

	img := q.Image()
	orders := img.Topic("orders")
	if orders == nil || orders.ID != created[0].TopicID || orders.NumPartitions() != 5 || img.Topic("logs") != nil {
		t.Fatalf("image topics %v", img.Topics())
	}
	if got := img.Configs(metadata.ConfigResource{Type: metadata.ResourceTopic, Name: "orders"}); got["cleanup.policy"] != "delete,compact" || got["retention.ms"] != "1000" {
		t.Fatalf("orders configs %v", got)
	}
	if img.MetadataVersion() != metadata.MetadataVersion40IV3 || img.NextProducerID() != ProducerIDBlockSize {
		t.Fatalf("features %v, next producer id %d", img.Features(), img.NextProducerID())
	}
	wantLogs := []string{"orders-0", "orders-1", "orders-2", "orders-3", "orders-4"}
	if got := logs.names(); !slices.Equal(got, wantLogs) {
		t.Fatalf("partition logs %v, want %v", got, wantLogs)
	}
	want := snapshotBytes(t, img)
	q.Close()

	// Restart from the log.
	q = openQuorum(t, dir)
	if !bytes.Equal(snapshotBytes(t, q.Image()), want) {
		t.Fatal("image after restart differs")
	}
	logs = &partitionLogs{logs: map[string]bool{}}
	q.Subscribe(logs.listen)
	if got := logs.names(); !slices.Equal(got, wantLogs) {
		t.Fatalf("partition logs after restart %v", got)
	}

	// Snapshot, change more, restart from snapshot plus log.
	if err := q.Snapshot(); err != nil {
		t.Fatal(err)
	}
	c = newQuorumController(t, q)
	registerSelf(t, c)
	mustOK(t, c.CreateTopics(ctx, []CreateTopic{{Name: "after", NumPartitions: 1, ReplicationFactor: 1}}, false),
		func(r CreateTopicResult) error { return r.Err })
	want = snapshotBytes(t, q.Image())
	q.Close()
	q = openQuorum(t, dir)
	if !bytes.Equal(snapshotBytes(t, q.Image()), want) {
		t.Fatal("image after snapshot and restart differs")
	}
}

func TestConcurrentOperationsOverQuorum(t *testing.T) {
	q := openQuorum(t, t.TempDir())
	c := newQuorumController(t, q)
	epoch := registerSelf(t, c)
	ctx := context.Background()

	const workers, perWorker = 4, 5
	var mu sync.Mutex
	blocks := map[int64]bool{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				name := fmt.Sprintf("w%d-t%d", w, i)
				res := c.CreateTopics(ctx, []CreateTopic{{Name: name, NumPartitions: 2, ReplicationFactor: 1}}, false)
				if res[0].Err != nil {
					t.Errorf("create %s: %v", name, res[0].Err)
				}
				ac := c.AlterConfigs(ctx, []AlterConfigsResource{{
					Resource: metadata.ConfigResource{Type: metadata.ResourceTopic, Name: name},
					Ops:      []ConfigOp{{Name: "retention.ms", Op: config.OpSet, Value: ptr(fmt.Sprint(i))}},
				}}, true, false)
				if ac[0].Err != nil {
					t.Errorf("alter %s: %v", name, ac[0].Err)
				}
				first, _, err := c.AllocateProducerIDs(ctx, 1, epoch)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				if blocks[first] {
					t.Errorf("block %d handed out twice", first)
				}
				blocks[first] = true
				mu.Unlock()
				_ = q.Image().Topics() // readers alongside the writers
			}
		})
	}
	// Everyone racing for the same name: exactly one wins.
	wins := make(chan bool, workers)
	for range workers {
		wg.Go(func() {
			res := c.CreateTopics(ctx, []CreateTopic{{Name: "contended", NumPartitions: 1, ReplicationFactor: 1}}, false)
			wins <- res[0].Err == nil
		})
	}
	wg.Wait()
	close(wins)
	won := 0
	for w := range wins {
		if w {
			won++
		}
	}
	img := q.Image()
	if won != 1 || img.NumTopics() != workers*perWorker+1 || len(blocks) != workers*perWorker {
		t.Fatalf("%d wins, %d topics, %d blocks", won, img.NumTopics(), len(blocks))
	}
}
