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
		return r.offset, nil
	case <-ctx.Done():
		return -1, fmt.Errorf("propose metadata: %w", ctx.Err())
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
