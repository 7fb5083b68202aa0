package spoolproc

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/test/faultproxy"
)

// Options shape a Cluster.
type Options struct {
	// Nodes is the number of nodes, all process.roles=broker,controller
	// and all voters. Default 3.
	Nodes int
	// Props are every node's properties over the harness's own (node.id,
	// roles, listeners, voters, log.dirs).
	Props map[string]string
	// Proxy routes every advertised listener and every voter address
	// through a faultproxy.Net (Cluster.Net), so that links can be cut.
	Proxy bool
}

// Cluster is several spool processes forming one cluster on 127.0.0.1.
type Cluster struct {
	Nodes []*Node // Nodes[i] has node.id i+1
	// Net is the proxies every address goes through, with Options.Proxy.
	Net *faultproxy.Net
	// ClusterID is the id every node was formatted with.
	ClusterID string

	t   testing.TB
	dir string
}

// StartCluster formats and starts a cluster with the binary bin and waits
// until every node is registered and unfenced. The processes are killed
// when the test ends; the directory (with every node's server.log) is
// removed unless the test failed, in which case the ends of the logs are
// printed and the directory kept (SPOOL_KEEP_CLUSTER=1 keeps it always).
func StartCluster(t testing.TB, bin string, opts Options) *Cluster {
	t.Helper()
	if opts.Nodes == 0 {
		opts.Nodes = 3
	}
	dir, err := os.MkdirTemp("", "spool-cluster-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, dir: dir, ClusterID: metadata.NewUUID().String()}
	t.Cleanup(c.close)
	if opts.Proxy {
		c.Net = faultproxy.New()
	}
	ports, err := FreePorts(4 * opts.Nodes) // listeners, then proxies
	if err != nil {
		t.Fatal(err)
	}
	// What others dial: the ports themselves or their proxies.
	addr := make([]string, 2*opts.Nodes)
	for i, p := range ports[:2*opts.Nodes] {
		addr[i] = fmt.Sprintf("127.0.0.1:%d", p)
		if c.Net != nil {
			px := c.Net.Listen(i/2+1, fmt.Sprintf("127.0.0.1:%d", ports[2*opts.Nodes+i]), addr[i])
			addr[i] = px.Addr()
		}
	}
	var voters []string
	for i := range opts.Nodes {
		voters = append(voters, fmt.Sprintf("%d@%s", i+1, addr[2*i+1]))
	}
	for i := range opts.Nodes {
		id := i + 1
		n := &Node{ID: id, Dir: fmt.Sprintf("%s/node%d", dir, id), Addr: addr[2*i], t: t, bin: bin}
		if err := os.MkdirAll(n.Dir, 0o755); err != nil {
			t.Fatal(err)
		}
		n.Props = map[string]string{
			"node.id":                   fmt.Sprint(id),
			"process.roles":             "broker,controller",
			"controller.quorum.voters":  strings.Join(voters, ","),
			"controller.listener.names": "CONTROLLER",
			"listeners": fmt.Sprintf("PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d",
				ports[2*i], ports[2*i+1]),
			"advertised.listeners":  "PLAINTEXT://" + n.Addr,
			"log.dirs":              n.DataDir(),
			"spool.metrics.address": "",
		}
		maps.Copy(n.Props, opts.Props)
		if c.Net != nil {
			n.onStart = func(pid int) {
				c.Net.SetPID(id, pid)
				c.Net.Up(id)
			}
			n.onExit = func() { c.Net.Down(id) }
		}
		if err := n.Format(c.ClusterID); err != nil {
			t.Fatal(err)
		}
		c.Nodes = append(c.Nodes, n)
	}
	for _, n := range c.Nodes {
		if err := n.Start(); err != nil {
			t.Fatal(err)
		}
	}
	c.WaitBrokers(opts.Nodes, 60*time.Second)
	return c
}

func (c *Cluster) close() {
	if c.t.Failed() {
		// Goroutine dumps in the logs, for a cluster that got stuck.
		for _, n := range c.Nodes {
			if n.Running() {
				n.note("SIGQUIT node %d (the test failed)", n.ID)
				n.signal(syscall.SIGQUIT)
				n.signal(syscall.SIGCONT)
			}
		}
		for _, n := range c.Nodes {
			n.wait(5 * time.Second)
		}
	}
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.Kill()
		}()
	}
	wg.Wait()
	if c.Net != nil {
		c.Net.Close()
	}
	if c.t.Failed() || os.Getenv("SPOOL_KEEP_CLUSTER") != "" {
		for _, n := range c.Nodes {
			c.t.Logf("---- end of node %d's log (%s) ----\n%s", n.ID, n.LogPath(), n.LogTail(24<<10))
		}
		c.t.Logf("cluster directory kept: %s", c.dir)
		return
	}
	os.RemoveAll(c.dir)
}

// Node returns the node with node.id id.
func (c *Cluster) Node(id int32) *Node { return c.Nodes[id-1] }

// IDs are every node's id.
func (c *Cluster) IDs() []int {
	var ids []int
	for _, n := range c.Nodes {
		ids = append(ids, n.ID)
	}
	return ids
}

// Dir is the cluster's directory (a node directory per node); files the
// test writes there are kept with the nodes' logs when it fails.
func (c *Cluster) Dir() string { return c.dir }

// Bootstrap is every node's advertised address, comma separated.
func (c *Cluster) Bootstrap() string {
	var seeds []string
	for _, n := range c.Nodes {
		seeds = append(seeds, n.Addr)
	}
	return strings.Join(seeds, ",")
}

// Client returns a franz-go client seeded with every node, closed when the
// test ends.
func (c *Cluster) Client(opts ...kgo.Opt) *kgo.Client {
	c.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(c.Bootstrap(), ",")...)}, opts...)...)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(cl.Close)
	return cl
}

// Admin returns an admin client over a new Client.
func (c *Cluster) Admin() *kadm.Client { return kadm.NewClient(c.Client()) }

// Restart starts a node that was killed or terminated.
func (c *Cluster) Restart(n *Node) {
	c.t.Helper()
	if err := n.Start(); err != nil {
		c.t.Fatal(err)
	}
}

// WaitBrokers waits up to d for Metadata to list want unfenced brokers,
// failing the test (with the reason) if it does not.
func (c *Cluster) WaitBrokers(want int, d time.Duration) {
	c.t.Helper()
	adm := kadm.NewClient(c.Client())
	var last string
	if !Eventually(d, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		bs, err := adm.ListBrokers(ctx)
		if err == nil && len(bs) == want {
			return true
		}
		last = fmt.Sprintf("%d brokers (%v)", len(bs), err)
		for _, n := range c.Nodes {
			if n.exitedEarly() {
				last += fmt.Sprintf("; node %d exited: %v", n.ID, n.exitErr())
			}
		}
		return false
	}) {
		c.t.Fatalf("cluster did not list %d brokers within %v: %s", want, d, last)
	}
}

// Eventually polls cond every 50 ms until it holds (true) or d passes
// (false).
func Eventually(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

func (n *Node) exitedEarly() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return true
	default:
		return false
	}
}

func (n *Node) exitErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}
