package cleaner

import (
	"context"
	"math"
	"testing"
	"time"
)

func TestThrottlerPausesAboveTheRate(t *testing.T) {
	now := time.UnixMilli(0)
	tr := newThrottler(1000, func() time.Time { return now })
	var slept []time.Duration
	tr.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	ctx := context.Background()
	// 500 bytes in 100 ms: not measured yet.
	now = now.Add(100 * time.Millisecond)
	_ = tr.wait(ctx, 500)
	// 1500 bytes in 500 ms is 3000/s: pause until 1.5 s have passed.
	now = now.Add(400 * time.Millisecond)
	_ = tr.wait(ctx, 1000)
	if len(slept) != 1 || slept[0] != time.Second {
		t.Fatalf("slept %v, want [1s]", slept)
	}
	// 300 bytes over the next 500 ms (from the end of the pause) is fine.
	now = now.Add(time.Second + 500*time.Millisecond)
	_ = tr.wait(ctx, 300)
	if len(slept) != 1 {
		t.Fatalf("slept again: %v", slept)
	}
}

func TestThrottlerOffByDefault(t *testing.T) {
	tr := newThrottler(math.Inf(1), time.Now)
	tr.sleep = func(context.Context, time.Duration) error { t.Fatal("slept"); return nil }
	for range 1000 {
		_ = tr.wait(context.Background(), 1<<30)
	}
}
