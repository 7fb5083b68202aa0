package group

import "container/heap"

// timerKind says what a timer does when it fires.
type timerKind uint8

const (
	timerHeartbeat         timerKind = iota // a classic member's (or pending member's) session ran out
	timerJoin                               // a classic group's join phase is over (initial delay or rebalance timeout)
	timerSync                               // a classic group waited a rebalance timeout for its SyncGroups
	timerCleanup                            // offsets and empty groups expire
	timerConsumerSession                    // a consumer group member's session ran out
	timerConsumerRebalance                  // a consumer group member did not revoke within its rebalance timeout
	timerConsumerJoin                       // a classic member of a consumer group did not rejoin within its rebalance timeout
	timerConsumerSync                       // a classic member of a consumer group did not send SyncGroup within its rebalance timeout
)

// consumerTimer: a timer of a consumer group member, whose firing may
// write records.
func (k timerKind) consumerTimer() bool {
	return k == timerConsumerSession || k == timerConsumerRebalance || k == timerConsumerJoin || k == timerConsumerSync
}

// timerKey names a timer; setting a timer with the same key replaces it, as
// Kafka's coordinator timer does.
type timerKey struct {
	kind   timerKind
	group  string
	member string
}

// timer is one scheduled action. Besides its key and deadline it carries
// what the action needs to know about the moment it was set.
type timer struct {
	key timerKey
	at  int64 // deadline, Unix milliseconds

	generation int32 // timerSync: the generation whose SyncGroups it waits for; timerConsumerRebalance: the member epoch
	initial    bool  // timerJoin: the delayed first join of a new group
	delay      int32 // timerJoin, initial: the delay this timer ran
	remaining  int32 // timerJoin, initial: how much longer the join may be extended

	seq   uint64 // breaks ties between equal deadlines: first set, first fired
	index int    // position in the heap
}

// timers is a set of timers ordered by deadline.
type timers struct {
	byKey map[timerKey]*timer
	queue timerHeap
	seq   uint64
}

func newTimers() timers { return timers{byKey: map[timerKey]*timer{}} }

// set schedules t, replacing any timer with the same key.
func (ts *timers) set(t timer) {
	ts.seq++
	t.seq = ts.seq
	if old, ok := ts.byKey[t.key]; ok {
		t.index = old.index
		*old = t
		heap.Fix(&ts.queue, old.index)
		return
	}
	p := &t
	ts.byKey[t.key] = p
	heap.Push(&ts.queue, p)
}

// setIfAbsent schedules t unless a timer with its key is pending.
func (ts *timers) setIfAbsent(t timer) {
	if _, ok := ts.byKey[t.key]; !ok {
		ts.set(t)
	}
}

func (ts *timers) cancel(k timerKey) {
	if t, ok := ts.byKey[k]; ok {
		heap.Remove(&ts.queue, t.index)
		delete(ts.byKey, k)
	}
}

// next is the earliest deadline.
func (ts *timers) next() (int64, bool) {
	if len(ts.queue) == 0 {
		return 0, false
	}
	return ts.queue[0].at, true
}

// popDue removes and returns the earliest timer if it is due at now.
func (ts *timers) popDue(now int64) (timer, bool) {
	if len(ts.queue) == 0 || ts.queue[0].at > now {
		return timer{}, false
	}
	t := heap.Pop(&ts.queue).(*timer)
	delete(ts.byKey, t.key)
	return *t, true
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*timer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
