package assignor

import (
	"slices"
)

// Range is Kafka's server-side "range" assignor (RangeAssignor): each
// topic's partitions are cut into contiguous ranges, one per subscriber in
// member order, the first partitions%subscribers members getting one more.
// Members are ordered static first, by instance id, then dynamic, by member
// id, so a static member that rejoins with a new member id gets its old
// ranges back. When every member subscribes to the same topics and the
// topics have the same partition count, each member gets the same partition
// numbers of every topic (co-partitioning, for joins).
//
// Like Kafka 4.x's, it ignores the current assignment and racks: the
// assignment follows from the members, their order and the partition
// counts alone.
type Range struct{}

// Name implements Assignor.
func (Range) Name() string { return RangeName }

// rangeTopic is a topic being cut into ranges.
type rangeTopic struct {
	partitions  int
	subscribers int
	quota       int // partitions per subscriber, rounded down
	extra       int // subscribers still to get quota+1
	next        int // first partition not yet assigned
}

// Assign implements Assignor.
func (Range) Assign(spec GroupSpec, topics TopicDescriber) (GroupAssignment, error) {
	if len(spec.Members) == 0 {
		return GroupAssignment{}, nil
	}
	ids := rangeOrder(spec)
	homogeneous := spec.subscriptionType() == Homogeneous
	var shared []TopicID
	if homogeneous {
		shared = uniqueTopics(spec.Members[ids[0]].Topics)
	}

	subscriptions := make([][]TopicID, len(ids))
	state := make(map[TopicID]*rangeTopic)
	for i, id := range ids {
		sub := shared
		if !homogeneous {
			sub = uniqueTopics(spec.Members[id].Topics)
		}
		subscriptions[i] = sub
		for _, t := range sub {
			rt := state[t]
			if rt == nil {
				n, err := partitionCount(topics, t)
				if err != nil {
					return nil, err
				}
				rt = &rangeTopic{partitions: n}
				state[t] = rt
			}
			rt.subscribers++
		}
	}
	for _, rt := range state {
		rt.quota, rt.extra = rt.partitions/rt.subscribers, rt.partitions%rt.subscribers
	}

	out := make(GroupAssignment, len(ids))
	for i, id := range ids {
		a := Assignment{}
		for _, t := range subscriptions[i] {
			if ps := state[t].take(); len(ps) > 0 {
				a[t] = ps
			}
		}
		out[id] = a
	}
	return out, nil
}

// take returns the next subscriber's range.
func (rt *rangeTopic) take() []int32 {
	n := rt.quota
	if rt.extra > 0 {
		n++
		rt.extra--
	}
	start := rt.next
	rt.next = min(start+n, rt.partitions)
	ps := make([]int32, rt.next-start)
	for i := range ps {
		ps[i] = int32(start + i)
	}
	return ps
}

// rangeOrder returns the member ids in the range assignor's order: members
// with an instance id first, by instance id, then the others by member id,
// comparing as Java strings.
func rangeOrder(spec GroupSpec) []string {
	ids := spec.sortedMemberIDs()
	slices.SortStableFunc(ids, func(a, b string) int {
		ia, ib := spec.Members[a].InstanceID, spec.Members[b].InstanceID
		switch {
		case ia != "" && ib != "":
			return compareJavaStrings(ia, ib)
		case ia != "":
			return -1
		case ib != "":
			return 1
		}
		return 0
	})
	return ids
}
