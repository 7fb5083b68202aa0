package quorum

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
)

const testClusterID = "q1ZbN5TfRZ-6b7sU9sWn3A"

// checkFor polls fn until it returns nil, failing the test with fn's last
// error after timeout.
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
		time.Sleep(5 * time.Millisecond)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func singleConfig(t *testing.T, dir string) Config {
	return Config{
		NodeID:    1,
		Dir:       dir,
		ClusterID: testClusterID,
		Voters:    map[int32]string{1: "localhost:9093"},
		Logger:    testLogger(t),
	}
}

func open(t *testing.T, cfg Config) *Quorum {
	t.Helper()
	q, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	return q
}

func openReady(t *testing.T, cfg Config) *Quorum {
	t.Helper()
	q := open(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return q
}

func topicID(n int) metadata.TopicID {
	return metadata.UUID{0: 0x20, 14: byte(n >> 8), 15: byte(n)}
}

func createTopic(name string, n int) []metadata.Record {
	id := topicID(n)
	return []metadata.Record{
		metadata.TopicRecord{Name: name, TopicID: id},
		metadata.PartitionRecord{TopicID: id, Replicas: []int32{1}, ISR: []int32{1}, Leader: 1},
	}
}

func propose(t *testing.T, q *Quorum, records []metadata.Record) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	off, err := q.Propose(ctx, records)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

// freeAddrs returns n loopback addresses that were free a moment ago.
func freeAddrs(t *testing.T, n int) []string {
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, l.Addr().String())
		defer l.Close()
	}
	return addrs
}

func topicNames(img *metadata.Image) string {
	var s []string
	for _, tp := range img.Topics() {
		s = append(s, tp.Name)
	}
	return fmt.Sprint(s)
}
