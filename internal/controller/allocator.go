package controller

import (
	"context"
	"errors"
	"sync"
)

// ErrAllocatorClosed is returned by a closed ProducerIDAllocator.
var ErrAllocatorClosed = errors.New("producer id allocator closed")

// FetchProducerIDs obtains a block of producer IDs from the controller, such
// as Controller.AllocateProducerIDs bound to the broker's id and epoch.
type FetchProducerIDs func(ctx context.Context) (first int64, count int32, err error)

// ProducerIDAllocator hands out producer IDs one at a time on a broker. It
// takes them from blocks obtained from the controller and asks for the next
// block when nine tenths of the current one are used, as Kafka's broker
// does, so InitProducerId rarely waits for the controller.
type ProducerIDAllocator struct {
	fetch FetchProducerIDs
	// ctx bounds fetches, which outlive the Next call that started them;
	// Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		next, end int64     // the current block is [next, end)
		size      int64     // size of the current block
		pending   *prefetch // a fetch started and not yet taken
	}
}

type prefetch struct {
	done  chan struct{} // closed when the fields below are set
	first int64
	count int32
	err   error
}

// NewProducerIDAllocator returns an allocator that gets blocks from fetch.
func NewProducerIDAllocator(fetch FetchProducerIDs) *ProducerIDAllocator {
	a := &ProducerIDAllocator{fetch: fetch}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a
}

// Next returns a producer ID never handed out before in the cluster. It
// waits for the controller only when the current block is used up before
// the next one arrived.
func (a *ProducerIDAllocator) Next(ctx context.Context) (int64, error) {
	for {
		a.mu.Lock()
		if id, ok := a.takeLocked(); ok {
			a.mu.Unlock()
			return id, nil
		}
		p, err := a.installLocked()
		a.mu.Unlock()
		if err != nil {
			return -1, err
		}
		if p == nil {
			continue // a block was installed
		}
		select {
		case <-p.done:
		case <-ctx.Done():
			return -1, ctx.Err()
		case <-a.ctx.Done():
			return -1, ErrAllocatorClosed
		}
	}
}

// takeLocked hands out the next ID of the current block, prefetching when
// the block runs low.
func (a *ProducerIDAllocator) takeLocked() (int64, bool) {
	if a.mu.next >= a.mu.end {
		return 0, false
	}
	id := a.mu.next
	a.mu.next++
	if a.mu.pending == nil && a.mu.end-a.mu.next <= a.mu.size/10 {
		a.startLocked()
	}
	return id, true
}

// installLocked makes a finished fetch the current block. If none has
// finished it returns the fetch to wait for, starting one if needed. A
// failed fetch is reported once and retried by the next call.
func (a *ProducerIDAllocator) installLocked() (*prefetch, error) {
	if a.ctx.Err() != nil {
		return nil, ErrAllocatorClosed
	}
	p := a.mu.pending
	if p == nil {
		a.startLocked()
		return a.mu.pending, nil
	}
	select {
	case <-p.done:
	default:
		return p, nil
	}
	a.mu.pending = nil
	if p.err != nil {
		return nil, p.err
	}
	a.mu.next, a.mu.end, a.mu.size = p.first, p.first+int64(p.count), int64(p.count)
	return nil, nil
}

func (a *ProducerIDAllocator) startLocked() {
	if a.ctx.Err() != nil {
		return // closed: Close may be waiting already
	}
	p := &prefetch{done: make(chan struct{})}
	a.mu.pending = p
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(p.done)
		p.first, p.count, p.err = a.fetch(a.ctx)
		if p.err == nil && p.count <= 0 {
			p.err = errors.New("controller handed out an empty producer id block")
		}
	}()
}

// Close stops any fetch in flight and waits for it. Next fails afterwards.
func (a *ProducerIDAllocator) Close() {
	// Cancelling under the lock orders every startLocked's wg.Add before
	// the Wait below.
	a.mu.Lock()
	a.cancel()
	a.mu.Unlock()
	a.wg.Wait()
}
