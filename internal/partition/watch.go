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

// Watch wakes w whenever the high watermark moves (what a consumer can
// read, an acks=all produce waits for), and on leadership changes, until
// Unwatch.
func (p *Partition) Watch(w *Waiter) { p.hwWatchers.add(w) }

// Unwatch stops waking w for the high watermark.
func (p *Partition) Unwatch(w *Waiter) { p.hwWatchers.remove(w) }

// WatchLogEnd wakes w on every append (what a follower can read), and on
// leadership changes, until UnwatchLogEnd.
func (p *Partition) WatchLogEnd(w *Waiter) { p.endWatchers.add(w) }

// UnwatchLogEnd stops waking w for appends.
func (p *Partition) UnwatchLogEnd(w *Waiter) { p.endWatchers.remove(w) }

func (s *watcherSet) add(w *Waiter) {
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

func (s *watcherSet) remove(w *Waiter) {
	s.mu.Lock()
	if _, ok := s.set[w]; ok {
		delete(s.set, w)
		s.count.Add(-1)
	}
	s.mu.Unlock()
}

// Notify wakes every waiter of the partition, for changes other than
// appends (the partition being deleted or its leadership changing).
func (p *Partition) Notify() {
	p.hwWatchers.notify()
	p.endWatchers.notify()
}

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

// WaitCommitted blocks until the record at offset is committed (see
// Committed), the partition stops being led here, or ctx ends.
func (p *Partition) WaitCommitted(ctx context.Context, offset int64) error {
	if done, err := p.Committed(offset); done || err != nil {
		return err
	}
	w := NewWaiter()
	p.Watch(w)
	defer p.Unwatch(w)
	for {
		if done, err := p.Committed(offset); done || err != nil {
			return err
		}
		select {
		case <-w.C():
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
