package replica_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/api"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/fetchsession"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/replica"
	"github.com/spoolhq/spool/internal/replica/fetcher"
	"github.com/spoolhq/spool/internal/storage"
)

// This file runs three brokers in-process over real TCP, each a replica
// manager behind the Fetch and Produce APIs, with metadata built here: a
// stand-in for the controller applies records to one image and hands every
// change to every node, and commits the leaders' AlterPartition requests.

type noObserver struct{}

func (noObserver) RequestDone(int16, time.Duration, int, int) {}
func (noObserver) ConnectionOpened(string)                    {}
func (noObserver) ConnectionClosed(string)                    {}

type node struct {
	id     int32
	dir    *storage.LogDir
	m      *replica.Manager
	srv    *network.Server
	addr   string
	stop   context.CancelFunc
	runWG  sync.WaitGroup
	closed bool
}

type cluster struct {
	t       testing.TB
	mu      sync.Mutex // serializes metadata changes
	img     atomic.Pointer[metadata.Image]
	nodes   map[int32]*node
	topicID metadata.TopicID
	alters  atomic.Int32
}

func testLogger() *slog.Logger {
	if os.Getenv("SPOOL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startCluster(t *testing.T, ids ...int32) *cluster { return startClusterB(t, ids...) }

// startClusterB starts nodes ids, each with an empty log directory.
func startClusterB(t testing.TB, ids ...int32) *cluster {
	c := &cluster{t: t, nodes: map[int32]*node{}, topicID: metadata.NewUUID()}
	c.img.Store(metadata.NewImage("cluster"))
	var regs []metadata.Record
	for _, id := range ids {
		n := c.startNode(id)
		c.nodes[id] = n
		port := n.srv
		_ = port
		host, p := splitAddr(t, n.addr)
		regs = append(regs, metadata.RegisterBrokerRecord{BrokerID: id, BrokerEpoch: int64(100 + id),
			IncarnationID: metadata.NewUUID(), Endpoints: []metadata.Endpoint{{Name: "PLAINTEXT", Host: host, Port: p}}})
	}
	c.mu.Lock()
	next, _, err := c.img.Load().Apply(regs)
	if err != nil {
		t.Fatal(err)
	}
	c.img.Store(next)
	for _, n := range c.nodes {
		if err := n.m.Sync(next); err != nil {
			t.Fatal(err)
		}
	}
	c.mu.Unlock()
	t.Cleanup(c.close)
	return c
}

func splitAddr(t testing.TB, addr string) (string, uint16) {
	var host string
	var port uint16
	i := len(addr) - 1
	for addr[i] != ':' {
		i--
	}
	host = addr[:i]
	if _, err := fmt.Sscan(addr[i+1:], &port); err != nil {
		t.Fatal(err)
	}
	return host, port
}

func (c *cluster) startNode(id int32) *node {
	t := c.t
	cfg, _, err := config.Parse(map[string]string{
		"node.id": fmt.Sprint(id), "process.roles": "broker,controller",
		"listeners": "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0", "controller.listener.names": "CONTROLLER",
		"controller.quorum.voters": "1@127.0.0.1:1", "log.dirs": filepath.Join(t.TempDir(), "data"),
		"replica.fetch.wait.max.ms": "200", "replica.fetch.backoff.ms": "50",
	})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	logger := testLogger().With("node", id)
	n := &node{id: id}
	if n.dir, err = storage.OpenLogDir(cfg.LogDirs[0], storage.DirOptions{Logger: logger}); err != nil {
		t.Fatal(err)
	}
	epoch := int64(100 + id)
	n.m = replica.New(replica.Options{NodeID: id, Static: cfg, Dirs: []*storage.LogDir{n.dir}, Logger: logger,
		ISR: c, BrokerEpoch: func() int64 { return epoch }})
	h := api.NewHandler(api.Deps{NodeID: id, Config: cfg, Replicas: n.m, Image: c.img.Load,
		Sessions: fetchsession.NewCache(100, fetchsession.DefaultEvictAfter), Logger: logger})
	n.srv = network.NewServer(network.Config{MaxRequestSize: cfg.SocketRequestMaxBytes}, h, noObserver{}, logger)
	a, err := n.srv.Listen("PLAINTEXT", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n.addr = a.String()
	ctx, stop := context.WithCancel(context.Background())
	n.stop = stop
	n.runWG.Add(1)
	go func() {
		defer n.runWG.Done()
		n.m.Run(ctx)
	}()
	return n
}

func (c *cluster) close() {
	for _, n := range c.nodes {
		if n.closed {
			continue
		}
		n.closed = true
		n.srv.Close()
		n.stop()
		n.runWG.Wait()
		if err := n.m.Close(1); err != nil {
			c.t.Errorf("close node %d: %v", n.id, err)
		}
	}
}

// apply commits records and hands the change to every node, as the
// brokers' metadata listeners would.
func (c *cluster) apply(records ...metadata.Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.applyLocked(records); err != nil {
		c.t.Error(err)
	}
}

func (c *cluster) applyLocked(records []metadata.Record) error {
	next, d, err := c.img.Load().Apply(records)
	if err != nil {
		return err
	}
	c.img.Store(next)
	for _, n := range c.nodes {
		if !n.closed {
			if err := n.m.Apply(next, d); err != nil {
				return fmt.Errorf("apply on node %d: %w", n.id, err)
			}
		}
	}
	return nil
}

// AlterPartition is the stand-in controller's answer to a leader's ISR
// change: applied when the leader and partition epochs are current.
func (c *cluster) AlterPartition(ctx context.Context, ch partition.ISRChange) (replica.ISRState, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.alters.Add(1)
	p := c.img.Load().TopicByID(ch.TopicID).Partition(ch.Partition)
	if p.LeaderEpoch != ch.LeaderEpoch || p.PartitionEpoch != ch.PartitionEpoch {
		return replica.ISRState{}, replica.ErrISRStale
	}
	err := c.applyLocked([]metadata.Record{metadata.PartitionChangeRecord{TopicID: ch.TopicID, Partition: ch.Partition,
		Leader: metadata.NoLeaderChange, ISR: ch.IDs(), LeaderRecoveryState: metadata.NoRecoveryStateChange}})
	if err != nil {
		return replica.ISRState{}, err
	}
	p = c.img.Load().TopicByID(ch.TopicID).Partition(ch.Partition)
	return replica.ISRState{Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, PartitionEpoch: p.PartitionEpoch, ISR: p.ISR}, nil
}

func (c *cluster) createTopic(name string, leader int32, replicas, isr []int32) {
	c.apply(metadata.TopicRecord{Name: name, TopicID: c.topicID},
		metadata.PartitionRecord{TopicID: c.topicID, Partition: 0, Replicas: replicas, ISR: isr, Leader: leader})
}

func (c *cluster) part(id int32) *partition.Partition { return c.partB(c.t, id) }

func (c *cluster) partB(tb testing.TB, id int32) *partition.Partition {
	tb.Helper()
	t, ok := c.nodes[id].m.TopicByID(c.topicID)
	if !ok {
		tb.Fatalf("node %d hosts no topic", id)
	}
	return t.Partitions[0]
}

func (c *cluster) meta() *metadata.Partition {
	return c.img.Load().TopicByID(c.topicID).Partition(0)
}

// checkFor polls fn until it returns nil or the deadline passes.
func checkFor(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logBytes is a replica's whole log, batch bytes as stored.
func logBytes(t *testing.T, p *partition.Partition) []byte {
	t.Helper()
	var out []byte
	l := p.Log()
	for off := l.LogStartOffset(); off < l.LogEndOffset(); {
		r, err := l.Read(off, 1<<20, l.EndOffsetMetadata(), true)
		if err != nil {
			t.Fatal(err)
		}
		data, err := r.Slice.AppendTo(nil)
		r.Slice.Release()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			t.Fatalf("empty read at %d", off)
		}
		out = append(out, data...)
		for len(data) > 0 {
			b, rest, err := record.Peek(data)
			if err != nil {
				t.Fatal(err)
			}
			off, data = b.NextOffset(), rest
		}
	}
	return out
}

// sameLogs waits until every node's log is byte-identical to the leader's.
func (c *cluster) sameLogs(leader int32, ids ...int32) {
	c.t.Helper()
	checkFor(c.t.(*testing.T), 20*time.Second, func() error {
		want := logBytes(c.t.(*testing.T), c.part(leader))
		for _, id := range ids {
			if got := logBytes(c.t.(*testing.T), c.part(id)); !bytes.Equal(got, want) {
				return fmt.Errorf("node %d's log (%d bytes, end %d) differs from leader %d's (%d bytes, end %d)",
					id, len(got), c.part(id).LogEndOffset(), leader, len(want), c.part(leader).LogEndOffset())
			}
		}
		return nil
	})
}

func (c *cluster) client(id int32, opts ...kgo.Opt) *kgo.Client {
	c.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.nodes[id].addr), kgo.DisableIdempotentWrite(),
		kgo.ProducerLinger(0), kgo.RecordRetries(0), kgo.ProducerBatchCompression(kgo.NoCompression())}, opts...)...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(cl.Close)
	return cl
}

