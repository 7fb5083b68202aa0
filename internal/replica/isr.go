package replica

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/spoolhq/spool/internal/metrics"
	"github.com/spoolhq/spool/internal/partition"
)

// ISRUpdater sends a partition leader's proposed ISR to the active
// controller (AlterPartition, API 56) and returns the partition's state
// after the change. Errors: ErrISRStale (the leader or partition epoch is
// no longer current, or the partition is gone: new metadata will settle
// it), ErrISRRejected (the controller did not apply the change:
// OPERATION_NOT_ATTEMPTED, INELIGIBLE_REPLICA), anything else is retried.
type ISRUpdater interface {
	AlterPartition(ctx context.Context, change partition.ISRChange) (ISRState, error)
}

// ISRState is a partition's state as the controller committed it.
type ISRState struct {
	Leader         int32
	LeaderEpoch    int32
	PartitionEpoch int32
	ISR            []int32
}

// Outcomes of AlterPartition that are not retried.
var (
	ErrISRStale    = errors.New("the ISR change was decided on stale partition state")
	ErrISRRejected = errors.New("the controller did not apply the ISR change")
)

// isrSender is Kafka's AlterPartitionManager: partitions submit proposed
// ISR changes without blocking; one goroutine sends them to the controller
// one at a time (each partition has at most one in flight) and hands the
// answers back to the partitions.
type isrSender struct {
	updater ISRUpdater
	backoff time.Duration
	wake    chan struct{}
	counts  *metrics.Replication // nil: not counted

	mu struct {
		sync.Mutex
		queue []isrRequest
	}
}

type isrRequest struct {
	p      *partition.Partition
	change partition.ISRChange
}

func newISRSender(u ISRUpdater) *isrSender {
	return &isrSender{updater: u, backoff: 100 * time.Millisecond, wake: make(chan struct{}, 1)}
}

// submit queues a change; it never blocks (partition.Options.SubmitISR).
func (s *isrSender) submit(p *partition.Partition, c partition.ISRChange) {
	s.mu.Lock()
	s.mu.queue = append(s.mu.queue, isrRequest{p, c})
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run sends queued changes until ctx ends.
func (s *isrSender) run(ctx context.Context, logf func(msg string, args ...any)) {
	for {
		s.mu.Lock()
		queue := s.mu.queue
		s.mu.queue = nil
		s.mu.Unlock()
		var retry []isrRequest
		for _, r := range queue {
			if !s.send(ctx, r, logf) {
				retry = append(retry, r)
			}
		}
		if len(retry) > 0 {
			s.mu.Lock()
			s.mu.queue = append(retry, s.mu.queue...)
			s.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.backoff):
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
	}
}

// count notes a committed ISR change as Kafka's IsrShrinksPerSec and
// IsrExpandsPerSec do.
func (s *isrSender) count(before, after int) {
	switch {
	case s.counts == nil:
	case after < before:
		s.counts.ISRShrinks.Inc()
	case after > before:
		s.counts.ISRExpands.Inc()
	}
}

// send makes one attempt; false means retry.
func (s *isrSender) send(ctx context.Context, r isrRequest, logf func(msg string, args ...any)) bool {
	// The committed ISR before the change: the metadata may bring the
	// change before the controller's answer does.
	before := len(r.p.Leadership().ISR)
	st, err := s.updater.AlterPartition(ctx, r.change)
	switch {
	case err == nil:
		r.p.CompleteISRChange(r.change, st.LeaderEpoch, st.PartitionEpoch, st.ISR)
		s.count(before, len(st.ISR))
	case errors.Is(err, ErrISRRejected):
		logf("controller rejected the ISR change", "topic", r.change.Topic, "partition", r.change.Partition, "err", err)
		r.p.FailISRChange(r.change, true)
	case errors.Is(err, ErrISRStale):
		logf("ISR change on stale state; waiting for metadata", "topic", r.change.Topic, "partition", r.change.Partition, "err", err)
		r.p.FailISRChange(r.change, false)
	case ctx.Err() != nil:
		return true
	default:
		logf("AlterPartition failed; retrying", "topic", r.change.Topic, "partition", r.change.Partition, "err", err)
		return false
	}
	return true
}
