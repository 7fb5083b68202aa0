// Package history records what producers were told while a cluster was
// being hurt, reads back what the cluster stored, and checks the two
// against each other: no acknowledged record lost, none stored twice,
// every partition's offsets contiguous and each producer's order kept, and
// the whole history linearizable as a set of append-only logs (porcupine,
// see model.go).
package history

import (
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"
)

// Produce is one record a producer tried to write: sent at Call, answered
// at Return (nanoseconds since the Recorder started).
type Produce struct {
	Partition int32
	Value     string
	Seq       int64 // the producer's send order across all its records
	Call      int64
	Return    int64 // 0 while unanswered
	Offset    int64 // where the ack said it is; -1 if not acknowledged
	Err       error // why it was not acknowledged
}

// Acked reports whether the broker acknowledged the record.
func (p *Produce) Acked() bool { return p.Return != 0 && p.Err == nil }

// Recorder collects Produces from concurrent callbacks.
type Recorder struct {
	start time.Time
	mu    struct {
		sync.Mutex
		ops   []*Produce
		acked int
	}
}

// NewRecorder starts a history at now.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

func (r *Recorder) since(t time.Time) int64 { return int64(t.Sub(r.start)) + 1 }

// Call records that value is being sent to partition and returns the
// Produce to pass to Return.
func (r *Recorder) Call(partition int32, value string) *Produce {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := &Produce{Partition: partition, Value: value, Seq: int64(len(r.mu.ops)), Call: r.since(time.Now()), Offset: -1}
	r.mu.ops = append(r.mu.ops, p)
	return p
}

// Return records the answer for p: its offset, or the error.
func (r *Recorder) Return(p *Produce, offset int64, err error) {
	now := r.since(time.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	p.Return, p.Err = now, err
	if err == nil {
		p.Offset = offset
		r.mu.acked++
	}
}

// Acked is the number of acknowledged records so far.
func (r *Recorder) Acked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.acked
}

// Ops returns a copy of the history so far.
func (r *Recorder) Ops() []Produce {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Produce, len(r.mu.ops))
	for i, p := range r.mu.ops {
		out[i] = *p
	}
	return out
}

// FirstAckAfter returns, for each of partitions, how long after t the
// first record acknowledged after t was acknowledged, and the longest of
// these; ok is false if some partition has none.
func (r *Recorder) FirstAckAfter(t time.Time, partitions []int32) (longest time.Duration, ok bool) {
	from := r.since(t)
	first := map[int32]int64{}
	r.mu.Lock()
	for _, p := range r.mu.ops {
		if p.Return > from && p.Err == nil && (first[p.Partition] == 0 || p.Return < first[p.Partition]) {
			first[p.Partition] = p.Return
		}
	}
	r.mu.Unlock()
	for _, p := range partitions {
		if first[p] == 0 {
			return 0, false
		}
		longest = max(longest, time.Duration(first[p]-from))
	}
	return longest, true
}

// LongestGap returns the longest time, between from and to, that some
// partition of partitions went without an acknowledgement.
func (r *Recorder) LongestGap(from, to time.Time, partitions []int32) time.Duration {
	lo, hi := r.since(from), r.since(to)
	acks := map[int32][]int64{}
	r.mu.Lock()
	for _, p := range r.mu.ops {
		if p.Err == nil && p.Return > lo && p.Return < hi {
			acks[p.Partition] = append(acks[p.Partition], p.Return)
		}
	}
	r.mu.Unlock()
	var longest int64
	for _, part := range partitions {
		ts := append(acks[part], lo, hi)
		slices.Sort(ts)
		for i := 1; i < len(ts); i++ {
			longest = max(longest, ts[i]-ts[i-1])
		}
	}
	return time.Duration(longest)
}

// Stored is one record read back: where it is and its value.
type Stored struct {
	Partition int32
	Offset    int64
	Value     string
}

