package cleaner

import (
	"context"
	"math"
	"sync"
	"time"
)

// throttler holds the cleaner threads together to
// log.cleaner.io.max.bytes.per.second, as Kafka's Throttler does: bytes
// read and written are counted, and every throttleCheck the rate so far
// is compared with the limit; a thread that finds it above sleeps until
// the average is back at the limit.
type throttler struct {
	rate  float64 // bytes per second; 0 means no limit
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu struct {
		sync.Mutex
		start    time.Time
		observed float64
	}
}

// throttleCheck is how often the rate is measured.
const throttleCheck = 300 * time.Millisecond

func newThrottler(rate float64, now func() time.Time) *throttler {
	if rate <= 0 || math.IsInf(rate, 1) || math.IsNaN(rate) {
		rate = 0
	}
	t := &throttler{rate: rate, now: now, sleep: sleepCtx}
	t.mu.start = now()
	return t
}

// wait accounts for n bytes and sleeps if the rate is over the limit.
func (t *throttler) wait(ctx context.Context, n int) error {
	if t.rate == 0 {
		return nil
	}
	pause := t.account(n)
	if pause <= 0 {
		return nil
	}
	return t.sleep(ctx, pause)
}

// account adds n bytes and returns how long to pause.
func (t *throttler) account(n int) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mu.observed += float64(n)
	now := t.now()
	elapsed := now.Sub(t.mu.start)
	if elapsed < throttleCheck {
		return 0
	}
	var pause time.Duration
	if t.mu.observed/elapsed.Seconds() > t.rate {
		pause = time.Duration(t.mu.observed/t.rate*float64(time.Second)) - elapsed
	}
	t.mu.start, t.mu.observed = now.Add(pause), 0
	return pause
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