func produce(t *testing.T, cl *kgo.Client, topic string, n int, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range n {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(fmt.Sprintf("%s-%d", value, i))}).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
	}
}

// TestReplicationCopiesTheLeadersLog: followers copy the leader's batches
// byte for byte; the high watermark reaches the end once they have them,
// and the ISR stays whole.
func TestReplicationCopiesTheLeadersLog(t *testing.T) {
	c := startCluster(t, 1, 2, 3)
	c.createTopic("orders", 1, []int32{1, 2, 3}, []int32{1, 2, 3})
	cl := c.client(1, kgo.RequiredAcks(kgo.AllISRAcks()))
	produce(t, cl, "orders", 50, "a")
	// Larger batches, several per fetch.
	cl2 := c.client(1, kgo.RequiredAcks(kgo.LeaderAck()), kgo.ProducerLinger(5*time.Millisecond))
	var wg sync.WaitGroup
	for i := range 500 {
		wg.Add(1)
		cl2.Produce(context.Background(), &kgo.Record{Topic: "orders", Value: bytes.Repeat([]byte{byte(i)}, 300)}, func(_ *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				t.Errorf("produce: %v", err)
			}
		})
	}
	wg.Wait()
	c.sameLogs(1, 2, 3)
	leader := c.part(1)
	checkFor(t, 10*time.Second, func() error {
		if hw, end := leader.HighWatermark(), leader.LogEndOffset(); hw != end {
			return fmt.Errorf("leader high watermark %d, log end %d", hw, end)
		}
		for _, id := range []int32{2, 3} {
			if hw := c.part(id).HighWatermark(); hw != leader.HighWatermark() {
				return fmt.Errorf("follower %d high watermark %d", id, hw)
			}
		}
		return nil
	})
	if isr := c.meta().ISR; !slices.Equal(isr, []int32{1, 2, 3}) {
		t.Fatalf("ISR %v", isr)
	}
	// Epochs follow the batches.
	for _, id := range []int32{2, 3} {
		if got, want := c.part(id).Log().LeaderEpochs().Entries(), leader.Log().LeaderEpochs().Entries(); !slices.Equal(got, want) {
			t.Fatalf("node %d epochs %v, leader's %v", id, got, want)
		}
	}
}

