package assignor

import (
	"errors"
	"testing"
)

// The cases of Kafka's UniformHeterogeneousAssignmentBuilderTest, whose
// members are ordered by id as ours are: the assignments must be Kafka's,
// partition for partition.
func TestUniformHeterogeneousMatchesKafka(t *testing.T) {
	for _, tc := range []struct {
		name    string
		topics  Topics
		members map[string]Member
		want    GroupAssignment
	}{
		{
			name:   "first assignment, two members, two topics",
			topics: Topics{t1: {NumPartitions: 3}, t3: {NumPartitions: 6}},
			members: map[string]Member{
				"A": member(nil, t1, t3),
				"B": member(nil, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2), tp(t3, 4)),
				"B": asg(tp(t3, 0, 1, 2, 3, 5)),
			},
		},
		{
			name:   "more members than partitions",
			topics: Topics{t3: {NumPartitions: 1}, t1: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(nil, t3),
				"B": member(nil, t3),
				"C": member(nil, t1),
			},
			want: GroupAssignment{
				"A": asg(tp(t3, 0)),
				"B": asg(),
				"C": asg(tp(t1, 0, 1)),
			},
		},
		{
			name:   "unbalanced previous assignment",
			topics: Topics{t1: {NumPartitions: 6}, t2: {NumPartitions: 4}, t3: {NumPartitions: 4}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1, 2)), t1),
				"B": member(asg(tp(t1, 3), tp(t2, 0)), t1, t2),
				"C": member(asg(tp(t1, 4, 5), tp(t2, 1, 2, 3), tp(t3, 0, 1, 2, 3)), t1, t2, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2, 5)),
				"B": asg(tp(t1, 3), tp(t2, 0, 1, 2, 3)),
				"C": asg(tp(t1, 4), tp(t3, 0, 1, 2, 3)),
			},
		},
		{
			name: "partitions added",
			topics: Topics{
				t1: {NumPartitions: 6}, t2: {NumPartitions: 5},
				t3: {NumPartitions: 3}, t4: {NumPartitions: 3},
			},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1, 2, 3), tp(t3, 0, 1)), t1, t3),
				"B": member(asg(tp(t2, 0, 1, 2), tp(t4, 0, 1, 2)), t1, t2, t3, t4),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2, 3, 4, 5), tp(t3, 0, 1, 2)),
				"B": asg(tp(t2, 0, 1, 2, 3, 4), tp(t4, 0, 1, 2)),
			},
		},
		{
			name:   "member and partitions added",
			topics: Topics{t1: {NumPartitions: 6}, t2: {NumPartitions: 7}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 2), tp(t2, 0)), t1),
				"B": member(asg(tp(t1, 1), tp(t2, 1, 2)), t1, t2),
				"C": member(nil, t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 2, 3, 4, 5)),
				"B": asg(tp(t1, 1), tp(t2, 1, 2, 6)),
				"C": asg(tp(t2, 0, 3, 4, 5)),
			},
		},
		{
			name:   "member removed",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 8}, t3: {NumPartitions: 3}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1, 2), tp(t3, 0, 1)), t1, t3),
				"B": member(asg(tp(t2, 3, 4, 5, 6)), t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2), tp(t3, 0, 1, 2)),
				"B": asg(tp(t2, 0, 1, 2, 3, 4, 5, 6, 7)),
			},
		},
		{
			name:   "subscription removed",
			topics: Topics{t1: {NumPartitions: 3}, t2: {NumPartitions: 5}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 2), tp(t2, 1, 3)), t1),
				"B": member(asg(tp(t1, 1), tp(t2, 0, 2, 4)), t1, t2),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2)),
				"B": asg(tp(t2, 0, 1, 2, 3, 4)),
			},
		},
		{
			// The most loaded member runs out of a topic's partitions
			// before the subscribers are balanced: move on to the next.
			name:   "topic partitions run out",
			topics: Topics{t1: {NumPartitions: 2}, t2: {NumPartitions: 2}, t3: {NumPartitions: 2}},
			members: map[string]Member{
				"A": member(asg(tp(t1, 0, 1), tp(t2, 0, 1), tp(t3, 0, 1)), t1, t2, t3),
				"B": member(nil, t1, t2, t3),
			},
			want: GroupAssignment{
				"A": asg(tp(t2, 0), tp(t3, 0, 1)),
				"B": asg(tp(t1, 0, 1), tp(t2, 1)),
			},
		},
		{
			name:   "one member without subscriptions",
			topics: Topics{t1: {NumPartitions: 3}},
			members: map[string]Member{
				"A": member(nil, t1),
				"B": member(nil),
			},
			want: GroupAssignment{
				"A": asg(tp(t1, 0, 1, 2)),
				"B": asg(),
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := GroupSpec{Members: tc.members, SubscriptionType: Heterogeneous}
			got, err := Uniform{}.Assign(spec, tc.topics)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, spec, tc.topics, got)
			assertGroup(t, got, tc.want)
		})
	}
}

