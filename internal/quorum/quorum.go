package quorum

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"

	"github.com/spoolhq/spool/internal/metadata"
)

// Errors of the quorum.
var (
	// ErrNotLeader means this node cannot accept proposals: it is not the
	// leader, or lost leadership before the proposal committed (in which
	// case the proposal may still commit later under a new leader).
	ErrNotLeader = errors.New("not the metadata quorum leader")
	// ErrStale means a conditional proposal's records were decided on an
	// image older than the one they would apply to; nothing was applied.
	ErrStale = errors.New("metadata image changed since the proposal was decided")
	// ErrRejected means the records did not fit the image on replay and
	// were skipped on every node.
	ErrRejected = errors.New("metadata records rejected on replay")
	// ErrClosed means the quorum is closed.
	ErrClosed = errors.New("metadata quorum closed")
)

// Quorum is this node's member of the metadata Raft group: its log, its
// replayed image and, when it leads, the door for proposals.
type Quorum struct {
	cfg   Config
	log   *slog.Logger
	fsm   *fsm
	store *raftboltdb.BoltStore
	trans raft.Transport
	raft  *raft.Raft

	notify       chan bool             // our own leadership changes, from Raft
	observations chan raft.Observation // anyone's leadership changes
	observer     *raft.Observer
	networked    bool          // other nodes share the log (not the one-node in-memory transport)
	readyTarget  uint64        // last command in the log at open
	ready        chan struct{} // closed once the log is replayed
	active       atomic.Bool   // leading with everything committed applied
	stop         chan struct{}
	wg           sync.WaitGroup

	mu struct {
		sync.Mutex
		closed bool
	}
	closeOnce sync.Once
	closeErr  error
}

// Open opens, and on first start formats, the metadata log in cfg.Dir and
// joins the Raft group. It returns before the log is replayed: use
// WaitReady for that.
func Open(cfg Config) (_ *Quorum, err error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open quorum: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("open quorum: %w", err)
	}
	q := &Quorum{
		cfg:          cfg,
		log:          cfg.Logger.With("component", "quorum"),
		notify:       make(chan bool, 16),
		observations: make(chan raft.Observation, 16),
		ready:        make(chan struct{}),
		stop:         make(chan struct{}),
	}
	q.fsm = newFSM(cfg.ClusterID, q.log)
	defer func() {
		if err != nil {
			q.release()
			err = fmt.Errorf("open quorum in %s: %w", cfg.Dir, err)
		}
	}()
	if err := q.openRaft(); err != nil {
		return nil, err
	}
	q.observer = raft.NewObserver(q.observations, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	q.raft.RegisterObserver(q.observer)
	q.wg.Add(1)
	go q.watch()
	return q, nil
}

func (q *Quorum) openRaft() error {
	hlog := newHCLogAdapter(q.log)
	store, err := raftboltdb.New(raftboltdb.Options{
		Path: filepath.Join(q.cfg.Dir, "raft.db"),
		// Without a timeout a second process on the same directory would
		// wait for the file lock forever.
		BoltOptions: &bbolt.Options{Timeout: time.Second},
	})
	if err != nil {
		return fmt.Errorf("open log store: %w", err)
	}
	q.store = store
	if err := checkClusterID(store, q.cfg.ClusterID); err != nil {
		return err
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(q.cfg.Dir, 2, hlog)
	if err != nil {
		return fmt.Errorf("open snapshot store: %w", err)
	}
	if q.trans, err = newTransport(q.cfg, hlog); err != nil {
		return err
	}
	_, inMemory := q.trans.(*raft.InmemTransport)
	q.networked = !inMemory
	rc := q.raftConfig(hlog)
	if !q.cfg.Observer {
		if err := bootstrap(rc, store, snaps, q.trans, q.cfg.Voters); err != nil {
			return err
		}
	}
	if q.readyTarget, err = lastCommandIndex(store, snaps); err != nil {
		return err
	}
	if q.raft, err = raft.NewRaft(rc, q.fsm, store, store, snaps, q.trans); err != nil {
		return fmt.Errorf("start raft: %w", err)
	}
	if q.cfg.Observer {
		return nil
	}
	return checkVoters(q.raft, q.cfg.Voters)
}

func (q *Quorum) raftConfig(hlog *hclogAdapter) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = serverID(q.cfg.NodeID)
	rc.HeartbeatTimeout = q.cfg.HeartbeatTimeout
	rc.ElectionTimeout = q.cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = q.cfg.LeaderLeaseTimeout
	rc.CommitTimeout = q.cfg.CommitTimeout
	rc.SnapshotThreshold = q.cfg.SnapshotThreshold
	rc.SnapshotInterval = q.cfg.SnapshotInterval
	rc.TrailingLogs = q.cfg.TrailingLogs
	rc.NotifyCh = q.notify
	rc.Logger = hlog
	return rc
}

func serverID(nodeID int32) raft.ServerID { return raft.ServerID(strconv.Itoa(int(nodeID))) }

// Image returns the current metadata image.
func (q *Quorum) Image() *metadata.Image { return q.fsm.image.Load() }

