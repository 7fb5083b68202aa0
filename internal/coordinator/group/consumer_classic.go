package group

import (
	"bytes"
	"cmp"
	"fmt"
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator/assignor"
	"github.com/spoolhq/spool/internal/metadata"
)

// classicMetadata is what a consumer group keeps of a member that uses the
// classic protocol (Kafka's ClassicMemberMetadata): its session timeout
// and the protocols it supports, with their metadata (each a
// ConsumerProtocolSubscription), in its order of preference.
type classicMetadata struct {
	sessionTimeoutMs int32
	protocols        []protocol
}

func (c *classicMetadata) equal(o *classicMetadata) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.sessionTimeoutMs == o.sessionTimeoutMs && slices.EqualFunc(c.protocols, o.protocols,
		func(a, b protocol) bool { return a.name == b.name && bytes.Equal(a.metadata, b.metadata) })
}

// protocolName is the protocol a classic member is told it uses: its
// first (Kafka answers JoinGroup and checks SyncGroup with it).
func (c *classicMetadata) protocolName() string { return c.protocols[0].name }

// bytes encodes ClassicMemberMetadata as the tagged field 0 of
// ConsumerGroupMemberMetadataValue holds it: a nullable struct, so a
// presence byte first.
func (c *classicMetadata) bytes() []byte {
	w := &recWriter{}
	w.i8(1)
	w.i32(c.sessionTimeoutMs)
	w.compactArrayLen(len(c.protocols))
	for _, p := range c.protocols {
		w.compactStr(p.name)
		w.compactBytes(p.metadata)
		w.noTags()
	}
	w.noTags()
	return w.b
}

func decodeClassicMetadata(data []byte) (*classicMetadata, error) {
	r := &recReader{b: data}
	if present := r.i8(); present < 0 || r.err != nil {
		return nil, r.done("ClassicMemberMetadata")
	}
	c := &classicMetadata{sessionTimeoutMs: r.i32()}
	for n := r.compactArrayLen(); n > 0 && r.err == nil; n-- {
		p := protocol{name: r.compactStr(), metadata: r.compactBytes()}
		r.tags(nil)
		c.protocols = append(c.protocols, p)
	}
	r.tags(nil)
	if r.err == nil && len(c.protocols) == 0 {
		return nil, fmt.Errorf("ClassicMemberMetadata without protocols")
	}
	return c, r.done("ClassicMemberMetadata")
}

// classicSubscription is what a consumer group takes from a classic
// member's ConsumerProtocolSubscription.
type classicSubscription struct {
	version int16
	topics  []string // sorted, no repeats
	owned   []kmsg.ConsumerGroupHeartbeatRequestTopic
	rack    *string
}

// decodeSubscription reads a ConsumerProtocolSubscription (any version;
// owned partitions from v1, the rack from v3), naming owned topics by the
// ids the image has for them; topics it does not know are left out, as
// Kafka does.
func (s *Shard) decodeSubscription(metadata []byte) (classicSubscription, error) {
	var m kmsg.ConsumerMemberMetadata
	if err := m.ReadFrom(metadata); err != nil {
		return classicSubscription{}, fmt.Errorf("malformed ConsumerProtocolSubscription: %w", err)
	}
	sub := classicSubscription{version: m.Version, owned: []kmsg.ConsumerGroupHeartbeatRequestTopic{}}
	sub.topics = slices.Compact(slices.Sorted(slices.Values(m.Topics)))
	if sub.topics == nil {
		sub.topics = []string{}
	}
	for _, t := range m.OwnedPartitions {
		if ti := s.image.Topic(t.Topic); ti != nil {
			sub.owned = append(sub.owned, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: ti.ID, Partitions: t.Partitions})
		}
	}
	if m.Rack != nil && *m.Rack != "" {
		sub.rack = clonePtr(m.Rack)
	}
	return sub, nil
}

// subscriptionVersion is the version a ConsumerProtocolSubscription is
// written in, which its member's assignment is written in too.
func subscriptionVersion(metadata []byte) int16 {
	if len(metadata) < 2 {
		return 0
	}
	return int16(metadata[0])<<8 | int16(metadata[1])
}

// encodeAssignment writes partitions as a ConsumerProtocolAssignment in
// the version of the member's subscription (clamped to 0-3, as Kafka's
// ConsumerProtocol does), topics by name in name order; topics the image
// no longer has are left out.
func (s *Shard) encodeAssignment(a assignor.Assignment, version int16) []byte {
	out := kmsg.NewConsumerMemberAssignment()
	out.Version = min(max(version, 0), 3)
	for _, id := range topicIDs(a) {
		t := s.image.TopicByID(metadata.TopicID(id))
		if t == nil {
			continue
		}
		out.Topics = append(out.Topics, kmsg.ConsumerMemberAssignmentTopic{Topic: t.Name, Partitions: slices.Clone(a[id])})
	}
	slices.SortFunc(out.Topics, func(x, y kmsg.ConsumerMemberAssignmentTopic) int {
		return cmp.Compare(x.Topic, y.Topic)
	})
	return out.AppendTo(nil)
}

// decodeAssignment reads a ConsumerProtocolAssignment into partitions by
// topic id (topics the image does not know are left out). An empty one,
// what a classic member has before its first SyncGroup, is no partitions.
func (s *Shard) decodeAssignment(b []byte) (assignor.Assignment, error) {
	a := assignor.Assignment{}
	if len(b) == 0 {
		return a, nil
	}
	var m kmsg.ConsumerMemberAssignment
	if err := m.ReadFrom(b); err != nil {
		return nil, fmt.Errorf("malformed ConsumerProtocolAssignment: %w", err)
	}
	for _, t := range m.Topics {
		if ti := s.image.Topic(t.Topic); ti != nil {
			id := assignor.TopicID(ti.ID)
			a[id] = union(a[id], slices.Sorted(slices.Values(t.Partitions)))
		}
	}
	return a, nil
}

// classicMembers counts the members of the classic protocol.
func (g *consumerGroup) classicMembers() int {
	n := 0
	for _, m := range g.members {
		if m.classic != nil {
			n++
		}
	}
	return n
}

// supportsClassicProtocols: a classic member with these protocols may
// join: consumers ("consumer" protocol type) with at least one protocol
// that every classic member supports.
func (g *consumerGroup) supportsClassicProtocols(protocolType string, names []string) bool {
	if protocolType != consumerProtocolType {
		return false
	}
	if len(g.members) == 0 {
		return len(names) > 0
	}
	votes := map[string]int{}
	for _, m := range g.members {
		if m.classic != nil {
			for _, p := range m.classic.protocols {
				votes[p.name]++
			}
		}
	}
	n := g.classicMembers()
	return slices.ContainsFunc(names, func(name string) bool { return votes[name] == n })
}

// allClassicExcept: every member but id uses the classic protocol, and id
// does not.
func (g *consumerGroup) allClassicExcept(id string) bool {
	m := g.members[id]
	return m != nil && m.classic == nil && g.classicMembers() == len(g.members)-1
}

// waitingOnUnreleased: the member waits for a partition of its target
// that another member still owns.
func (g *consumerGroup) waitingOnUnreleased(m *consumerMember) bool {
	if m.state != memberUnreleasedPartitions {
		return false
	}
	for _, t := range slices.SortedFunc(maps.Keys(g.target[m.id]), compareIDs) {
		for _, p := range g.target[m.id][t] {
			if _, mine := slices.BinarySearch(m.assigned[t], p); !mine && g.ownerEpoch(t, p) != -1 {
				return true
			}
		}
	}
	return false
}
