package controller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// blockSource hands out blocks of size ids; a test can hold fetches back
// and make them fail.
type blockSource struct {
	mu      sync.Mutex
	next    int64
	size    int32
	fetches int
	fail    error
	gate    chan struct{} // when set, fetches wait for it
}

func (s *blockSource) fetch(ctx context.Context) (int64, int32, error) {
	s.mu.Lock()
	gate := s.gate
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches++
	if s.fail != nil {
		err := s.fail
		s.fail = nil
		return 0, 0, err
	}
	first := s.next
	s.next += int64(s.size)
	return first, s.size, nil
}

func (s *blockSource) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches
}

func checkFor(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAllocatorSequenceAndPrefetch(t *testing.T) {
	src := &blockSource{size: 100}
	a := NewProducerIDAllocator(src.fetch)
	defer a.Close()
	ctx := context.Background()
	for want := range int64(89) {
		if id, err := a.Next(ctx); err != nil || id != want {
			t.Fatalf("Next = %d, %v; want %d", id, err, want)
		}
	}
	if n := src.count(); n != 1 {
		t.Fatalf("%d fetches before the block ran low", n)
	}
	a.Next(ctx) // 89: ten left, the next block is fetched in the background
	checkFor(t, 5*time.Second, func() error {
		if n := src.count(); n != 2 {
			return fmt.Errorf("%d fetches", n)
		}
		return nil
	})
	for want := int64(90); want < 250; want++ {
		if id, err := a.Next(ctx); err != nil || id != want {
			t.Fatalf("Next = %d, %v; want %d", id, err, want)
		}
	}
}

func TestAllocatorConcurrentUnique(t *testing.T) {
	src := &blockSource{size: 10}
	a := NewProducerIDAllocator(src.fetch)
	defer a.Close()
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				id, err := a.Next(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[id] {
					t.Errorf("id %d handed out twice", id)
				}
				seen[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 800 {
		t.Fatalf("%d ids", len(seen))
	}
}

func TestAllocatorFetchFailure(t *testing.T) {
	boom := errors.New("controller unavailable")
	src := &blockSource{size: 5, fail: boom}
	a := NewProducerIDAllocator(src.fetch)
	defer a.Close()
	if _, err := a.Next(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Next with a failing controller: %v", err)
	}
	if id, err := a.Next(context.Background()); err != nil || id != 0 {
		t.Fatalf("Next after the controller recovered: %d, %v", id, err)
	}
}

func TestAllocatorWaitsAndCloses(t *testing.T) {
	src := &blockSource{size: 5, gate: make(chan struct{})}
	a := NewProducerIDAllocator(src.fetch)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := a.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next while the controller is slow: %v", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := a.Next(context.Background())
		done <- err
	}()
	a.Close() // cancels the held fetch and waits for it
	if err := <-done; !errors.Is(err, ErrAllocatorClosed) {
		t.Fatalf("Next across Close: %v", err)
	}
	if _, err := a.Next(context.Background()); !errors.Is(err, ErrAllocatorClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
}
