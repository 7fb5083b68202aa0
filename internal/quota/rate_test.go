package quota

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Unix(1_700_000_000, 0)

func TestUnlimitedIsNeverExceeded(t *testing.T) {
	r := New(DefaultConfig())
	r.Record(1<<40, t0)
	if r.Exceeded(t0) || r.Throttled() || r.Delay(t0) != 0 {
		t.Fatal("an unlimited rate was exceeded")
	}
	if got := r.Measure(t0); got != 1<<40 {
		t.Fatalf("rate %v, want all bytes over one window", got)
	}
}

func TestRateOverAtLeastOneWindow(t *testing.T) {
	r := New(Config{Samples: 11, Window: time.Second})
	r.SetBound(100)
	r.Record(100, t0)
	if got := r.Measure(t0); got != 100 {
		t.Fatalf("rate right after the first record %v, want 100 (one window)", got)
	}
	if r.Exceeded(t0) {
		t.Fatal("100 B/s exceeds a bound of 100")
	}
	r.Record(1, t0.Add(500*time.Millisecond))
	if !r.Exceeded(t0.Add(500 * time.Millisecond)) {
		t.Fatal("101 bytes within a window do not exceed 100 B/s")
	}
	// Two seconds on, the same bytes are spread over two seconds.
	if got := r.Measure(t0.Add(2 * time.Second)); got != 50.5 {
		t.Fatalf("rate %v, want 50.5", got)
	}
}

func TestSamplesRollAndExpire(t *testing.T) {
	r := New(Config{Samples: 3, Window: time.Second})
	for i := range 10 {
		r.Record(300, t0.Add(time.Duration(i)*time.Second))
	}
	// The ring keeps 4 samples (3 counted plus the overlapping one):
	// those started at 6, 7, 8 and 9 s. At 9.5 s the one of 6 s has seen
	// nothing for 3 windows and is dropped: 900 bytes over 2.5 s.
	now := t0.Add(9500 * time.Millisecond)
	if got, want := r.Measure(now), 900/2.5; math.Abs(got-want) > 1e-9 {
		t.Fatalf("rate %v, want %v", got, want)
	}
	// Samples idle for Samples windows are dropped.
	if got := r.Measure(t0.Add(30 * time.Second)); got != 0 {
		t.Fatalf("rate after a long pause %v, want 0", got)
	}
}

func TestBoundChanges(t *testing.T) {
	r := New(DefaultConfig())
	r.Record(1000, t0)
	r.SetBound(10)
	if !r.Exceeded(t0) || !r.Throttled() {
		t.Fatal("1000 B in one window is not above 10 B/s")
	}
	r.SetBound(Unlimited)
	if r.Exceeded(t0) {
		t.Fatal("lifting the bound did not lift the throttle")
	}
	r.SetBound(-1)
	if r.Bound() != Unlimited {
		t.Fatalf("negative bound gave %d", r.Bound())
	}
}

func TestDelayBringsTheRateBackToTheBound(t *testing.T) {
	r := New(Config{Samples: 11, Window: time.Second})
	r.SetBound(1000)
	r.Record(5000, t0)
	now := t0.Add(2 * time.Second)
	d := r.Delay(now)
	if d != 3*time.Second {
		t.Fatalf("delay %v, want 3s (5000 B at 1000 B/s after 2 s)", d)
	}
	if r.Exceeded(now.Add(d)) {
		t.Fatalf("still exceeded after the delay: %v B/s", r.Measure(now.Add(d)))
	}
}

// A consumer of a throttled rate that takes chunk bytes whenever the bound
// is not exceeded (a follower's fetch loop, or a leader answering one) gets
// the bound on average, as long as a chunk is well below what the whole
// window allows (with chunks near bound × samples × window, samples expire
// while the rate is still high and the average overshoots, in Kafka too).
func TestThrottledLoopAveragesTheBound(t *testing.T) {
	for _, tc := range []struct {
		bound, chunk int64
		poll         time.Duration
	}{
		{100_000, 16 << 10, 10 * time.Millisecond},
		{100_000, 256 << 10, 500 * time.Millisecond},
		{5 << 20, 1 << 20, time.Millisecond},
	} {
		r := New(DefaultConfig())
		r.SetBound(tc.bound)
		now, total := t0, int64(0)
		end := t0.Add(120 * time.Second)
		for now.Before(end) {
			if !r.Exceeded(now) {
				r.Record(tc.chunk, now)
				total += tc.chunk
			}
			now = now.Add(tc.poll)
		}
		got := float64(total) / 120
		if got < 0.85*float64(tc.bound) || got > 1.15*float64(tc.bound) {
			t.Errorf("bound %d chunk %d: average %.0f B/s", tc.bound, tc.chunk, got)
		}
	}
}
