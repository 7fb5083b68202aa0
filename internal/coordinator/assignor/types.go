package assignor

import (
	"cmp"
	"encoding/base64"
	"encoding/binary"
	"maps"
	"slices"
	"strconv"
	"unicode/utf8"
)

// TopicID is a topic's 16-byte id (Kafka's Uuid).
type TopicID [16]byte

// String returns the id as Kafka prints a Uuid: unpadded URL-safe base64.
func (id TopicID) String() string {
	return base64.RawURLEncoding.EncodeToString(id[:])
}

// compareTopicIDs orders topic ids as Kafka's Uuid.compareTo does: the
// big-endian 64-bit halves compared as signed integers, the high half
// first. It is the tie-break Kafka's assignors use, so ours use it too.
func compareTopicIDs(a, b TopicID) int {
	if c := cmp.Compare(int64(binary.BigEndian.Uint64(a[:8])), int64(binary.BigEndian.Uint64(b[:8]))); c != 0 {
		return c
	}
	return cmp.Compare(int64(binary.BigEndian.Uint64(a[8:])), int64(binary.BigEndian.Uint64(b[8:])))
}

// Assignment is one member's partitions: topic id to partition indexes,
// each list ascending and without repeats. Assignments the assignors
// return always have that form and never list a topic with no partitions;
// assignments they are given may be in any order and are not modified.
type Assignment map[TopicID][]int32

// Size is the number of partitions in the assignment.
func (a Assignment) Size() int {
	n := 0
	for _, ps := range a {
		n += len(ps)
	}
	return n
}

// Equal reports whether a and b hold the same partitions. Both must be in
// the assignors' form (ascending, no repeats); a topic with an empty list
// counts as absent.
func (a Assignment) Equal(b Assignment) bool {
	for t, ps := range a {
		if !slices.Equal(ps, b[t]) {
			return false
		}
	}
	for t, ps := range b {
		if _, ok := a[t]; !ok && len(ps) > 0 {
			return false
		}
	}
	return true
}

// Clone returns a deep copy of a.
func (a Assignment) Clone() Assignment {
	if a == nil {
		return nil
	}
	c := make(Assignment, len(a))
	for t, ps := range a {
		c[t] = slices.Clone(ps)
	}
	return c
}

// GroupAssignment is the target assignment of a group, by member id. The
// assignors return an entry, possibly empty, for every member of the spec.
type GroupAssignment map[string]Assignment

// Member is what an assignor knows of one group member.
type Member struct {
	// InstanceID is the member's group.instance.id, "" for a dynamic
	// member (Kafka rejects an empty instance id, so "" means none).
	InstanceID string
	// RackID is the member's client.rack, "" for none. Kafka 4.x's uniform
	// and range assignors do not use it.
	RackID string
	// Topics are the ids of the topics the member subscribes to, by name
	// and through its regular expression, resolved against the metadata.
	// Order and repeats do not matter.
	Topics []TopicID
	// Assignment is the member's assignment in the group's current target
	// assignment (for a static member that replaces a departed one, the
	// departed member's). Partitions of topics the member no longer
	// subscribes to, of unknown topics, beyond the topic's partition count,
	// or already listed by a member that sorts earlier by id are ignored.
	Assignment Assignment
}

// SubscriptionType says whether all members subscribe to the same topics;
// the uniform and range assignors pick their algorithm by it.
type SubscriptionType int8

const (
	// SubscriptionAuto derives the type from the members' topic ids:
	// homogeneous when every member has the same set.
	SubscriptionAuto SubscriptionType = iota
	// Homogeneous means every member subscribes to the same topics. The
	// assignors then read the subscription of the member with the lowest id
	// only.
	Homogeneous
	// Heterogeneous means some members subscribe to different topics.
	Heterogeneous
)

func (t SubscriptionType) String() string {
	switch t {
	case SubscriptionAuto:
		return "Auto"
	case Homogeneous:
		return "Homogeneous"
	case Heterogeneous:
		return "Heterogeneous"
	}
	return "SubscriptionType(" + strconv.Itoa(int(t)) + ")"
}

