package quota

import (
	"math"
	"sync"
	"time"
)

// Config is the shape of the measurement window: Samples windows of Window
// each (Kafka's replication.quota.window.num, default 11, and
// replication.quota.window.size.seconds, default 1).
type Config struct {
	Samples int
	Window  time.Duration
}

// DefaultConfig has Kafka's defaults.
func DefaultConfig() Config { return Config{Samples: 11, Window: time.Second} }

func (c *Config) withDefaults() {
	if c.Samples < 1 {
		c.Samples = 11
	}
	if c.Window <= 0 {
		c.Window = time.Second
	}
}

// Unlimited is the bound of a quota nobody set (Kafka's Long.MaxValue).
const Unlimited = math.MaxInt64

// Rate is a byte rate with an upper bound, measured as Kafka measures a
// replication quota: bytes are summed into time samples of Window; samples
// that saw nothing for Samples windows are reset; the rate is the sum of the
// samples over the time since the oldest one started, but never over less
// than one window (SimpleRate). The bound is exceeded when the rate is above
// it. Its methods are safe for concurrent use.
type Rate struct {
	cfg Config

	mu struct {
		sync.Mutex
		bound int64
		// samples is a ring of Samples+1 entries (Kafka keeps one more
		// than it counts, for the sample overlapping the window's start);
		// cur is the one being filled.
		samples []sample
		cur     int
	}
}

type sample struct {
	start, last time.Time
	bytes       float64
	used        bool // created; an unused slot does not count
}

// New returns an unlimited rate with nothing recorded.
func New(cfg Config) *Rate {
	cfg.withDefaults()
	r := &Rate{cfg: cfg}
	r.mu.bound = Unlimited
	r.mu.samples = make([]sample, cfg.Samples+1)
	return r
}

// SetBound sets the bound in bytes per second; Unlimited (or any negative
// value) lifts it.
func (r *Rate) SetBound(bytesPerSecond int64) {
	if bytesPerSecond < 0 {
		bytesPerSecond = Unlimited
	}
	r.mu.Lock()
	r.mu.bound = bytesPerSecond
	r.mu.Unlock()
}

// Bound is the bound in bytes per second (Unlimited when none is set).
func (r *Rate) Bound() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.bound
}

// Record adds n bytes at now, whether or not the bound is exceeded.
func (r *Rate) Record(n int64, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.currentLocked(now)
	if !now.Before(s.start.Add(r.cfg.Window)) {
		r.mu.cur = (r.mu.cur + 1) % len(r.mu.samples)
		s = &r.mu.samples[r.mu.cur]
		*s = sample{start: now, last: now, used: true}
	}
	s.bytes += float64(n)
	s.last = now
}

// currentLocked is the sample being filled, created on first use.
func (r *Rate) currentLocked(now time.Time) *sample {
	s := &r.mu.samples[r.mu.cur]
	if !s.used {
		*s = sample{start: now, last: now, used: true}
	}
	return s
}

// Measure is the rate in bytes per second at now.
func (r *Rate) Measure(now time.Time) float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.measureLocked(now)
}

func (r *Rate) measureLocked(now time.Time) float64 {
	rate, _ := r.measureWindowLocked(now)
	return rate
}

// measureWindowLocked is the rate and the time it is measured over.
func (r *Rate) measureWindowLocked(now time.Time) (float64, time.Duration) {
	expire := time.Duration(r.cfg.Samples) * r.cfg.Window
	var total float64
	oldest := now
	r.currentLocked(now)
	for i := range r.mu.samples {
		s := &r.mu.samples[i]
		if !s.used {
			continue
		}
		if now.Sub(s.last) >= expire {
			*s = sample{start: now, last: now, used: true}
		}
		total += s.bytes
		if s.start.Before(oldest) {
			oldest = s.start
		}
	}
	elapsed := max(now.Sub(oldest), r.cfg.Window)
	return total / elapsed.Seconds(), elapsed
}

// Exceeded reports whether the rate at now is above the bound (Kafka's
// isQuotaExceeded). An unlimited rate is never exceeded.
func (r *Rate) Exceeded(now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mu.bound == Unlimited {
		return false
	}
	return r.measureLocked(now) > float64(r.mu.bound)
}

// Throttled reports whether the rate is bounded at all.
func (r *Rate) Throttled() bool { return r.Bound() != Unlimited }

// Delay estimates how long until the rate falls back to the bound if
// nothing more is recorded, as Kafka's quota managers compute a throttle
// time: (rate - bound) / bound times the time measured over. Zero when the
// bound is not exceeded.
func (r *Rate) Delay(now time.Time) time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mu.bound == Unlimited {
		return 0
	}
	rate, over := r.measureWindowLocked(now)
	bound := float64(r.mu.bound)
	if rate <= bound {
		return 0
	}
	if bound == 0 {
		return time.Duration(r.cfg.Samples) * r.cfg.Window
	}
	return time.Duration((rate - bound) / bound * float64(over))
}
