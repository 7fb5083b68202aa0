package testcluster

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/metadata"
)

// Cluster is several nodes in this process, each with its own directories
// and loopback ports, forming one cluster over real TCP.
type Cluster struct {
	t     testing.TB
	Nodes []*Node // by position; Nodes[i] has node.id i+1
	// ClusterID is the id the nodes were formatted with; voters is
	// controller.quorum.voters (AddBroker).
	ClusterID string
	voters    string
}

// Roles give each node's process.roles in StartCluster; nil means every
// node is broker,controller.
type Roles []string

// StartCluster starts n nodes that form one cluster: every node whose
// role includes controller is a voter. props apply to every node. Nodes
// start concurrently, since a quorum needs a majority to answer anyone,
// and the cluster is closed when the test ends.
func StartCluster(t testing.TB, n int, roles Roles, props map[string]string) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	ports := FreePorts(t, 2*n)
	var voters []string
	for i := range n {
		if roleOf(roles, i) != "broker" {
			voters = append(voters, fmt.Sprintf("%d@127.0.0.1:%d", i+1, ports[2*i+1]))
		}
	}
	for i := range n {
		dir := t.TempDir()
		port, ctrl := ports[2*i], ports[2*i+1]
		base := map[string]string{
			"node.id":                          fmt.Sprint(i + 1),
			"process.roles":                    roleOf(roles, i),
			"controller.quorum.voters":         strings.Join(voters, ","),
			"log.dirs":                         filepath.Join(dir, "data"),
			"spool.metrics.address":            "",
			"offsets.topic.replication.factor": "1",
		}
		switch roleOf(roles, i) {
		case "controller":
			base["listeners"] = fmt.Sprintf("CONTROLLER://127.0.0.1:%d", ctrl)
			base["advertised.listeners"] = fmt.Sprintf("CONTROLLER://127.0.0.1:%d", ctrl)
		case "broker":
			base["listeners"] = fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", port)
			base["advertised.listeners"] = fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", port)
		default:
			base["listeners"] = fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", port, ctrl)
			base["advertised.listeners"] = fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", port)
		}
		maps.Copy(base, props)
		c.Nodes = append(c.Nodes, &Node{t: t, Props: base, Dir: dir})
	}
	c.ClusterID, c.voters = metadata.NewUUID().String(), strings.Join(voters, ",")
	for _, n := range c.Nodes {
		c.format(n)
	}
	c.startAll()
	t.Cleanup(func() {
		for _, n := range c.Nodes {
			n.Stop()
		}
	})
	return c
}

func roleOf(roles Roles, i int) string {
	if i < len(roles) && roles[i] != "" {
		return roles[i]
	}
	return "broker,controller"
}

func (c *Cluster) startAll() {
	c.t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes))
	for i, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = n.tryStart()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			c.t.Fatalf("start node %d: %v", i+1, err)
		}
	}
}

func (n *Node) tryStart() error {
	cfg, _, err := config.Parse(n.Props)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := broker.Start(ctx, cfg, Logger().With("node", n.Props["node.id"]))
	if err != nil {
		return err
	}
	n.Broker = b
	return nil
}

// Node returns the node with node.id id.
func (c *Cluster) Node(id int32) *Node { return c.Nodes[id-1] }

// Running returns the nodes that are running.
func (c *Cluster) Running() []*Node {
	var out []*Node
	for _, n := range c.Nodes {
		if n.Broker != nil {
			out = append(out, n)
		}
	}
	return out
}

// ActiveController waits up to timeout for a running node to be the active
// controller and returns it.
func (c *Cluster) ActiveController(timeout time.Duration) *Node {
	c.t.Helper()
	var active *Node
	CheckFor(c.t, timeout, func() error {
		active = nil
		for _, n := range c.Running() {
			if n.Broker.ActiveController() {
				active = n
				return nil
			}
		}
		return fmt.Errorf("no active controller")
	})
	return active
}

// ID is the node's node.id.
func (n *Node) ID() int32 {
	var id int32
	fmt.Sscan(n.Props["node.id"], &id)
	return id
}

// Kill stops the node abruptly as far as the cluster can tell: no
// controlled shutdown, its heartbeats and Raft traffic just stop. (Its
// logs are still closed cleanly: kill -9 of a process is test/crash's.)
func (n *Node) Kill() { n.Stop() }

// Shutdown stops the node with a controlled shutdown, as SIGTERM does.
func (n *Node) Shutdown() {
	n.t.Helper()
	if n.Broker == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Broker.Shutdown(ctx); err != nil {
		n.t.Errorf("shut down node %d: %v", n.ID(), err)
	}
	n.Broker = nil
}

// Start starts a stopped node again on its directories and ports.
func (n *Node) Start() {
	n.t.Helper()
	if err := n.tryStart(); err != nil {
		n.t.Fatalf("start node %d: %v", n.ID(), err)
	}
}

// Client returns a franz-go client seeded with every running broker.
func (c *Cluster) Client(opts ...kgo.Opt) *kgo.Client {
	c.t.Helper()
	var seeds []string
	for _, n := range c.Running() {
		if a := n.Broker.Addr("PLAINTEXT"); a != nil {
			seeds = append(seeds, a.String())
		}
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(cl.Close)
	return cl
}