// GroupSpec is the input of an assignment: the group's members and its
// subscription type.
type GroupSpec struct {
	// Members by member id.
	Members map[string]Member
	// SubscriptionType is the group's type as Kafka's group coordinator
	// computes it from the members' subscribed topic names and regular
	// expressions (ConsumerGroup.subscriptionType). Kafka can call a group
	// heterogeneous whose resolved topic ids happen to agree (one member
	// subscribes by name, another by a regex that matches the same topics,
	// or to a topic that does not exist), and the algorithms differ, so a
	// caller that wants Kafka's assignment passes the type it computed; the
	// zero value derives it from the topic ids.
	SubscriptionType SubscriptionType
}

// subscriptionType returns the spec's type, deriving it if it is auto.
func (s GroupSpec) subscriptionType() SubscriptionType {
	if s.SubscriptionType != SubscriptionAuto {
		return s.SubscriptionType
	}
	var first []TopicID
	started := false
	for _, m := range s.Members {
		topics := uniqueTopics(m.Topics)
		if !started {
			first, started = topics, true
			continue
		}
		if !slices.Equal(first, topics) {
			return Heterogeneous
		}
	}
	return Homogeneous
}

// sortedMemberIDs returns the spec's member ids in Java string order, the
// order Kafka's own assignor tests feed its uniform assignor.
func (s GroupSpec) sortedMemberIDs() []string {
	ids := slices.Collect(maps.Keys(s.Members))
	slices.SortFunc(ids, compareJavaStrings)
	return ids
}

// TopicDescriber describes the topics the members subscribe to (Kafka's
// SubscribedTopicDescriber).
type TopicDescriber interface {
	// NumPartitions returns the topic's partition count, and false if the
	// topic is unknown.
	NumPartitions(id TopicID) (n int, ok bool)
	// PartitionRacks returns the racks of the partition's replicas, nil if
	// unknown. Kafka 4.x's uniform and range assignors do not use it.
	PartitionRacks(id TopicID, partition int32) []string
}

// Topic describes one topic for Topics.
type Topic struct {
	// NumPartitions is the partition count.
	NumPartitions int
	// Racks, if not nil, holds for each partition the racks of its replicas.
	Racks [][]string
}

// Topics is a TopicDescriber over a map.
type Topics map[TopicID]Topic

// NumPartitions implements TopicDescriber.
func (t Topics) NumPartitions(id TopicID) (int, bool) {
	topic, ok := t[id]
	return topic.NumPartitions, ok
}

// PartitionRacks implements TopicDescriber.
func (t Topics) PartitionRacks(id TopicID, partition int32) []string {
	racks := t[id].Racks
	if partition < 0 || int(partition) >= len(racks) {
		return nil
	}
	return racks[partition]
}

// uniqueTopics returns ids sorted in Kafka's order without repeats, in a
// new slice.
func uniqueTopics(ids []TopicID) []TopicID {
	out := slices.Clone(ids)
	slices.SortFunc(out, compareTopicIDs)
	return slices.Compact(out)
}

// compareJavaStrings orders strings as Java's String.compareTo does, by
// UTF-16 code units, so that member and instance ids sort as in Kafka
// (byte order differs for characters beyond U+FFFF against U+E000–U+FFFF).
// Strings that compare equal that way (invalid UTF-8) fall back to bytes.
func compareJavaStrings(a, b string) int {
	x, y := a, b
	for x != "" && y != "" {
		rx, nx := utf8.DecodeRuneInString(x)
		ry, ny := utf8.DecodeRuneInString(y)
		if rx != ry {
			if rx > 0xFFFF && ry > 0xFFFF {
				return cmp.Compare(rx, ry)
			}
			return cmp.Compare(utf16Lead(rx), utf16Lead(ry))
		}
		x, y = x[nx:], y[ny:]
	}
	if c := cmp.Compare(len(x), len(y)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// utf16Lead returns r's first UTF-16 code unit.
func utf16Lead(r rune) rune {
	if r > 0xFFFF {
		return 0xD800 + (r-0x10000)>>10
	}
	return r
}
