package quorum

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"

	"github.com/spoolhq/spool/internal/metadata"
)

// Listener is told of every change of the image, in log order: prev and next
// are consecutive images and d what changed between them.
type Listener func(prev, next *metadata.Image, d *metadata.Delta)

// applyResult is what the FSM hands back to the proposer of an entry.
type applyResult struct {
	offset int64
	err    error
}

// fsm replays committed entries into images. hashicorp/raft calls Apply,
// Snapshot and Restore from one goroutine, so changes never race; readers
// load the current image through an atomic pointer.
type fsm struct {
	clusterID string
	log       *slog.Logger
	image     atomic.Pointer[metadata.Image]
	// lastCommand is the log index of the last entry Apply saw, applied or
	// not; readiness waits on it.
	lastCommand atomic.Uint64
	// changed is closed and replaced whenever lastCommand moves.
	changedMu sync.Mutex
	changed   chan struct{}

	// mu orders publication: listeners are called, and the new image
	// installed, under it, so a new listener never misses or repeats one.
	mu struct {
		sync.Mutex
		listeners map[int]Listener
		nextID    int
	}
}

func newFSM(clusterID string, log *slog.Logger) *fsm {
	f := &fsm{clusterID: clusterID, log: log, changed: make(chan struct{})}
	f.image.Store(metadata.NewImage(clusterID))
	f.mu.listeners = map[int]Listener{}
	return f
}

// Apply replays one committed entry. An entry that does not decode or does
// not fit the image is skipped, identically on every node since replay is
// deterministic, and its proposer gets the error.
func (f *fsm) Apply(l *raft.Log) any {
	defer f.noteCommand(l.Index)
	e, err := decodeEntry(l.Data)
	if err != nil {
		f.log.Error("skipping undecodable metadata entry", "offset", l.Index, "err", err)
		return applyResult{err: fmt.Errorf("%w: %v", ErrRejected, err)}
	}
	cur := f.image.Load()
	if e.conditional && e.base != cur.Offset() {
		return applyResult{err: ErrStale}
	}
	next, d, err := cur.ApplyAt(int64(l.Index), int32(l.Term), e.records)
	if err != nil {
		f.log.Error("skipping metadata entry that does not fit the image", "offset", l.Index, "err", err)
		return applyResult{err: fmt.Errorf("%w: %v", ErrRejected, err)}
	}
	f.publish(cur, next, d)
	return applyResult{offset: int64(l.Index)}
}

func (f *fsm) noteCommand(index uint64) {
	f.lastCommand.Store(index)
	f.changedMu.Lock()
	close(f.changed)
	f.changed = make(chan struct{})
	f.changedMu.Unlock()
}

// commandSignal returns a channel closed when the next command is seen.
func (f *fsm) commandSignal() <-chan struct{} {
	f.changedMu.Lock()
	defer f.changedMu.Unlock()
	return f.changed
}

// publish tells the listeners first and installs the image after, so that
// by the time Image() shows a change every listener (the broker creating
// partition logs, say) has acted on it.
func (f *fsm) publish(prev, next *metadata.Image, d *metadata.Delta) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.mu.listeners {
		l(prev, next, d)
	}
	f.image.Store(next)
}

// subscribe adds l and at once tells it the whole current image as a change
// from the empty one.
func (f *fsm) subscribe(l Listener) (cancel func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.image.Load()
	empty := metadata.NewImage(f.clusterID)
	l(empty, cur, metadata.Diff(empty, cur))
	id := f.mu.nextID
	f.mu.nextID++
	f.mu.listeners[id] = l
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.mu.listeners, id)
	}
}

// Snapshot only captures the image pointer: images are immutable, so
// Persist can encode it while Apply goes on.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	return &fsmSnapshot{image: f.image.Load()}, nil
}

// Restore replaces the image with a snapshot's, telling listeners what
// differs.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	img, err := metadata.DecodeSnapshot(rc)
	if err != nil {
		return fmt.Errorf("restore metadata snapshot: %w", err)
	}
	if img.ClusterID() != f.clusterID {
		return fmt.Errorf("restore metadata snapshot: cluster id %q, want %q", img.ClusterID(), f.clusterID)
	}
	cur := f.image.Load()
	f.publish(cur, img, metadata.Diff(cur, img))
	if img.Offset() > 0 {
		f.noteCommand(uint64(img.Offset()))
	}
	return nil
}

type fsmSnapshot struct {
	image *metadata.Image
}

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	if err := metadata.EncodeSnapshot(sink, s.image); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() {}
