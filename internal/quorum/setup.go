package quorum

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// clusterIDKey holds the cluster ID in the stable store, so that a log
// directory is never opened under another cluster's ID.
var clusterIDKey = []byte("spool.cluster.id")

func checkClusterID(store *raftboltdb.BoltStore, clusterID string) error {
	stored, err := store.Get(clusterIDKey)
	if err != nil && err.Error() != "not found" {
		return fmt.Errorf("read cluster id: %w", err)
	}
	if len(stored) == 0 {
		if err := store.Set(clusterIDKey, []byte(clusterID)); err != nil {
			return fmt.Errorf("store cluster id: %w", err)
		}
		return nil
	}
	if string(stored) != clusterID {
		return fmt.Errorf("the metadata log belongs to cluster %q, not %q", stored, clusterID)
	}
	return nil
}

// bootstrap formats a new log with the voters as the initial Raft
// configuration. Every voter does the same with the same voters, which
// hashicorp/raft documents as safe.
func bootstrap(rc *raft.Config, store *raftboltdb.BoltStore, snaps raft.SnapshotStore,
	trans raft.Transport, voters map[int32]string) error {
	existing, err := raft.HasExistingState(store, store, snaps)
	if err != nil {
		return fmt.Errorf("inspect log: %w", err)
	}
	if existing {
		return nil
	}
	if err := raft.BootstrapCluster(rc, store, store, snaps, trans, configuration(voters)); err != nil {
		return fmt.Errorf("format metadata log: %w", err)
	}
	return nil
}

func configuration(voters map[int32]string) raft.Configuration {
	var c raft.Configuration
	for _, id := range slices.Sorted(maps.Keys(voters)) {
		c.Servers = append(c.Servers, raft.Server{
			Suffrage: raft.Voter, ID: serverID(id), Address: raft.ServerAddress(voters[id]),
		})
	}
	return c
}

// checkVoters refuses a voter set that differs from the log's: moving the
// group to other voters takes membership changes, which Spool does not do
// yet.
func checkVoters(r *raft.Raft, voters map[int32]string) error {
	f := r.GetConfiguration()
	if err := f.Error(); err != nil {
		return fmt.Errorf("read raft configuration: %w", err)
	}
	have := map[int32]string{}
	for _, s := range f.Configuration().Servers {
		id, err := strconv.ParseInt(string(s.ID), 10, 32)
		if err != nil {
			return fmt.Errorf("unexpected raft server %+v", s)
		}
		if s.Suffrage != raft.Voter {
			continue // an observer (broker-only node) the leader added
		}
		have[int32(id)] = string(s.Address)
	}
	if !maps.Equal(have, voters) {
		return fmt.Errorf("controller.quorum.voters %v differ from the metadata log's voters %v", voters, have)
	}
	return nil
}

// lastCommandIndex returns the index of the last metadata entry in the log,
// past the latest snapshot, or 0 if there is none: replaying up to it makes
// the image as new as the log on disk. Raft's own entries (no-ops and
// configurations) change no image, so they are skipped.
func lastCommandIndex(store *raftboltdb.BoltStore, snaps raft.SnapshotStore) (uint64, error) {
	first, err := store.FirstIndex()
	if err != nil {
		return 0, fmt.Errorf("read first index: %w", err)
	}
	last, err := store.LastIndex()
	if err != nil {
		return 0, fmt.Errorf("read last index: %w", err)
	}
	metas, err := snaps.List()
	if err != nil {
		return 0, fmt.Errorf("list snapshots: %w", err)
	}
	if len(metas) > 0 && metas[0].Index+1 > first {
		first = metas[0].Index + 1
	}
	for i := last; i >= first && i > 0; i-- {
		var l raft.Log
		if err := store.GetLog(i, &l); err != nil {
			if errors.Is(err, raft.ErrLogNotFound) {
				continue
			}
			return 0, fmt.Errorf("read log entry %d: %w", i, err)
		}
		if l.Type == raft.LogCommand {
			return i, nil
		}
	}
	return 0, nil
}

// newTransport picks how Raft messages travel. With a Stream, Raft's own
// protocol runs over connections the controller listener hands over (the
// broker wires this for every multi-voter quorum). Without one, a single
// voter talks to no one, so it gets an in-memory transport and binds no
// port; more voters listen on their own addresses (used by this package's
// tests).
func newTransport(cfg Config, hlog hclog.Logger) (raft.Transport, error) {
	if cfg.Stream != nil {
		return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
			Stream: cfg.Stream, MaxPool: 3, Timeout: 10 * time.Second, Logger: hlog,
		}), nil
	}
	self := cfg.Voters[cfg.NodeID]
	if len(cfg.Voters) == 1 {
		_, t := raft.NewInmemTransport(raft.ServerAddress(self))
		return t, nil
	}
	advertise, err := net.ResolveTCPAddr("tcp", self)
	if err != nil {
		return nil, fmt.Errorf("resolve voter address %s: %w", self, err)
	}
	bind := cfg.BindAddr
	if bind == "" {
		bind = self
	}
	t, err := raft.NewTCPTransportWithLogger(bind, advertise, 3, 10*time.Second, hlog)
	if err != nil {
		return nil, fmt.Errorf("listen for raft on %s: %w", bind, err)
	}
	return t, nil
}
