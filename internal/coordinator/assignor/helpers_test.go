package assignor

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// kafkaID decodes a Uuid as Kafka prints it, for the ids of Kafka's tests.
func kafkaID(s string) TopicID {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 {
		panic(fmt.Sprintf("bad uuid %q", s))
	}
	return TopicID(b)
}

// The topic ids of Kafka's assignor tests. In Kafka's order t1 < t2 < t3 < t4.
var (
	t1 = kafkaID("T1-A4s3VTwiI5CTbEp6POw")
	t2 = kafkaID("T2-B4s3VTwiI5YHbPp6YUe")
	t3 = kafkaID("T3-CU8fVTLCz5YMkLoDQsa")
	t4 = kafkaID("T4-Tw9fVTLCz5HbPp6YQsa")
)

// topicNames names the test topics in failure messages.
func topicName(id TopicID) string {
	switch id {
	case t1:
		return "t1"
	case t2:
		return "t2"
	case t3:
		return "t3"
	case t4:
		return "t4"
	}
	return id.String()
}

// tp builds one topic's entry of an Assignment for asg.
type tps struct {
	topic TopicID
	parts []int32
}

func tp(topic TopicID, parts ...int32) tps { return tps{topic, parts} }

// asg builds an Assignment.
func asg(entries ...tps) Assignment {
	a := Assignment{}
	for _, e := range entries {
		a[e.topic] = append(a[e.topic], e.parts...)
	}
	return a
}

// member builds a Member with the given subscription and assignment.
func member(a Assignment, topics ...TopicID) Member {
	return Member{Topics: topics, Assignment: a}
}

func formatAssignment(a Assignment) string {
	topics := slices.Collect(maps.Keys(a))
	slices.SortFunc(topics, compareTopicIDs)
	var b strings.Builder
	b.WriteString("{")
	for i, t := range topics {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s:%v", topicName(t), a[t])
	}
	b.WriteString("}")
	return b.String()
}

func formatGroup(g GroupAssignment) string {
	ids := slices.Sorted(maps.Keys(g))
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "\n  %s: %s", id, formatAssignment(g[id]))
	}
	return b.String()
}

// equalGroups compares two group assignments member by member.
func equalGroups(a, b GroupAssignment) bool {
	if len(a) != len(b) {
		return false
	}
	for id, x := range a {
		y, ok := b[id]
		if !ok || !x.Equal(y) {
			return false
		}
	}
	return true
}

func assertGroup(t *testing.T, got, want GroupAssignment) {
	t.Helper()
	if !equalGroups(got, want) {
		t.Errorf("assignment:%s\nwant:%s", formatGroup(got), formatGroup(want))
	}
}

// checkValid fails unless got has an entry for every member, every list is
// ascending without repeats, every partition is of a topic its member
// subscribes to, and every partition of every subscribed topic is assigned
// exactly once.
func checkValid(t *testing.T, spec GroupSpec, topics TopicDescriber, got GroupAssignment) {
	t.Helper()
	if len(got) != len(spec.Members) {
		t.Fatalf("%d members assigned, want %d", len(got), len(spec.Members))
	}
	homogeneous := spec.subscriptionType() == Homogeneous
	var shared []TopicID
	if homogeneous && len(spec.Members) > 0 {
		shared = spec.Members[spec.sortedMemberIDs()[0]].Topics
	}
	owner := map[TopicID][]string{}
	for id, m := range spec.Members {
		a, ok := got[id]
		if !ok {
			t.Fatalf("member %s missing", id)
		}
		if a == nil {
			t.Fatalf("member %s has a nil assignment", id)
		}
		sub := m.Topics
		if homogeneous {
			sub = shared
		}
		for _, topic := range sub {
			n, _ := topics.NumPartitions(topic)
			if owner[topic] == nil {
				owner[topic] = make([]string, n)
			}
		}
		for topic, ps := range a {
			if !slices.Contains(sub, topic) {
				t.Fatalf("member %s got %s, not subscribed", id, topicName(topic))
			}
			if len(ps) == 0 {
				t.Fatalf("member %s has an empty list for %s", id, topicName(topic))
			}
			if !slices.IsSorted(ps) || len(slices.Compact(slices.Clone(ps))) != len(ps) {
				t.Fatalf("member %s: %s partitions %v not ascending and unique", id, topicName(topic), ps)
			}
		}
	}
	for id, a := range got {
		for topic, ps := range a {
			for _, p := range ps {
				if int(p) >= len(owner[topic]) || p < 0 {
					t.Fatalf("member %s got %s-%d, which does not exist", id, topicName(topic), p)
				}
				if prev := owner[topic][p]; prev != "" {
					t.Fatalf("%s-%d assigned to %s and %s", topicName(topic), p, prev, id)
				}
				owner[topic][p] = id
			}
		}
	}
	for topic, owners := range owner {
		for p, o := range owners {
			if o == "" {
				t.Fatalf("%s-%d not assigned", topicName(topic), p)
			}
		}
	}
}

// spread returns the smallest and largest member assignment sizes.
func spread(g GroupAssignment) (lo, hi int) {
	first := true
	for _, a := range g {
		n := a.Size()
		if first || n < lo {
			lo = n
		}
		if first || n > hi {
			hi = n
		}
		first = false
	}
	return lo, hi
}

// moved counts the partitions that some member held in before and another
// member holds in after.
func moved(before, after GroupAssignment) int {
	owner := map[TopicID]map[int32]string{}
	for id, a := range before {
		for topic, ps := range a {
			if owner[topic] == nil {
				owner[topic] = map[int32]string{}
			}
			for _, p := range ps {
				owner[topic][p] = id
			}
		}
	}
	n := 0
	for id, a := range after {
		for topic, ps := range a {
			for _, p := range ps {
				if prev, ok := owner[topic][p]; ok && prev != id {
					n++
				}
			}
		}
	}
	return n
}

// withCurrent returns a copy of spec whose members hold their part of g.
func withCurrent(spec GroupSpec, g GroupAssignment) GroupSpec {
	out := GroupSpec{Members: map[string]Member{}, SubscriptionType: spec.SubscriptionType}
	for id, m := range spec.Members {
		m.Assignment = g[id].Clone()
		out.Members[id] = m
	}
	return out
}

func cloneSpec(spec GroupSpec) GroupSpec {
	out := GroupSpec{Members: map[string]Member{}, SubscriptionType: spec.SubscriptionType}
	for id, m := range spec.Members {
		m.Topics = slices.Clone(m.Topics)
		m.Assignment = m.Assignment.Clone()
		out.Members[id] = m
	}
	return out
}

// specEqual compares specs exactly (order of lists included), to check that
// Assign leaves its input alone.
func specEqual(a, b GroupSpec) bool {
	if a.SubscriptionType != b.SubscriptionType || len(a.Members) != len(b.Members) {
		return false
	}
	for id, x := range a.Members {
		y, ok := b.Members[id]
		if !ok || x.InstanceID != y.InstanceID || x.RackID != y.RackID || !slices.Equal(x.Topics, y.Topics) {
			return false
		}
		if len(x.Assignment) != len(y.Assignment) {
			return false
		}
		for topic, ps := range x.Assignment {
			if !slices.Equal(ps, y.Assignment[topic]) {
				return false
			}
		}
	}
	return true
}
