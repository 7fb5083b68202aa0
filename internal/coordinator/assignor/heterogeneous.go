package assignor

import (
	"cmp"
	"maps"
	"slices"
)

// maxBalanceRounds bounds the final balancing phase of the heterogeneous
// builder, as Kafka's MAX_ITERATION_COUNT does: groups whose topics'
// subscribers all subscribe alike converge in one round and need a second
// to see it; overlapping subscriptions converge more slowly, each round
// roughly halving the imbalance.
const maxBalanceRounds = 16

// heterogeneous is Kafka's UniformHeterogeneousAssignmentBuilder, for
// groups whose members subscribe to different topics:
//
//  1. every member keeps the partitions it has of the topics it still
//     subscribes to;
//  2. the unassigned partitions go, topic by topic (most partitions per
//     subscriber first), to the topic's subscribers with the fewest
//     partitions in total;
//  3. rounds over the topics with two or more subscribers move partitions
//     from their most loaded subscribers to their least loaded ones until a
//     whole round moves nothing, or maxBalanceRounds.
//
// Members are numbered in member id order, as Kafka's tests order them, and
// ties break the way Kafka's break on those numbers, so for the same member
// order this gives Kafka's assignment.
type heterogeneous struct {
	topics      []TopicID // every subscribed topic, in Kafka's id order
	subscribers [][]int32 // by topic index: member indexes, ascending
	owner       [][]int32 // by topic index and partition: member index, or -1
	size        []int     // by member index: partitions in the new assignment

	// Scratch for balanceTopic: the topic's partitions grouped by owner,
	// and each owner's range in it, valid where stamp is epoch.
	byOwner           []int32
	stamp, start, end []int
	epoch             int
}

func assignHeterogeneous(spec GroupSpec, ids []string, topics TopicDescriber) (GroupAssignment, error) {
	index := make(map[TopicID]int32)
	for _, id := range ids {
		for _, t := range spec.Members[id].Topics {
			index[t] = 0
		}
	}
	h := &heterogeneous{
		topics:      slices.SortedFunc(maps.Keys(index), compareTopicIDs),
		size:        make([]int, len(ids)),
		stamp:       make([]int, len(ids)),
		start:       make([]int, len(ids)),
		end:         make([]int, len(ids)),
		subscribers: make([][]int32, len(index)),
		owner:       make([][]int32, len(index)),
	}
	for t, id := range h.topics {
		n, err := partitionCount(topics, id)
		if err != nil {
			return nil, err
		}
		index[id] = int32(t)
		h.owner[t] = slices.Repeat([]int32{-1}, n)
	}
	memberTopics := make([][]int32, len(ids)) // topic indexes, ascending
	for i, id := range ids {
		var sub []int32
		for _, t := range spec.Members[id].Topics {
			sub = append(sub, index[t])
		}
		slices.Sort(sub)
		memberTopics[i] = slices.Compact(sub)
		for _, t := range memberTopics[i] {
			h.subscribers[t] = append(h.subscribers[t], int32(i))
		}
	}

	for i, id := range ids {
		h.keep(int32(i), spec.Members[id].Assignment, index, memberTopics[i])
	}
	b := &balancer{size: h.size}
	h.assignUnassigned(b)
	h.balance(b)

	held := make([][]topicPartition, len(ids))
	for i := range held {
		held[i] = make([]topicPartition, 0, h.size[i])
	}
	for t, owners := range h.owner {
		for p, o := range owners {
			held[o] = append(held[o], topicPartition{int32(t), int32(p)})
		}
	}
	out := make(GroupAssignment, len(ids))
	for i, id := range ids {
		out[id] = buildAssignment(h.topics, held[i])
	}
	return out, nil
}

// keep gives member m the partitions of a that it may keep: those of the
// topics it subscribes to (subscribed, ascending) that exist and that no
// member claimed before.
func (h *heterogeneous) keep(m int32, a Assignment, index map[TopicID]int32, subscribed []int32) {
	for id, ps := range a {
		t, ok := index[id]
		if !ok {
			continue
		}
		if _, ok := slices.BinarySearch(subscribed, t); !ok {
			continue
		}
		owners := h.owner[t]
		for _, p := range ps {
			if p >= 0 && int(p) < len(owners) && owners[p] < 0 {
				h.move(t, p, m)
			}
		}
	}
}

// move makes member m the owner of partition p of topic t.
func (h *heterogeneous) move(t, p, m int32) {
	if from := h.owner[t][p]; from >= 0 {
		h.size[from]--
	}
	h.owner[t][p] = m
	h.size[m]++
}

// compareTopics orders topic indexes as Kafka's builder does: partitions
// per subscriber descending, then subscriber count ascending, then id.
func (h *heterogeneous) compareTopics(a, b int32) int {
	pa, sa := int64(len(h.owner[a])), int64(len(h.subscribers[a]))
	pb, sb := int64(len(h.owner[b])), int64(len(h.subscribers[b]))
	if c := cmp.Compare(pb*sa, pa*sb); c != 0 {
		return c
	}
	if c := cmp.Compare(sa, sb); c != 0 {
		return c
	}
	return compareTopicIDs(h.topics[a], h.topics[b])
}

// assignUnassigned gives every partition without an owner to the least
// loaded of its topic's subscribers.
func (h *heterogeneous) assignUnassigned(b *balancer) {
	var pending []int32
	for t, owners := range h.owner {
		if slices.Contains(owners, -1) {
			pending = append(pending, int32(t))
		}
	}
	slices.SortFunc(pending, h.compareTopics)
	for _, t := range pending {
		b.reset(h.subscribers[t])
		for p, o := range h.owner[t] {
			if o < 0 {
				h.move(t, int32(p), b.nextLeast())
			}
		}
	}
}