func TestUniformHeterogeneousNoSubscriptions(t *testing.T) {
	spec := GroupSpec{Members: map[string]Member{"A": member(nil), "B": member(nil)}, SubscriptionType: Heterogeneous}
	got, err := Uniform{}.Assign(spec, Topics{t1: {NumPartitions: 3}})
	if err != nil {
		t.Fatal(err)
	}
	assertGroup(t, got, GroupAssignment{"A": asg(), "B": asg()})
}

func TestUniformUnknownTopic(t *testing.T) {
	for _, typ := range []SubscriptionType{Homogeneous, Heterogeneous} {
		spec := GroupSpec{
			Members:          map[string]Member{"A": member(nil, t3), "B": member(nil, t2)},
			SubscriptionType: typ,
		}
		_, err := Uniform{}.Assign(spec, Topics{t1: {NumPartitions: 3}})
		if !errors.Is(err, ErrUnknownTopic) {
			t.Errorf("%v: err = %v, want ErrUnknownTopic", typ, err)
		}
	}
}

// Overlapping subscriptions (A: t1; B: t1, t2; C: t2) balance as far as
// they allow: every partition of a topic sits with a subscriber that has at
// most one more partition than any other subscriber of that topic.
func TestUniformHeterogeneousOverlapping(t *testing.T) {
	topics := Topics{t1: {NumPartitions: 10}, t2: {NumPartitions: 20}}
	spec := GroupSpec{Members: map[string]Member{
		"A": member(nil, t1),
		"B": member(nil, t1, t2),
		"C": member(nil, t2),
	}}
	got, err := Uniform{}.Assign(spec, topics)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, spec, topics, got)
	checkTopicBalance(t, spec, got)
	if lo, hi := spread(got); hi-lo > 1 {
		t.Errorf("sizes %d..%d, want 10 each:%s", lo, hi, formatGroup(got))
	}
}

// checkTopicBalance fails if a partition of a topic sits with a subscriber
// that has two or more partitions more than another subscriber of that
// topic: the criterion of Kafka's heterogeneous builder.
func checkTopicBalance(t *testing.T, spec GroupSpec, got GroupAssignment) {
	t.Helper()
	subscribers := map[TopicID][]string{}
	for id, m := range spec.Members {
		for _, topic := range uniqueTopics(m.Topics) {
			subscribers[topic] = append(subscribers[topic], id)
		}
	}
	for topic, ids := range subscribers {
		for _, a := range ids {
			if len(got[a][topic]) == 0 {
				continue
			}
			for _, b := range ids {
				if got[a].Size()-got[b].Size() > 1 {
					t.Fatalf("%s has %d partitions, %d of %s, while %s (also subscribed) has %d:%s",
						a, got[a].Size(), len(got[a][topic]), topicName(topic), b, got[b].Size(), formatGroup(got))
				}
			}
		}
	}
}