// TestAcksAllWaitsForTheISR: with a follower stopped, the high watermark
// stays at what every ISR member has and an acks=all produce waits; when
// the follower fetches again both move on. A replica that joins late is
// added to the ISR once it reaches the high watermark.
func TestAcksAllWaitsForTheISR(t *testing.T) {
	c := startCluster(t, 1, 2, 3)
	c.createTopic("orders", 1, []int32{1, 2, 3}, []int32{1, 2})
	produce(t, c.client(1, kgo.RequiredAcks(kgo.AllISRAcks())), "orders", 10, "a")
	// 3 was not in the ISR: it catches up and is added (AlterPartition).
	checkFor(t, 20*time.Second, func() error {
		if isr := c.meta().ISR; !slices.Equal(isr, []int32{1, 2, 3}) {
			return fmt.Errorf("ISR %v", isr)
		}
		return nil
	})
	c.sameLogs(1, 2, 3)

	leader, p3 := c.part(1), c.part(3)
	c.nodes[3].m.Fetchers().Remove([]*partition.Partition{p3})
	hw := leader.HighWatermark()
	produce(t, c.client(1, kgo.RequiredAcks(kgo.LeaderAck())), "orders", 5, "b")
	done := make(chan error, 1)
	go func() {
		cl := c.client(1, kgo.RequiredAcks(kgo.AllISRAcks()))
		done <- cl.ProduceSync(context.Background(), &kgo.Record{Topic: "orders", Value: []byte("all")}).FirstErr()
	}()
	checkFor(t, 10*time.Second, func() error {
		if c.part(2).LogEndOffset() != leader.LogEndOffset() || leader.LogEndOffset() != hw+6 {
			return fmt.Errorf("follower 2 end %d, leader end %d", c.part(2).LogEndOffset(), leader.LogEndOffset())
		}
		return nil
	})
	if got := leader.HighWatermark(); got != hw {
		t.Fatalf("high watermark moved to %d without follower 3 (was %d)", got, hw)
	}
	select {
	case err := <-done:
		t.Fatalf("acks=all produce answered before the ISR had the record: %v", err)
	default:
	}
	m := c.meta()
	if err := c.nodes[3].m.Fetchers().Add([]fetcher.Assignment{{Partition: p3, TopicID: c.topicID, LeaderEpoch: m.LeaderEpoch,
		Leader: fetcher.Leader{ID: 1, Addr: c.nodes[1].addr}}}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("acks=all produce: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("acks=all produce not answered after the follower caught up")
	}
	if got := leader.HighWatermark(); got != leader.LogEndOffset() {
		t.Fatalf("high watermark %d, log end %d", got, leader.LogEndOffset())
	}
	c.sameLogs(1, 2, 3)
}

// TestDivergentTailTruncated: the leader writes a tail no follower gets
// (acks=1), then loses leadership; the new leader writes other records at
// those offsets; the old leader, now a follower, truncates its tail where
// the new leader's log diverges (DivergingEpoch) and ends byte-identical.
func TestDivergentTailTruncated(t *testing.T) {
	c := startCluster(t, 1, 2, 3)
	c.createTopic("orders", 1, []int32{1, 2, 3}, []int32{1, 2, 3})
	produce(t, c.client(1, kgo.RequiredAcks(kgo.AllISRAcks())), "orders", 20, "committed")
	c.sameLogs(1, 2, 3)
	old := c.part(1)
	committed := old.HighWatermark()
	// The followers stop; the leader takes records only it has.
	c.nodes[2].m.Fetchers().Remove([]*partition.Partition{c.part(2)})
	c.nodes[3].m.Fetchers().Remove([]*partition.Partition{c.part(3)})
	produce(t, c.client(1, kgo.RequiredAcks(kgo.LeaderAck())), "orders", 7, "divergent")
	if old.LogEndOffset() != committed+7 || old.HighWatermark() != committed {
		t.Fatalf("old leader end %d hw %d, committed %d", old.LogEndOffset(), old.HighWatermark(), committed)
	}
	divergent := logBytes(t, old)
	// The controller elects 2 (as after 1's failure).
	c.apply(metadata.PartitionChangeRecord{TopicID: c.topicID, Partition: 0, Leader: 2, ISR: []int32{2, 3},
		LeaderRecoveryState: metadata.NoRecoveryStateChange})
	checkFor(t, 5*time.Second, func() error {
		if !c.part(2).IsLeader() {
			return errors.New("2 does not lead yet")
		}
		return nil
	})
	produce(t, c.client(2, kgo.RequiredAcks(kgo.LeaderAck())), "orders", 3, "new-leader")
	c.sameLogs(2, 3, 1)
	got := logBytes(t, old)
	if bytes.Equal(got, divergent) || old.LogEndOffset() != committed+3 {
		t.Fatalf("old leader still has its tail: end %d", old.LogEndOffset())
	}
	// The new leader's records are there, the divergent ones gone.
	if bytes.Contains(got, []byte("divergent")) || !bytes.Contains(got, []byte("new-leader")) {
		t.Fatal("the old leader's log has the wrong records")
	}
	// And it rejoins the ISR.
	checkFor(t, 20*time.Second, func() error {
		if isr := c.meta().ISR; !slices.Contains(isr, 1) {
			return fmt.Errorf("ISR %v", isr)
		}
		return nil
	})
}
