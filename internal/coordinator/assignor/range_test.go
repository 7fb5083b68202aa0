package assignor

import (
	"errors"
	"testing"
)

func TestRangeLayout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		topics  Topics
		members map[string]Member
		want    GroupAssignment
	}{
		{
			// Co-partitioned: each member gets the same partition numbers
			// of both topics, the first 7%3 members one more.
			name:   "three members, two topics of seven",
			topics: Topics{t1: {NumPartitions: 7}, t2: {NumPartitions: 7}},
			members: map[string]Member{
				"m1": member(nil, t1, t2),
				"m2": member(nil, t1, t2),
				"m3": member(nil, t1, t2),
			},
			want: GroupAssignment{
				"m1": asg(tp(t1, 0, 1, 2), tp(t2, 0, 1, 2)),
				"m2": asg(tp(t1, 3, 4), tp(t2, 3, 4)),
				"m3": asg(tp(t1, 5, 6), tp(t2, 5, 6)),
			},
		},
		// The cases of Kafka's RangeAssignorTest.
		{
			name:   "two members, two topics",
			topics: Topics{t1: {NumPartitions: 3}, t3: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(nil, t1, t3),
				"B": member(nil, t1, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1), tp(t3, 0)),
				"B": asg(tp(t1, 2), tp(t3, 1)),
			},
		},
		{
			name:   "three members, different subscriptions",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 3}, t3: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(nil, t1, t2),
				"B": member(nil, t3),
				"C": member(nil, t2, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2), tp(t2, 0, 1)),
				"B": asg(tp(t3, 0)),
				"C": asg(tp(t2, 2), tp(t3, 1)),
			},
		},
		{
			name:   "more members than partitions",
			topics: Topics{t1: {NumPartitions: 3}, t3: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(nil, t1, t3),
				"B": member(nil, t1, t3),
				"C": member(nil, t1, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0), tp(t3, 0)),
				"B": asg(tp(t1, 1), tp(t3, 1)),
				"C": asg(tp(t1, 2)),
			},
		},
		{
			name:   "member added, more members than partitions",
			topics: Topics{t1: {NumPartitions: 2}, t2: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0), tp(t2, 0)), t1, t2),
				"B": member(asg(tp(t1, 1), tp(t2, 1)), t1, t2),
				"C": member(nil, t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0), tp(t2, 0)),
				"B": asg(tp(t1, 1), tp(t2, 1)),
				"C": asg(),
			},
		},
		{
			name:   "partition added",
			topics: Topics{t1: {NumPartitions: 4}, t2: {NumPartitions: 4}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1), tp(t2, 0, 1)), t1, t2),
				"B": member(asg(tp(t1, 2), tp(t2, 2)), t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1), tp(t2, 0, 1)),
				"B": asg(tp(t1, 2, 3), tp(t2, 2, 3)),
			},
		},
		{
			name:   "member added",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 3}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1), tp(t2, 0, 1)), t1, t2),
				"B": member(asg(tp(t1, 2), tp(t2, 2)), t1, t2),
				"C": member(nil, t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0), tp(t2, 0)),
				"B": asg(tp(t1, 1), tp(t2, 1)),
				"C": asg(tp(t1, 2), tp(t2, 2)),
			},
		},
		{
			name:   "member and partition added",
			topics: Topics{t1: {NumPartitions: 4}, t2: {NumPartitions: 3}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1), tp(t2, 0, 1)), t1, t2),
				"B": member(asg(tp(t1, 2), tp(t2, 2)), t1, t2),
				"C": member(nil, t1),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1), tp(t2, 0, 1)),
				"B": asg(tp(t1, 2), tp(t2, 2)),
				"C": asg(tp(t1, 3)),
			},
		},
		{
			name:   "member removed",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 3}},
			members: map[string]Member{
				"B": member(asg(tp(t1, 2), tp(t2, 2)), t1, t2),
			},
			want: GroupAssignment{
				"B": asg(tp(t1, 0, 1, 2), tp(t2, 0, 1, 2)),
			},
		},
		{
			name:   "subscriptions changed",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 3}, t3: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1, 2), tp(t2, 0)), t1),
				"B": member(asg(tp(t2, 1)), t1, t2, t3),
				"C": member(asg(tp(t2, 2), tp(t3, 0, 1)), t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1)),
				"B": asg(tp(t1, 2), tp(t2, 0, 1), tp(t3, 0, 1)),
				"C": asg(tp(t2, 2)),
			},
		},
		{
			name:    "no subscriptions",
			topics:  Topics{t1: {NumPartitions: 3}},
			members: map[string]Member{"A": member(nil)},
			want:    GroupAssignment{"A": asg()},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := GroupSpec{Members: tc.members}
			got, err := Range{}.Assign(spec, tc.topics)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, spec, tc.topics, got)
			assertGroup(t, got, tc.want)
		})
	}
}

// Static members sort before dynamic ones, by instance id, so a static
// member that comes back with a new member id gets its ranges back.
func TestRangeStaticMembers(t *testing.T) {
	topics := Topics{t1: {NumPartitions: 5}}
	static := func(instance string) Member {
		return Member{InstanceID: instance, Topics: []TopicID{t1}}
	}
	spec := GroupSpec{Members: map[string]Member{
		"A": static("instanceA"),
		"B": member(nil, t1),
		"C": static("instanceC"),
	}}
	first, err := Range{}.Assign(spec, topics)
	if err != nil {
		t.Fatal(err)
	}
	assertGroup(t, first, GroupAssignment{
		"A": asg(tp(t1, 0, 1)),
		"C": asg(tp(t1, 2, 3)),
		"B": asg(tp(t1, 4)),
	})

	// instanceA rejoins as "Z", which sorts last by member id.
	delete(spec.Members, "A")
	spec.Members["Z"] = static("instanceA")
	second, err := Range{}.Assign(spec, topics)
	if err != nil {
		t.Fatal(err)
	}
	if !second["Z"].Equal(first["A"]) || !second["C"].Equal(first["C"]) || !second["B"].Equal(first["B"]) {
		t.Errorf("after rejoin:%s\nbefore:%s", formatGroup(second), formatGroup(first))
	}
}

func TestRangeUnknownTopic(t *testing.T) {
	for _, typ := range []SubscriptionType{Homogeneous, Heterogeneous} {
		spec := GroupSpec{Members: map[string]Member{"A": member(nil, t2)}, SubscriptionType: typ}
		if _, err := (Range{}).Assign(spec, Topics{t1: {NumPartitions: 3}}); !errors.Is(err, ErrUnknownTopic) {
			t.Errorf("%v: err = %v, want ErrUnknownTopic", typ, err)
		}
	}
}

func TestRangeOrderJavaStrings(t *testing.T) {
	// U+1F600 is a surrogate pair in UTF-16 (0xD83D...), which sorts before
	// U+FF21; in UTF-8 byte order it sorts after.
	spec := GroupSpec{Members: map[string]Member{
		"\uFF21":     {InstanceID: ""},
		"\U0001F600": {InstanceID: ""},
		"b":          {InstanceID: "\uFF21"},
		"a":          {InstanceID: "\U0001F600"},
	}}
	got := rangeOrder(spec)
	want := []string{"a", "b", "\U0001F600", "\uFF21"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %q, want %q", got, want)
		}
	}
}

func TestEmptyGroup(t *testing.T) {
	for _, a := range []Assignor{Uniform{}, Range{}} {
		got, err := a.Assign(GroupSpec{}, Topics{})
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("%s: got %v, %v; want an empty assignment", a.Name(), got, err)
		}
	}
}
