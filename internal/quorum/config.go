package quorum

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config configures a Quorum. Zero durations and counts take the defaults
// documented on each field; WithDefaults fills them in.
type Config struct {
	// NodeID is this node's node.id; it must be one of Voters.
	NodeID int32
	// Dir is the metadata log directory, by Kafka's convention
	// <metadata.log.dir>/__cluster_metadata-0. It is created if missing.
	Dir string
	// ClusterID is the cluster's ID from meta.properties. A directory
	// written under one cluster ID refuses to open under another.
	ClusterID string
	// Voters maps the node id of each controller to its address, from
	// controller.quorum.voters. All voters must have the same map: changing
	// it on an existing cluster is refused at open.
	Voters map[int32]string
	// BindAddr is where this node listens for Raft traffic when there is
	// more than one voter and no Stream; empty means its own address in
	// Voters.
	BindAddr string
	// Stream, if set, carries Raft traffic over connections handed over by
	// a Kafka listener (the controller listener, as in Kafka) instead of a
	// port of Raft's own. A single voter without it talks to no one and
	// uses an in-memory transport.
	Stream *Stream
	// Observer makes this node a non-voting member that follows the log
	// (a broker-only node, process.roles=broker): it formats nothing and
	// waits for the leader to add it (AddObserver) and send it the log.
	// NodeID must then not be one of Voters, and Stream is required.
	Observer bool
	// Logger receives the package's and the Raft library's logs.
	// Default: slog.Default().
	Logger *slog.Logger

	// HeartbeatTimeout is how long a follower waits without hearing from a
	// leader before it stands for election; a restarted single voter elects
	// itself after one to two of these. Default: 100ms with one voter, 1s
	// with more (Kafka's controller.quorum.election.timeout.ms).
	HeartbeatTimeout time.Duration
	// ElectionTimeout is how long a candidate waits for votes. Default: as
	// HeartbeatTimeout.
	ElectionTimeout time.Duration
	// LeaderLeaseTimeout is how long a leader stays without hearing from a
	// majority. Default: half of HeartbeatTimeout.
	LeaderLeaseTimeout time.Duration
	// CommitTimeout bounds how late followers learn of a commit when the
	// leader has nothing else to send. Default: 50ms.
	CommitTimeout time.Duration
	// SnapshotThreshold is the number of log entries after which a snapshot
	// is taken, bounding how much log a restart replays. Default: 1024.
	SnapshotThreshold uint64
	// SnapshotInterval is how often the threshold is checked. Default: 30s.
	SnapshotInterval time.Duration
	// TrailingLogs is how many entries stay in the log after a snapshot, so
	// that a slightly lagging follower catches up without a snapshot.
	// Default: 1024.
	TrailingLogs uint64
}

// WithDefaults returns c with every unset field set to its default.
func (c Config) WithDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = time.Second
		if len(c.Voters) == 1 {
			c.HeartbeatTimeout = 100 * time.Millisecond
		}
	}
	if c.ElectionTimeout == 0 {
		c.ElectionTimeout = c.HeartbeatTimeout
	}
	if c.LeaderLeaseTimeout == 0 {
		c.LeaderLeaseTimeout = c.HeartbeatTimeout / 2
	}
	if c.CommitTimeout == 0 {
		c.CommitTimeout = 50 * time.Millisecond
	}
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = 1024
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = 30 * time.Second
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = 1024
	}
	return c
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	switch {
	case c.NodeID < 0:
		return fmt.Errorf("node id %d is negative", c.NodeID)
	case c.Dir == "":
		return errors.New("no metadata log directory")
	case c.ClusterID == "":
		return errors.New("no cluster id")
	case len(c.Voters) == 0:
		return errors.New("no voters")
	}
	_, voter := c.Voters[c.NodeID]
	switch {
	case c.Observer && voter:
		return fmt.Errorf("node %d is a voter, so it cannot be an observer", c.NodeID)
	case c.Observer && c.Stream == nil:
		return errors.New("an observer needs a stream to receive the log on")
	case !c.Observer && !voter:
		return fmt.Errorf("node %d is not among the voters", c.NodeID)
	}
	for id, addr := range c.Voters {
		if id < 0 || addr == "" {
			return fmt.Errorf("bad voter %d@%q", id, addr)
		}
	}
	if c.LeaderLeaseTimeout > c.HeartbeatTimeout || c.ElectionTimeout < c.HeartbeatTimeout {
		return errors.New("timeouts must satisfy lease <= heartbeat <= election")
	}
	return nil
}
