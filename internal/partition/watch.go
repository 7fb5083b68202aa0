package partition

import (
	"context"
	"sync"
	"sync/atomic"
)

// Waiter is woken when any partition it watches gets new data. A fetch
// that must wait for min_bytes watches every partition it reads.
type Waiter struct {
	ch chan struct{}
}

// NewWaiter returns a waiter with nothing pending.
func NewWaiter() *Waiter { return &Waiter{ch: make(chan struct{}, 1)} }

// C delivers a value after one or more notifications.
func (w *Waiter) C() <-chan struct{} { return w.ch }

func (w *Waiter) notify() {
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// watcherSet is the waiters of one partition. count lets appends skip the
// lock when nobody waits, the common case for a busy producer.
type watcherSet struct {
	count atomic.Int32
	mu    sync.Mutex
	set   map[*Waiter]struct{}
}

// Watch wakes w on every append until Unwatch.
func (p *Partition) Watch(w *Waiter) {
	s := &p.watchers
	s.mu.Lock()
	if s.set == nil {
		s.set = make(map[*Waiter]struct{})
	}
	if _, ok := s.set[w]; !ok {
		s.set[w] = struct{}{}
		s.count.Add(1)
	}
	s.mu.Unlock()
}

// Unwatch stops waking w.
func (p *Partition) Unwatch(w *Waiter) {
	s := &p.watchers
	s.mu.Lock()
	if _, ok := s.set[w]; ok {
		delete(s.set, w)
		s.count.Add(-1)
	}
	s.mu.Unlock()
}

// Notify wakes the partition's waiters, for changes other than appends
// (the partition being deleted or losing leadership).
func (p *Partition) Notify() { p.watchers.notify() }

func (s *watcherSet) notify() {
	if s.count.Load() == 0 {
		return
	}
	s.mu.Lock()
	for w := range s.set {
		w.notify()
	}
	s.mu.Unlock()
}

// WaitCommitted blocks until the high watermark passes offset (the record
// at offset is committed), the partition stops being led here, or ctx ends.
func (p *Partition) WaitCommitted(ctx context.Context, offset int64) error {
	if p.HighWatermark() > offset {
		return nil
	}
	w := NewWaiter()
	p.Watch(w)
	defer p.Unwatch(w)
	for p.HighWatermark() <= offset {
		if !p.IsLeader() {
			return ErrNotLeader
		}
		select {
		case <-w.C():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
