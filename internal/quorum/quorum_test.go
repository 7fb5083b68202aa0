package quorum

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
)

func TestSingleNodeProposeAndRestart(t *testing.T) {
	dir := t.TempDir()
	q := openReady(t, singleConfig(t, dir))
	if !q.IsLeader() {
		t.Fatal("single voter is not the leader once ready")
	}
	if id, ok := q.LeaderID(); !ok || id != 1 {
		t.Fatalf("LeaderID() = %d, %v", id, ok)
	}
	off1 := propose(t, q, createTopic("a", 1))
	off2 := propose(t, q, createTopic("b", 2))
	img := q.Image()
	if off2 <= off1 || img.Offset() != off2 || img.NumTopics() != 2 || img.ClusterID() != testClusterID {
		t.Fatalf("offsets %d, %d; image at %d with topics %s", off1, off2, img.Offset(), topicNames(img))
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	q = openReady(t, singleConfig(t, dir))
	t.Logf("restart to ready: %v", time.Since(start))
	if got := q.Image(); got.Offset() != off2 || topicNames(got) != "[a b]" {
		t.Fatalf("after restart: offset %d, topics %s", got.Offset(), topicNames(got))
	}
	propose(t, q, createTopic("c", 3))
}

func TestSnapshotAndRestore(t *testing.T) {
	dir := t.TempDir()
	q := openReady(t, singleConfig(t, dir))
	propose(t, q, createTopic("a", 1))
	if err := q.Snapshot(); err != nil {
		t.Fatal(err)
	}
	propose(t, q, createTopic("b", 2))
	want := q.Image()
	q.Close()

	q = openReady(t, singleConfig(t, dir))
	got := q.Image()
	if got.Offset() != want.Offset() || topicNames(got) != topicNames(want) {
		t.Fatalf("restored offset %d topics %s, want %d %s", got.Offset(), topicNames(got), want.Offset(), topicNames(want))
	}
	if d := metadata.Diff(want, got); !d.Empty() {
		t.Fatalf("restored image differs: %+v", d)
	}
}

func TestSubscribe(t *testing.T) {
	q := openReady(t, singleConfig(t, t.TempDir()))
	propose(t, q, createTopic("a", 1))

	var mu sync.Mutex
	var events []string
	cancel := q.Subscribe(func(prev, next *metadata.Image, d *metadata.Delta) {
		mu.Lock()
		defer mu.Unlock()
		for _, tp := range d.CreatedTopics {
			events = append(events, fmt.Sprintf("create %s@%d", tp.Name, next.Offset()))
		}
		for _, tp := range d.DeletedTopics {
			events = append(events, fmt.Sprintf("delete %s@%d", tp.Name, next.Offset()))
		}
		if prev.Offset() >= next.Offset() {
			events = append(events, fmt.Sprintf("out of order %d>=%d", prev.Offset(), next.Offset()))
		}
	})
	off := propose(t, q, createTopic("b", 2))
	off2 := propose(t, q, []metadata.Record{metadata.RemoveTopicRecord{TopicID: topicID(1)}})
	cancel()
	propose(t, q, createTopic("c", 3))

	mu.Lock()
	defer mu.Unlock()
	want := []string{
		fmt.Sprintf("create a@%d", off-1),
		fmt.Sprintf("create b@%d", off),
		fmt.Sprintf("delete a@%d", off2),
	}
	if !slices.Equal(events, want) {
		t.Fatalf("events %q, want %q", events, want)
	}
}

func TestSubscribeSeesReplay(t *testing.T) {
	dir := t.TempDir()
	q := openReady(t, singleConfig(t, dir))
	propose(t, q, createTopic("a", 1))
	propose(t, q, createTopic("b", 2))
	q.Close()

	q = open(t, singleConfig(t, dir))
	var mu sync.Mutex
	seen := map[string]bool{}
	q.Subscribe(func(_, _ *metadata.Image, d *metadata.Delta) {
		mu.Lock()
		defer mu.Unlock()
		for _, tp := range d.CreatedTopics {
			seen[tp.Name] = true
		}
	})
	if err := q.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !seen["a"] || !seen["b"] {
		t.Fatalf("subscriber saw %v", seen)
	}
}

func TestProposeAtStale(t *testing.T) {
	q := openReady(t, singleConfig(t, t.TempDir()))
	base := q.Image().Offset()
	propose(t, q, createTopic("a", 1))
	_, err := q.ProposeAt(context.Background(), base, createTopic("b", 2))
	if !errors.Is(err, ErrStale) {
		t.Fatalf("ProposeAt on a stale base: %v", err)
	}
	if q.Image().Topic("b") != nil {
		t.Fatal("stale proposal applied")
	}
	if _, err := q.ProposeAt(context.Background(), q.Image().Offset(), createTopic("b", 2)); err != nil {
		t.Fatal(err)
	}
}

func TestProposeRejected(t *testing.T) {
	q := openReady(t, singleConfig(t, t.TempDir()))
	propose(t, q, createTopic("a", 1))
	before := q.Image()
	if _, err := q.Propose(context.Background(), createTopic("a", 1)); !errors.Is(err, ErrRejected) {
		t.Fatalf("duplicate topic: %v", err)
	}
	if q.Image() != before {
		t.Fatal("rejected batch changed the image")
	}
	propose(t, q, createTopic("b", 2))
}

func TestOpenRefusesOtherClusterOrVoters(t *testing.T) {
	dir := t.TempDir()
	q := openReady(t, singleConfig(t, dir))
	q.Close()

	cfg := singleConfig(t, dir)
	cfg.ClusterID = "other"
	if _, err := Open(cfg); err == nil {
		t.Fatal("opened under another cluster id")
	}
	cfg = singleConfig(t, dir)
	cfg.Voters = map[int32]string{1: "localhost:9999"}
	if _, err := Open(cfg); err == nil {
		t.Fatal("opened with other voters")
	}
	// Failed opens released the directory.
	openReady(t, singleConfig(t, dir))
}

func TestConfigValidate(t *testing.T) {
	good := Config{NodeID: 1, Dir: "d", ClusterID: "c", Voters: map[int32]string{1: "h:1"}}.WithDefaults()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(*Config){
		func(c *Config) { c.NodeID = -1 },
		func(c *Config) { c.Dir = "" },
		func(c *Config) { c.ClusterID = "" },
		func(c *Config) { c.Voters = nil },
		func(c *Config) { c.Voters = map[int32]string{2: "h:1"} },
		func(c *Config) { c.Voters = map[int32]string{1: "h:1", 2: ""} },
		func(c *Config) { c.LeaderLeaseTimeout = 2 * c.HeartbeatTimeout },
	}
	for i, mutate := range bad {
		c := good
		mutate(&c)
		if c.Validate() == nil {
			t.Errorf("bad config %d validated", i)
		}
	}
}

func TestConcurrentProposals(t *testing.T) {
	q := openReady(t, singleConfig(t, t.TempDir()))
	var mu sync.Mutex
	var offsets []int64
	q.Subscribe(func(prev, next *metadata.Image, _ *metadata.Delta) {
		mu.Lock()
		offsets = append(offsets, next.Offset())
		mu.Unlock()
	})
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if _, err := q.Propose(context.Background(), createTopic(fmt.Sprintf("t%d", i), i+1)); err != nil {
				errs <- err
			}
			_ = q.Image().Topics() // readers race with the writer
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := q.Image().NumTopics(); got != n {
		t.Fatalf("%d topics, want %d", got, n)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.IsSorted(offsets) || len(offsets) != n+1 {
		t.Fatalf("subscriber offsets %v", offsets)
	}
}

func TestCloseEndsProposalsAndGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	q, err := Open(singleConfig(t, t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := q.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	propose(t, q, createTopic("a", 1))
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := q.Propose(context.Background(), createTopic("b", 2)); !errors.Is(err, ErrClosed) {
		t.Fatalf("propose after close: %v", err)
	}
	if err := q.WaitReady(context.Background()); err != nil {
		t.Fatalf("WaitReady after a ready quorum closed: %v", err)
	}
	checkFor(t, 5*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > before {
			return fmt.Errorf("%d goroutines, %d before Open", n, before)
		}
		return nil
	})
}

func TestProposeContextCanceled(t *testing.T) {
	q := openReady(t, singleConfig(t, t.TempDir()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := q.Propose(ctx, createTopic("a", 1))
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled propose: %v", err)
	}
}

// TestAutomaticSnapshots lets Raft snapshot by threshold and truncate the log
// while proposals go on, then restarts from what is left.
func TestAutomaticSnapshots(t *testing.T) {
	dir := t.TempDir()
	cfg := singleConfig(t, dir)
	cfg.SnapshotThreshold = 4
	cfg.SnapshotInterval = 20 * time.Millisecond
	cfg.TrailingLogs = 2
	q := openReady(t, cfg)
	for i := range 12 {
		propose(t, q, createTopic(fmt.Sprintf("t%02d", i), i+1))
	}
	checkFor(t, 10*time.Second, func() error {
		entries, err := os.ReadDir(filepath.Join(dir, "snapshots"))
		if err != nil || len(entries) == 0 {
			return fmt.Errorf("no snapshot yet (%v)", err)
		}
		return nil
	})
	for i := 12; i < 16; i++ {
		propose(t, q, createTopic(fmt.Sprintf("t%02d", i), i+1))
	}
	want := q.Image()
	q.Close()

	q = openReady(t, cfg)
	if got := q.Image(); got.Offset() != want.Offset() || !metadata.Diff(want, got).Empty() {
		t.Fatalf("after restart: offset %d topics %s, want %d %s", got.Offset(), topicNames(got), want.Offset(), topicNames(want))
	}
}