// balance runs rounds of balanceTopic over the topics with two or more
// subscribers until a whole round moves nothing.
func (h *heterogeneous) balance(b *balancer) {
	var movable []int32
	for t, subs := range h.subscribers {
		if len(subs) >= 2 {
			movable = append(movable, int32(t))
		}
	}
	slices.SortFunc(movable, h.compareTopics)
	last := -1 // the last topic that moved a partition
	for range maxBalanceRounds {
		for i, t := range movable {
			if i == last {
				return
			}
			if h.balanceTopic(t, b) > 0 || last == -1 {
				last = i
			}
		}
	}
}

// balanceTopic moves partitions of topic t from its most loaded subscribers
// to its least loaded ones until their partition counts (over all topics)
// differ by at most one or the most loaded have none of t left. It returns
// the number of partitions moved.
func (h *heterogeneous) balanceTopic(t int32, b *balancer) int {
	if h.imbalance(t) <= 1 || b.reset(h.subscribers[t]) <= 1 {
		return 0
	}
	owners := h.owner[t]
	parts := h.byOwner[:0]
	for p := range owners {
		parts = append(parts, int32(p))
	}
	slices.SortFunc(parts, func(x, y int32) int {
		if c := cmp.Compare(owners[x], owners[y]); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	h.byOwner = parts
	h.epoch++
	for i, p := range parts {
		o := owners[p]
		if h.stamp[o] != h.epoch {
			h.stamp[o], h.start[o] = h.epoch, i
		}
		h.end[o] = i + 1
	}

	moved := 0
	for !b.balanced() {
		from := b.nextMost()
		for from >= 0 && (h.stamp[from] != h.epoch || h.end[from] <= h.start[from]) {
			b.excludeMost() // it has no partition of t to give
			from = b.nextMost()
		}
		if from < 0 {
			break
		}
		h.end[from]--
		p := parts[h.end[from]] // its highest remaining partition of t
		to := b.nextLeast()
		if b.balanced() {
			break
		}
		h.move(t, p, to)
		moved++
	}
	return moved
}

// imbalance returns the difference between the largest and smallest
// partition counts of topic t's subscribers (what balancer.reset returns,
// without sorting).
func (h *heterogeneous) imbalance(t int32) int {
	subs := h.subscribers[t]
	lo, hi := h.size[subs[0]], h.size[subs[0]]
	for _, m := range subs[1:] {
		lo, hi = min(lo, h.size[m]), max(hi, h.size[m])
	}
	return hi - lo
}

// balancer hands out the least loaded and the most loaded members of a
// topic's subscribers in turn (Kafka's MemberAssignmentBalancer). The
// members are sorted by partition count; [0, leastEnd) holds the least
// loaded, each of which had leastLevel partitions before this round of
// gifts, and [mostStart, mostEnd) the most loaded, each of which had
// mostLevel before this round of takings. A range grows when a round over
// it completes and the next members have reached its new level. Members
// with nothing to give are swapped out past mostEnd.
type balancer struct {
	size   []int   // by member index, shared with the builder
	sorted []int32 // members, fewest partitions first, then by index

	leastEnd, leastLevel, leastNext         int
	mostStart, mostEnd, mostLevel, mostNext int
}

// reset starts over with members (not empty) and returns the difference
// between the largest and smallest partition counts among them.
func (b *balancer) reset(members []int32) int {
	b.sorted = append(b.sorted[:0], members...)
	slices.SortFunc(b.sorted, func(x, y int32) int {
		if c := cmp.Compare(b.size[x], b.size[y]); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	n := len(b.sorted)
	lo, hi := b.size[b.sorted[0]], b.size[b.sorted[n-1]]
	b.leastEnd, b.leastLevel, b.leastNext = 0, lo-1, 0
	b.mostStart, b.mostEnd, b.mostLevel, b.mostNext = n, n, hi+1, n-1
	return hi - lo
}

// nextLeast returns the member to give the next partition to, assuming it
// will get it.
func (b *balancer) nextLeast() int32 {
	if b.leastNext >= b.leastEnd {
		b.leastLevel++
		for b.leastEnd < len(b.sorted) && b.size[b.sorted[b.leastEnd]] == b.leastLevel {
			b.leastEnd++
		}
		b.leastNext = 0
	}
	m := b.sorted[b.leastNext]
	b.leastNext++
	return m
}

// nextMost returns the member to take the next partition from, assuming it
// will give it, or -1 if no member is left to take from.
func (b *balancer) nextMost() int32 {
	if b.mostNext < b.mostStart {
		if b.mostEnd <= b.mostStart && b.mostStart > 0 {
			// Exclusions emptied the range: restart the level from the next
			// member down so that the range does grow.
			b.mostLevel = b.size[b.sorted[b.mostStart-1]]
		} else {
			b.mostLevel--
		}
		for b.mostStart > 0 && b.size[b.sorted[b.mostStart-1]] == b.mostLevel {
			b.mostStart--
		}
		b.mostNext = b.mostEnd - 1
	}
	if b.mostNext < 0 {
		return -1
	}
	m := b.sorted[b.mostNext]
	b.mostNext--
	return m
}

// excludeMost drops the member nextMost last returned from the most loaded
// range.
func (b *balancer) excludeMost() {
	i := b.mostNext + 1
	b.sorted[i], b.sorted[b.mostEnd-1] = b.sorted[b.mostEnd-1], b.sorted[i]
	b.mostEnd--
}

// balanced reports whether the two ranges' levels differ by one or less.
func (b *balancer) balanced() bool {
	return b.mostLevel-b.leastLevel <= 1
}
