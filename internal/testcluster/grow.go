package testcluster

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/config"
)

// format formats a node's directories with the cluster's id and its
// node.id, as `spool storage format` does.
func (c *Cluster) format(n *Node) {
	c.t.Helper()
	cfg, _, err := config.Parse(n.Props)
	if err != nil {
		c.t.Fatalf("config: %v", err)
	}
	if err := broker.Format(broker.Dirs(cfg), c.ClusterID, cfg.NodeID, false, time.Now()); err != nil {
		c.t.Fatalf("format node %s: %v", n.Props["node.id"], err)
	}
}

// AddBroker formats and starts one more node, process.roles=broker, with
// the next node.id: it joins the running cluster as Kafka's added brokers
// do (it registers with the active controller and follows the metadata
// log as an observer). props apply on top of the defaults.
func (c *Cluster) AddBroker(props map[string]string) *Node {
	c.t.Helper()
	id := len(c.Nodes) + 1
	dir := c.t.TempDir()
	port := FreePort(c.t)
	p := map[string]string{
		"node.id":                          fmt.Sprint(id),
		"process.roles":                    "broker",
		"controller.quorum.voters":         c.voters,
		"log.dirs":                         filepath.Join(dir, "data"),
		"spool.metrics.address":            "",
		"offsets.topic.replication.factor": "1",
		"listeners":                        fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", port),
		"advertised.listeners":             fmt.Sprintf("PLAINTEXT://127.0.0.1:%d", port),
	}
	maps.Copy(p, props)
	n := &Node{t: c.t, Props: p, Dir: dir}
	c.Nodes = append(c.Nodes, n)
	c.format(n)
	n.Start()
	c.t.Cleanup(n.Stop)
	return n
}

// LoseDisk replaces a stopped node's disks: its log directories (and
// metadata log directory) are removed and formatted again with the
// cluster's id and the same node.id, as an operator does after a disk
// failure. Start it again with Start.
func (c *Cluster) LoseDisk(n *Node) {
	c.t.Helper()
	if n.Broker != nil {
		c.t.Fatalf("node %d is running", n.ID())
	}
	cfg, _, err := config.Parse(n.Props)
	if err != nil {
		c.t.Fatalf("config: %v", err)
	}
	for _, d := range broker.Dirs(cfg) {
		if err := os.RemoveAll(d); err != nil {
			c.t.Fatalf("wipe %s: %v", d, err)
		}
	}
	c.format(n)
}
