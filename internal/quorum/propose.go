package quorum

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/spoolhq/spool/internal/metadata"
)

// Propose appends records to the log as one batch and returns its offset
// once it is committed and applied to the image, and every subscriber has
// seen it. Only the leader accepts proposals. If ctx ends first, Propose
// returns its error, and the records may still be applied later.
func (q *Quorum) Propose(ctx context.Context, records []metadata.Record) (int64, error) {
	return q.propose(ctx, entry{records: records})
}

// ProposeAt is Propose for records decided on the image at offset base: it
// fails with ErrStale, applying nothing, if the image has moved past base
// by the time the records would apply. This makes a decision and its effect
// atomic even across leader changes.
func (q *Quorum) ProposeAt(ctx context.Context, base int64, records []metadata.Record) (int64, error) {
	return q.propose(ctx, entry{conditional: true, base: base, records: records})
}

func (q *Quorum) propose(ctx context.Context, e entry) (int64, error) {
	data, err := encodeEntry(e)
	if err != nil {
		return -1, err
	}
	if !q.enter() {
		return -1, ErrClosed
	}
	f := q.raft.Apply(data, enqueueTimeout(ctx))
	done := make(chan applyResult, 1)
	// ApplyFuture has no channel to select on; this goroutine waits for it.
	// Raft resolves every future by Shutdown at the latest, and Close waits
	// for the goroutine.
	go func() {
		defer q.wg.Done()
		if err := f.Error(); err != nil {
			done <- applyResult{err: raftError(err)}
			return
		}
		done <- f.Response().(applyResult)
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return -1, fmt.Errorf("propose metadata: %w", r.err)
		}
		q.spreadCommit(ctx)
		return r.offset, nil
	case <-ctx.Done():
		return -1, fmt.Errorf("propose metadata: %w", ctx.Err())
	}
}

// spreadCommit makes the other nodes learn that a proposal committed before
// its proposer is answered. Raft tells followers the commit index only with
// the next append, which on an idle log comes after CommitTimeout (50-100
// ms): a client that created a topic through one broker and then asked
// another about it would be told it does not exist. A barrier is such an
// append; once a majority has it, they have learned of the commit and
// applied it or are applying it, and the others got it in the same round.
// It costs one round trip, and only when there is anyone to tell.
func (q *Quorum) spreadCommit(ctx context.Context) {
	if !q.networked || !q.enter() {
		return
	}
	f := q.raft.Barrier(enqueueTimeout(ctx))
	done := make(chan struct{})
	go func() {
		defer q.wg.Done()
		// An error (leadership lost, shutdown) only means followers learn
		// of the commit the usual way.
		_ = f.Error()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// enter registers a proposal's waiter with the wait group unless the quorum
// is closing, so that Close's Wait never races with Add.
func (q *Quorum) enter() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.mu.closed {
		return false
	}
	q.wg.Add(1)
	return true
}

func enqueueTimeout(ctx context.Context) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0 // wait as long as it takes
	}
	return max(time.Until(deadline), time.Millisecond)
}

func raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipLost),
		errors.Is(err, raft.ErrLeadershipTransferInProgress), errors.Is(err, raft.ErrAbortedByRestore):
		return fmt.Errorf("%w: %v", ErrNotLeader, err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return ErrClosed
	case errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
	}
	return err
}
