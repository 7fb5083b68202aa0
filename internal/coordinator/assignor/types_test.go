package assignor

import (
	"errors"
	"slices"
	"testing"
)

// Kafka compares Uuids by their halves as signed longs: an id whose first
// byte has the high bit set sorts before one whose first byte does not.
func TestCompareTopicIDs(t *testing.T) {
	neg := TopicID{0x80}
	pos := TopicID{0x7f}
	lowNeg := TopicID{8: 0xff}
	lowPos := TopicID{8: 0x01}
	for _, tc := range []struct {
		a, b TopicID
		want int
	}{
		{neg, pos, -1},
		{pos, neg, 1},
		{pos, pos, 0},
		{lowNeg, lowPos, -1},
		{TopicID{}, lowPos, -1},
		{t1, t2, -1},
		{t2, t3, -1},
		{t3, t4, -1},
	} {
		if got := compareTopicIDs(tc.a, tc.b); got != tc.want {
			t.Errorf("compareTopicIDs(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestTopicIDString(t *testing.T) {
	if got := t1.String(); got != "T1-A4s3VTwiI5CTbEp6POw" {
		t.Errorf("String() = %q", got)
	}
}

func TestCompareJavaStrings(t *testing.T) {
	// Ascending in Java's String.compareTo order.
	sorted := []string{"", "A", "B", "a", "ab", "b", "\u00e9", "\U0001F600", "\uFF21", "\uFFFF"}
	for i, a := range sorted {
		for j, b := range sorted {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := compareJavaStrings(a, b); got != want {
				t.Errorf("compareJavaStrings(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
	// Distinct strings never compare equal.
	if compareJavaStrings("\xff", "\uFFFD") == 0 {
		t.Error("invalid UTF-8 compares equal to U+FFFD")
	}
}

func TestSubscriptionType(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members map[string]Member
		typ     SubscriptionType
		want    SubscriptionType
	}{
		{"same topics", map[string]Member{"a": member(nil, t1, t2), "b": member(nil, t2, t1, t2)}, SubscriptionAuto, Homogeneous},
		{"different topics", map[string]Member{"a": member(nil, t1, t2), "b": member(nil, t1)}, SubscriptionAuto, Heterogeneous},
		{"none", map[string]Member{"a": member(nil), "b": member(nil)}, SubscriptionAuto, Homogeneous},
		{"one empty", map[string]Member{"a": member(nil, t1), "b": member(nil)}, SubscriptionAuto, Heterogeneous},
		{"declared", map[string]Member{"a": member(nil, t1), "b": member(nil, t1)}, Heterogeneous, Heterogeneous},
	} {
		spec := GroupSpec{Members: tc.members, SubscriptionType: tc.typ}
		if got := spec.subscriptionType(); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// A group Kafka calls heterogeneous although the topic ids agree gets the
// heterogeneous builder when the caller says so.
func TestDeclaredHeterogeneousUsesHeterogeneousBuilder(t *testing.T) {
	topics := Topics{t1: {NumPartitions: 3}, t3: {NumPartitions: 6}}
	members := map[string]Member{"A": member(nil, t1, t3), "B": member(nil, t1, t3)}
	homo, err := Uniform{}.Assign(GroupSpec{Members: members}, topics)
	if err != nil {
		t.Fatal(err)
	}
	hetero, err := Uniform{}.Assign(GroupSpec{Members: members, SubscriptionType: Heterogeneous}, topics)
	if err != nil {
		t.Fatal(err)
	}
	assertGroup(t, homo, GroupAssignment{"A": asg(tp(t1, 0, 1, 2), tp(t3, 0, 1)), "B": asg(tp(t3, 2, 3, 4, 5))})
	// The heterogeneous builder deals t3 (more partitions per subscriber)
	// first, alternately, then t1.
	assertGroup(t, hetero, GroupAssignment{"A": asg(tp(t1, 0, 2), tp(t3, 0, 2, 4)), "B": asg(tp(t1, 1), tp(t3, 1, 3, 5))})
}

func TestAssignmentHelpers(t *testing.T) {
	a := asg(tp(t1, 0, 1), tp(t2, 3))
	if a.Size() != 3 {
		t.Errorf("Size() = %d", a.Size())
	}
	b := a.Clone()
	b[t1][0] = 7
	if a[t1][0] != 0 {
		t.Error("Clone shares partition lists")
	}
	for _, tc := range []struct {
		x, y Assignment
		want bool
	}{
		{a, asg(tp(t2, 3), tp(t1, 0, 1)), true},
		{a, asg(tp(t1, 0, 1)), false},
		{a, asg(tp(t1, 0, 1), tp(t2, 4)), false},
		{nil, Assignment{}, true},
		{Assignment{t1: {}}, nil, true},
		{nil, Assignment{t1: {}}, true},
		{nil, asg(tp(t1, 0)), false},
	} {
		if got := tc.x.Equal(tc.y); got != tc.want {
			t.Errorf("%s.Equal(%s) = %v", formatAssignment(tc.x), formatAssignment(tc.y), got)
		}
	}
	if Assignment(nil).Clone() != nil {
		t.Error("Clone of nil is not nil")
	}
}

func TestTopicsDescriber(t *testing.T) {
	topics := Topics{t1: {NumPartitions: 2, Racks: [][]string{{"r1", "r2"}, {"r3"}}}}
	if n, ok := topics.NumPartitions(t1); n != 2 || !ok {
		t.Errorf("NumPartitions(t1) = %d, %v", n, ok)
	}
	if _, ok := topics.NumPartitions(t2); ok {
		t.Error("NumPartitions(t2) ok")
	}
	if got := topics.PartitionRacks(t1, 1); !slices.Equal(got, []string{"r3"}) {
		t.Errorf("PartitionRacks(t1, 1) = %q", got)
	}
	if got := topics.PartitionRacks(t1, 2); got != nil {
		t.Errorf("PartitionRacks(t1, 2) = %q", got)
	}
	if got := topics.PartitionRacks(t2, 0); got != nil {
		t.Errorf("PartitionRacks(t2, 0) = %q", got)
	}
}

// negativeTopics describes every topic with a negative partition count.
type negativeTopics struct{}

func (negativeTopics) NumPartitions(TopicID) (int, bool)      { return -1, true }
func (negativeTopics) PartitionRacks(TopicID, int32) []string { return nil }

func TestNegativePartitionCount(t *testing.T) {
	for _, a := range []Assignor{Uniform{}, Range{}} {
		for _, typ := range []SubscriptionType{Homogeneous, Heterogeneous} {
			spec := GroupSpec{Members: map[string]Member{"A": member(nil, t1)}, SubscriptionType: typ}
			if _, err := a.Assign(spec, negativeTopics{}); !errors.Is(err, ErrUnknownTopic) {
				t.Errorf("%s %v: err = %v, want ErrUnknownTopic", a.Name(), typ, err)
			}
		}
	}
}
