package assignor

import (
	"testing"
)

// The scenarios of Kafka's OptimizedUniformAssignmentBuilderTest. Kafka's
// expected assignments follow Java hash-set order of the topic ids where a
// tie has to be broken; ours follow topic id order, so some layouts differ
// (marked), with the same sizes and the same partitions kept.
func TestUniformHomogeneousLayout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		topics  Topics
		members map[string]Member
		want    GroupAssignment
	}{
		{
			// Kafka: A t1[0] t3[0 1], B t1[1 2].
			name:   "first assignment, two members, two topics",
			topics: Topics{t1: {NumPartitions: 3}, t3: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(nil, t1, t3),
				"B": member(nil, t1, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2)),
				"B": asg(tp(t3, 0, 1)),
			},
		},
		{
			name:   "more members than partitions",
			topics: Topics{t3: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(nil, t3),
				"B": member(nil, t3),
				"C": member(nil, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t3, 0)),
				"B": asg(tp(t3, 1)),
				"C": asg(),
			},
		},
		{
			name:   "unbalanced previous assignment",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 3}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1), tp(t2, 0, 1)), t1, t2),
				"B": member(asg(tp(t1, 2), tp(t2, 2)), t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1), tp(t2, 0)),
				"B": asg(tp(t1, 2), tp(t2, 1, 2)),
			},
		},
		{
			// Kafka: A t1[0 2 3] t2[0 3 4], B t1[1 4 5] t2[1 2].
			name:   "partitions added",
			topics: Topics{t1: {NumPartitions: 6}, t2: {NumPartitions: 5}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 2), tp(t2, 0)), t1, t2),
				"B": member(asg(tp(t1, 1), tp(t2, 1, 2)), t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 2, 3, 4, 5), tp(t2, 0)),
				"B": asg(tp(t1, 1), tp(t2, 1, 2, 3, 4)),
			},
		},
		{
			name:   "member added",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 3}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 2), tp(t2, 0)), t1, t2),
				"B": member(asg(tp(t1, 1), tp(t2, 1, 2)), t1, t2),
				"C": member(nil, t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 2)),
				"B": asg(tp(t1, 1), tp(t2, 1)),
				"C": asg(tp(t2, 0, 2)),
			},
		},
		{
			// Kafka: A t1[0] t2[0 2], B t1[1 2] t2[1].
			name:   "member removed",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 3}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0), tp(t2, 0)), t1, t2),
				"B": member(asg(tp(t1, 1), tp(t2, 1)), t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 2), tp(t2, 0)),
				"B": asg(tp(t1, 1), tp(t2, 1, 2)),
			},
		},
		{
			name:   "subscription removed",
			topics: Topics{t1: {NumPartitions: 2}, t2: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0), tp(t2, 0)), t2),
				"B": member(asg(tp(t1, 1), tp(t2, 1)), t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t2, 0)),
				"B": asg(tp(t2, 1)),
			},
		},
		{
			// Balanced already, with the extra partition on B: nothing
			// moves. (Kafka gives the extra partition to the first member
			// in its iteration order, which may move one.)
			name:   "extra partition stays with its holder",
			topics: Topics{t1: {NumPartitions: 7}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1)), t1),
				"B": member(asg(tp(t1, 2, 3, 4)), t1),
				"C": member(asg(tp(t1, 5, 6)), t1),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1)),
				"B": asg(tp(t1, 2, 3, 4)),
				"C": asg(tp(t1, 5, 6)),
			},
		},
		{
			// A claim of a partition an earlier member holds, a partition
			// beyond the topic's count, a topic that does not exist, a
			// repeat and disorder: all ignored.
			name:   "inconsistent current assignment",
			topics: Topics{t1: {NumPartitions: 4}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 1, 0, 1)), t1),
				"B": member(asg(tp(t1, 0, 9, -1), tp(t4, 0)), t1),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1)),
				"B": asg(tp(t1, 2, 3)),
			},
		},
		{
			name:    "no subscriptions",
			topics:  Topics{t1: {NumPartitions: 3}},
			members: map[string]Member{"A": member(asg(tp(t1, 0))), "B": member(nil)},
			want:    GroupAssignment{"A": asg(), "B": asg()},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := GroupSpec{Members: tc.members}
			if got := spec.subscriptionType(); got != Homogeneous {
				t.Fatalf("subscription type %v, want Homogeneous", got)
			}
			before := cloneSpec(spec)
			got, err := Uniform{}.Assign(spec, tc.topics)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, spec, tc.topics, got)
			assertGroup(t, got, tc.want)
			if !specEqual(spec, before) {
				t.Errorf("Assign modified its input")
			}
		})
	}
}

// Adding a member to a balanced group moves only what the newcomer gets;
// removing one moves only what it had.
func TestUniformHomogeneousMembershipChanges(t *testing.T) {
	topics := Topics{t1: {NumPartitions: 10}, t2: {NumPartitions: 7}, t3: {NumPartitions: 3}}
	spec := GroupSpec{Members: map[string]Member{}}
	var prev GroupAssignment
	for _, id := range []string{"m1", "m2", "m3", "m4", "m5", "m6"} {
		spec.Members[id] = member(nil, t1, t2, t3)
		spec = withCurrent(spec, prev)
		got, err := Uniform{}.Assign(spec, topics)
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, spec, topics, got)
		if lo, hi := spread(got); hi-lo > 1 {
			t.Fatalf("%s joined: sizes %d..%d", id, lo, hi)
		}
		if n := moved(prev, got); prev != nil && n != got[id].Size() {
			t.Errorf("%s joined: %d partitions moved, want the %d it got:%s", id, n, got[id].Size(), formatGroup(got))
		}
		prev = got
	}
	for _, id := range []string{"m3", "m1", "m6", "m2", "m4"} {
		delete(spec.Members, id)
		delete(prev, id)
		spec = withCurrent(spec, prev)
		got, err := Uniform{}.Assign(spec, topics)
		if err != nil {
			t.Fatal(err)
		}
		checkValid(t, spec, topics, got)
		if lo, hi := spread(got); hi-lo > 1 {
			t.Fatalf("%s left: sizes %d..%d", id, lo, hi)
		}
		if n := moved(prev, got); n != 0 {
			t.Errorf("%s left: %d partitions moved between remaining members", id, n)
		}
		prev = got
	}
}

// A group whose inputs do not change gets the same assignment again.
func TestUniformStable(t *testing.T) {
	topics := Topics{t1: {NumPartitions: 10}, t2: {NumPartitions: 7}, t3: {NumPartitions: 3}}
	for _, spec := range []GroupSpec{
		{Members: map[string]Member{
			"a": member(nil, t1, t2, t3), "b": member(nil, t1, t2, t3),
			"c": member(nil, t1, t2, t3), "d": member(nil, t1, t2, t3),
		}},
		{Members: map[string]Member{
			"a": member(nil, t1), "b": member(nil, t1, t2),
			"c": member(nil, t2, t3), "d": member(nil, t3),
		}},
	} {
		first, err := Uniform{}.Assign(spec, topics)
		if err != nil {
			t.Fatal(err)
		}
		second, err := Uniform{}.Assign(withCurrent(spec, first), topics)
		if err != nil {
			t.Fatal(err)
		}
		assertGroup(t, second, first)
	}
}
