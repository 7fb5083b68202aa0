package testcluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Context returns a context that ends after d or when the test ends.
func Context(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// MetricsURL is the node's /metrics address; the node must have been
// started with spool.metrics.address set (e.g. 127.0.0.1:0).
func (n *Node) MetricsURL() string {
	n.t.Helper()
	addr := n.Broker.MetricsAddr()
	if addr == nil {
		n.t.Fatal("the node serves no metrics: set spool.metrics.address")
	}
	return "http://" + addr.String() + "/metrics"
}

// Scrape fetches the node's /metrics page in Prometheus' text format.
func (n *Node) Scrape() (string, error) {
	req, err := http.NewRequestWithContext(Context(n.t, 10*time.Second), http.MethodGet, n.MetricsURL(), nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", n.MetricsURL(), resp.Status)
	}
	return string(body), nil
}

// OpenFDs counts this process's open file descriptors (Linux: the entries
// of /proc/self/fd). In-process brokers share the count with the test.
func OpenFDs(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("count open files: %v", err)
	}
	return len(entries)
}

// CreateTopic creates a topic with one replica per partition and the given
// topic configs, and fails the test if that does not succeed.
func (n *Node) CreateTopic(name string, partitions int32, configs map[string]string) {
	n.t.Helper()
	cfg := map[string]*string{}
	for k, v := range configs {
		cfg[k] = &v
	}
	resp, err := n.Admin().CreateTopic(Context(n.t, 30*time.Second), partitions, 1, cfg, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		n.t.Fatalf("create topic %s: %v", name, err)
	}
}

// Segments lists the base offsets of a partition's live segments as they
// are on disk (<log.dirs>/<topic>-<partition>/<base>.log), in order. The
// node must have a single log directory.
func (n *Node) Segments(topic string, partition int32) []int64 {
	n.t.Helper()
	dir := filepath.Join(n.Props["log.dirs"], fmt.Sprintf("%s-%d", topic, partition))
	entries, err := os.ReadDir(dir)
	if err != nil {
		n.t.Fatalf("list segments: %v", err)
	}
	var bases []int64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".log")
		if !ok {
			continue
		}
		base, err := strconv.ParseInt(name, 10, 64)
		if err != nil {
			n.t.Fatalf("segment file %s: %v", e.Name(), err)
		}
		bases = append(bases, base)
	}
	slices.Sort(bases)
	return bases
}