// Summary counts what a Check saw.
type Summary struct {
	Sent, Acked, Failed, Unanswered int
	Stored                          int
	StoredUnacked                   int // written though the producer was not told so (allowed)
	Errors                          map[string]int
}

func (s Summary) String() string {
	return fmt.Sprintf("%d sent: %d acknowledged, %d failed %v, %d unanswered; %d stored (%d of them not acknowledged)",
		s.Sent, s.Acked, s.Failed, s.Errors, s.Unanswered, s.Stored, s.StoredUnacked)
}

// Check compares the history ops with logs, every partition read from its
// log start (offset 0) to its end. It returns the first problems found
// (at most a few per kind), or none.
func Check(ops []Produce, logs map[int32][]Stored) (Summary, []error) {
	var sum Summary
	var errs []error
	report := func(kind string, count map[string]int, format string, args ...any) {
		if count[kind]++; count[kind] <= 5 {
			errs = append(errs, fmt.Errorf(kind+": "+format, args...))
		}
	}
	count := map[string]int{}
	where := map[string]Stored{}
	for part, log := range logs {
		for i, s := range log {
			sum.Stored++
			if s.Partition != part || s.Offset != int64(i) {
				report("gap", count, "partition %d: record %d of the log is at partition %d offset %d", part, i, s.Partition, s.Offset)
			}
			if prev, dup := where[s.Value]; dup {
				report("duplicate", count, "%s stored twice: partition %d offset %d and partition %d offset %d",
					s.Value, prev.Partition, prev.Offset, s.Partition, s.Offset)
				continue
			}
			where[s.Value] = s
		}
	}
	sent := map[string]bool{}
	for _, p := range ops {
		sent[p.Value] = true
		sum.Sent++
		s, stored := where[p.Value]
		switch {
		case p.Acked():
			sum.Acked++
			if !stored {
				report("lost", count, "%s acknowledged at partition %d offset %d but not stored", p.Value, p.Partition, p.Offset)
			} else if s.Partition != p.Partition || s.Offset != p.Offset {
				report("moved", count, "%s acknowledged at partition %d offset %d but stored at partition %d offset %d",
					p.Value, p.Partition, p.Offset, s.Partition, s.Offset)
			}
		case p.Return == 0:
			sum.Unanswered++
		default:
			sum.Failed++
			if sum.Errors == nil {
				sum.Errors = map[string]int{}
			}
			sum.Errors[p.Err.Error()]++
		}
		if stored && !p.Acked() {
			sum.StoredUnacked++
		}
	}
	for _, log := range logs {
		for _, s := range log {
			if !sent[s.Value] {
				report("unknown", count, "partition %d offset %d holds %q, which no producer sent", s.Partition, s.Offset, s.Value)
			}
		}
	}
	checkOrder(ops, where, func(format string, args ...any) { report("reordered", count, format, args...) })
	for kind, n := range count {
		if n > 5 {
			errs = append(errs, fmt.Errorf("%s: %d more", kind, n-5))
		}
	}
	if len(errs) == 0 {
		if err := Linearizable(ops, logs); err != nil {
			errs = append(errs, err)
		}
	}
	return sum, errs
}

// checkOrder checks that a producer's records are stored in the order it
// sent them, per partition.
func checkOrder(ops []Produce, where map[string]Stored, report func(format string, args ...any)) {
	byPart := map[int32][]Produce{}
	for _, p := range ops {
		if _, ok := where[p.Value]; ok {
			byPart[p.Partition] = append(byPart[p.Partition], p)
		}
	}
	for part, ps := range byPart {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Seq < ps[j].Seq })
		for i := 1; i < len(ps); i++ {
			a, b := where[ps[i-1].Value], where[ps[i].Value]
			if b.Offset <= a.Offset {
				report("partition %d: %s (sent before %s) is stored at offset %d, after it (offset %d)",
					part, ps[i-1].Value, ps[i].Value, a.Offset, b.Offset)
			}
		}
	}
}