// Subscribe calls l with every change of the image, in log order, on the
// goroutine that applies the log; the first call, made before Subscribe
// returns, presents the whole current image as a change from the empty one.
// Calls never overlap. l must not wait for a Propose to return (the
// proposal waits for l) nor call cancel. cancel stops further calls.
func (q *Quorum) Subscribe(l Listener) (cancel func()) { return q.fsm.subscribe(l) }

// WaitReady waits until the log that was on disk at Open has been replayed
// into the image and a leader is known.
func (q *Quorum) WaitReady(ctx context.Context) error {
	select {
	case <-q.ready:
		return nil
	default:
	}
	select {
	case <-q.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for metadata log replay: %w", ctx.Err())
	case <-q.stop:
		return ErrClosed
	}
}

// IsLeader reports whether this node leads the quorum and has applied
// everything committed before its term, so that decisions made on Image()
// are current.
func (q *Quorum) IsLeader() bool {
	return q.active.Load() && q.raft.State() == raft.Leader
}

// LeaderID returns the node id of the current leader, if one is known.
func (q *Quorum) LeaderID() (int32, bool) {
	_, id := q.raft.LeaderWithID()
	if id == "" {
		return -1, false
	}
	n, err := strconv.ParseInt(string(id), 10, 32)
	if err != nil {
		return -1, false
	}
	return int32(n), true
}

// Snapshot writes a snapshot of the image now and truncates the log behind
// it, instead of waiting for SnapshotThreshold.
func (q *Quorum) Snapshot() error {
	err := q.raft.Snapshot().Error()
	if err != nil && !errors.Is(err, raft.ErrNothingNewToSnapshot) {
		return fmt.Errorf("snapshot metadata: %w", err)
	}
	return nil
}

// Close leaves the group and closes the log. Pending proposals fail with
// ErrClosed.
func (q *Quorum) Close() error {
	q.closeOnce.Do(func() {
		q.mu.Lock()
		q.mu.closed = true
		q.mu.Unlock()
		close(q.stop)
		q.closeErr = q.release()
	})
	return q.closeErr
}

// release stops Raft, waits for this package's goroutines and closes the
// stores. Open calls it to clean up after a failure, too.
func (q *Quorum) release() error {
	var errs []error
	if q.raft != nil {
		if q.observer != nil {
			q.raft.DeregisterObserver(q.observer)
		}
		if err := q.raft.Shutdown().Error(); err != nil {
			errs = append(errs, fmt.Errorf("shut down raft: %w", err))
		}
	}
	q.wg.Wait()
	if c, ok := q.trans.(io.Closer); ok {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close transport: %w", err))
		}
	}
	if q.store != nil {
		if err := q.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close log store: %w", err))
		}
	}
	return errors.Join(errs...)
}

// AddObserver makes node id, reachable for Raft at addr, a non-voting
// member that receives the log. Only the leader can; adding a member that
// is already there at the same address does nothing.
func (q *Quorum) AddObserver(ctx context.Context, id int32, addr string) error {
	if _, voter := q.cfg.Voters[id]; voter {
		return nil
	}
	f := q.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return fmt.Errorf("read raft configuration: %w", err)
	}
	for _, s := range f.Configuration().Servers {
		if s.ID == serverID(id) && string(s.Address) == addr {
			return nil
		}
	}
	err := q.raft.AddNonvoter(serverID(id), raft.ServerAddress(addr), 0, enqueueTimeout(ctx)).Error()
	if err != nil {
		return fmt.Errorf("add observer %d at %s: %w", id, addr, raftError(err))
	}
	q.log.Info("added metadata observer", "node_id", id, "addr", addr)
	return nil
}

// Voters returns the voters' node ids and controller addresses.
func (q *Quorum) Voters() map[int32]string { return q.cfg.Voters }

// NodeID returns this node's id.
func (q *Quorum) NodeID() int32 { return q.cfg.NodeID }

// State is the quorum as this node sees it, for DescribeQuorum.
type State struct {
	LeaderID    int32 // -1 if unknown
	Term        uint64
	CommitIndex uint64
	LastIndex   uint64
	Voters      []int32
	Observers   []int32
}

// State returns the quorum's current state as this node knows it.
func (q *Quorum) State() State {
	s := State{LeaderID: -1}
	if id, ok := q.LeaderID(); ok {
		s.LeaderID = id
	}
	stats := q.raft.Stats()
	s.Term, _ = strconv.ParseUint(stats["term"], 10, 64)
	s.CommitIndex, _ = strconv.ParseUint(stats["commit_index"], 10, 64)
	s.LastIndex = q.raft.LastIndex()
	if f := q.raft.GetConfiguration(); f.Error() == nil {
		for _, srv := range f.Configuration().Servers {
			id, err := strconv.ParseInt(string(srv.ID), 10, 32)
			if err != nil {
				continue
			}
			if srv.Suffrage == raft.Voter {
				s.Voters = append(s.Voters, int32(id))
			} else {
				s.Observers = append(s.Observers, int32(id))
			}
		}
	}
	return s
}
