// Package testcluster starts Spool nodes in-process on loopback ports for
// integration tests, and gives tests franz-go clients pointed at them.
package testcluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/config"
)

// Node is one running broker with its configuration, so it can be
// restarted on the same directory and ports.
type Node struct {
	t      testing.TB
	Props  map[string]string
	Dir    string
	Broker *broker.Broker
}

// Start runs a single-node cluster in a temporary directory. props
// override the defaults (listeners, log.dirs and metrics are set here).
// The node is closed when the test ends.
func Start(t testing.TB, props map[string]string) *Node {
	t.Helper()
	dir := t.TempDir()
	ports := FreePorts(t, 2)
	port, ctrlPort := ports[0], ports[1]
	base := map[string]string{
		"node.id":                  "1",
		"process.roles":            "broker,controller",
		"listeners":                fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", port, ctrlPort),
		"advertised.listeners":     fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", port),
		"controller.quorum.voters": fmt.Sprintf("1@127.0.0.1:%d", ctrlPort),
		"log.dirs":                 dir + "/data",
		"spool.metrics.address":    "",
	}
	maps.Copy(base, props)
	n := &Node{t: t, Props: base, Dir: dir}
	n.start()
	t.Cleanup(func() { n.Stop() })
	return n
}

func (n *Node) start() {
	n.t.Helper()
	cfg, _, err := config.Parse(n.Props)
	if err != nil {
		n.t.Fatalf("config: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := broker.Start(ctx, cfg, Logger())
	if err != nil {
		n.t.Fatalf("start broker: %v", err)
	}
	n.Broker = b
}

// Logger is where test brokers log: stderr with SPOOL_TEST_LOG=1, else
// nowhere.
func Logger() *slog.Logger {
	if os.Getenv("SPOOL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Addr is the node's client address.
func (n *Node) Addr() string { return n.Broker.Addr("PLAINTEXT").String() }

// Stop shuts the node down cleanly (idempotent).
func (n *Node) Stop() {
	if n.Broker != nil {
		if err := n.Broker.Close(); err != nil {
			n.t.Errorf("close broker: %v", err)
		}
		n.Broker = nil
	}
}

// Restart stops the node cleanly and starts it again on the same data.
func (n *Node) Restart() {
	n.t.Helper()
	n.Stop()
	n.start()
}

// Client returns a franz-go client for the node, closed with the test.
func (n *Node) Client(opts ...kgo.Opt) *kgo.Client {
	n.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(n.Addr())}, opts...)...)
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(cl.Close)
	return cl
}

// Admin returns an admin client for the node.
func (n *Node) Admin() *kadm.Client { return kadm.NewClient(n.Client()) }

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// FreePorts returns n distinct loopback TCP ports that were free a moment
// ago. The listeners stay open until all n are chosen, so the kernel
// cannot hand one port out twice (two FreePort calls may).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// CheckFor polls fn until it returns nil or timeout passes, then fails the
// test with fn's last error.
func CheckFor(t testing.TB, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
