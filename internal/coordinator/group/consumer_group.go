package group

import (
	"maps"
	"slices"

	"github.com/spoolhq/spool/internal/coordinator/assignor"
	"github.com/spoolhq/spool/internal/metadata"
)

// memberState is a consumer group member's reconciliation state, with the
// values Kafka writes in ConsumerGroupCurrentMemberAssignmentValue.State.
type memberState int8

const (
	// memberStable: the member has its target assignment, or as much of
	// it as it can have.
	memberStable memberState = 0
	// memberUnrevokedPartitions: the member must give up partitions
	// before it moves to the target epoch.
	memberUnrevokedPartitions memberState = 1
	// memberUnreleasedPartitions: the member is at the target epoch but
	// waits for partitions other members still own.
	memberUnreleasedPartitions memberState = 2
	// memberUnknown: a state a newer Kafka wrote; the member is fenced.
	memberUnknown memberState = 127
)

func (s memberState) String() string {
	switch s {
	case memberStable:
		return "stable"
	case memberUnrevokedPartitions:
		return "unrevoked"
	case memberUnreleasedPartitions:
		return "unreleased"
	}
	return "unknown"
}

// Epochs a ConsumerGroupHeartbeat may carry besides the member's own.
const (
	joinEpoch        = 0
	leaveEpoch       = -1
	staticLeaveEpoch = -2
)

// consumerMember is a member of a KIP-848 consumer group: its subscription
// (ConsumerGroupMemberMetadata record) and its current assignment
// (ConsumerGroupCurrentMemberAssignment record). Members are replaced,
// never changed in place, so a value read before a record is replayed
// stays what it was.
type consumerMember struct {
	id                 string
	instanceID         *string
	rackID             *string
	clientID           string
	clientHost         string
	topics             []string // subscribed topic names, sorted, no repeats
	regex              string   // subscribed topic regex; "" for none
	rebalanceTimeoutMs int32
	serverAssignor     *string
	// classic is set for a member of the classic protocol (JoinGroup,
	// SyncGroup), nil for a member of the consumer protocol.
	classic *classicMetadata

	epoch         int32
	previousEpoch int32
	state         memberState
	assigned      assignor.Assignment
	revoking      assignor.Assignment // assigned partitions the member must give up
}

func newConsumerMember(id string) *consumerMember {
	return &consumerMember{id: id, rebalanceTimeoutMs: -1}
}

func (m *consumerMember) clone() *consumerMember {
	c := *m
	c.topics = slices.Clone(m.topics)
	c.assigned, c.revoking = m.assigned.Clone(), m.revoking.Clone()
	if m.classic != nil {
		cm := *m.classic
		c.classic = &cm
	}
	return &c
}

// sameSubscription: the fields of the member's metadata record are equal.
func (m *consumerMember) sameSubscription(o *consumerMember) bool {
	return m.id == o.id && eqPtr(m.instanceID, o.instanceID) && eqPtr(m.rackID, o.rackID) &&
		m.clientID == o.clientID && m.clientHost == o.clientHost && slices.Equal(m.topics, o.topics) &&
		m.regex == o.regex && m.rebalanceTimeoutMs == o.rebalanceTimeoutMs && eqPtr(m.serverAssignor, o.serverAssignor) &&
		m.classic.equal(o.classic)
}

// sameAssignment: the fields of the member's current-assignment record
// are equal.
func (m *consumerMember) sameAssignment(o *consumerMember) bool {
	return m.epoch == o.epoch && m.previousEpoch == o.previousEpoch && m.state == o.state &&
		m.assigned.Equal(o.assigned) && m.revoking.Equal(o.revoking)
}

// reconciledTo: the member is stable at the target epoch.
func (m *consumerMember) reconciledTo(targetEpoch int32) bool {
	return m.state == memberStable && m.epoch == targetEpoch
}

func eqPtr(a, b *string) bool { return a == b || a != nil && b != nil && *a == *b }

// resolvedRegex is what a subscribed regex matched when it was last
// resolved (ConsumerGroupRegularExpression record).
type resolvedRegex struct {
	topics    []string // sorted
	version   int64    // offset of the metadata image it was resolved against
	timestamp int64
}

// consumerGroupState is a consumer group's state as Kafka names it.
type consumerGroupState int8

const (
	consumerEmpty consumerGroupState = iota
	consumerAssigning
	consumerReconciling
	consumerStable
)

var consumerStateNames = [...]string{"Empty", "Assigning", "Reconciling", "Stable"}

// consumerGroup is a KIP-848 consumer group: Kafka's ConsumerGroup. All of
// it but refreshed is built from its records (consumer_replay.go), so a
// shard rebuilt from the log has the same group.
type consumerGroup struct {
	id           string
	epoch        int32
	metadataHash int64
	// partitionMetadata: the log holds a ConsumerGroupPartitionMetadata
	// record (written by Kafka 4.0), which the next epoch bump removes as
	// Kafka 4.1 does.
	partitionMetadata bool

	members     map[string]*consumerMember
	static      map[string]string // instance id → member id
	targetEpoch int32
	target      map[string]assignor.Assignment // by member id
	regexes     map[string]resolvedRegex
	// owners is the epoch at which each owned partition (assigned or
	// pending revocation) is held by its member.
	owners map[assignor.TopicID]map[int32]int32
	dead   bool

	// refreshed is the metadata image the group's epoch, metadata hash
	// and regexes were last checked against (memory only: a rebuilt
	// shard checks again at the next heartbeat, as Kafka does after a
	// load).
	refreshed *metadata.Image
}

func newConsumerGroup(id string) *consumerGroup {
	return &consumerGroup{
		id: id, members: map[string]*consumerMember{}, static: map[string]string{},
		target: map[string]assignor.Assignment{}, regexes: map[string]resolvedRegex{},
		owners: map[assignor.TopicID]map[int32]int32{},
	}
}

func (g *consumerGroup) state() consumerGroupState {
	switch {
	case len(g.members) == 0:
		return consumerEmpty
	case g.epoch > g.targetEpoch:
		return consumerAssigning
	}
	for _, m := range g.members {
		if !m.reconciledTo(g.targetEpoch) {
			return consumerReconciling
		}
	}
	return consumerStable
}

// sortedMembers lists the members by id, the order describes use.
func (g *consumerGroup) sortedMembers() []*consumerMember {
	ids := slices.Sorted(maps.Keys(g.members))
	out := make([]*consumerMember, len(ids))
	for i, id := range ids {
		out[i] = g.members[id]
	}
	return out
}

func (g *consumerGroup) staticMember(instanceID string) *consumerMember {
	if id, ok := g.static[instanceID]; ok {
		return g.members[id]
	}
	return nil
}

// targetOf is a member's target assignment; a static member that has
// replaced another and has none yet gets the one it replaced.
func (g *consumerGroup) targetOf(m *consumerMember) assignor.Assignment {
	if a, ok := g.target[m.id]; ok {
		return a
	}
	if m.instanceID != nil {
		if old := g.static[*m.instanceID]; old != "" {
			return g.target[old]
		}
	}
	return nil
}

// ownerEpoch is the epoch at which a partition is owned, -1 if nobody
// owns it.
func (g *consumerGroup) ownerEpoch(topic assignor.TopicID, partition int32) int32 {
	if e, ok := g.owners[topic][partition]; ok {
		return e
	}
	return -1
}

// regexSubscribers counts the members subscribed to a regex.
func (g *consumerGroup) regexSubscribers(regex string) int {
	n := 0
	for _, m := range g.members {
		if m.regex == regex {
			n++
		}
	}
	return n
}

// putMember replaces (or adds) a member, keeping the static-member index
// and the partition owners in step.
func (g *consumerGroup) putMember(m *consumerMember) {
	if old := g.members[m.id]; old != nil {
		g.dropMember(old)
	}
	g.members[m.id] = m
	if m.instanceID != nil {
		g.static[*m.instanceID] = m.id
	}
	g.own(m.assigned, m.epoch)
	g.own(m.revoking, m.epoch)
}

func (g *consumerGroup) dropMember(m *consumerMember) {
	delete(g.members, m.id)
	if m.instanceID != nil && g.static[*m.instanceID] == m.id {
		delete(g.static, *m.instanceID)
	}
	g.disown(m.assigned)
	g.disown(m.revoking)
}

func (g *consumerGroup) own(a assignor.Assignment, epoch int32) {
	for t, ps := range a {
		if len(ps) == 0 {
			continue
		}
		if g.owners[t] == nil {
			g.owners[t] = map[int32]int32{}
		}
		for _, p := range ps {
			g.owners[t][p] = epoch
		}
	}
}

func (g *consumerGroup) disown(a assignor.Assignment) {
	for t, ps := range a {
		for _, p := range ps {
			delete(g.owners[t], p)
		}
		if len(g.owners[t]) == 0 {
			delete(g.owners, t)
		}
	}
}

// subscribedNames is every topic name the members subscribe to, by name
// or through a resolved regex.
func subscribedNames(members map[string]*consumerMember, regexes map[string]resolvedRegex) map[string]bool {
	names := map[string]bool{}
	for _, m := range members {
		for _, t := range m.topics {
			names[t] = true
		}
		if m.regex != "" {
			for _, t := range regexes[m.regex].topics {
				names[t] = true
			}
		}
	}
	return names
}

// preferredAssignor is the server assignor most members ask for (ties go
// to the one configured first), or the default.
func (s *Shard) preferredAssignor(members map[string]*consumerMember) assignor.Assignor {
	counts := map[string]int{}
	for _, m := range members {
		if m.serverAssignor != nil {
			counts[*m.serverAssignor]++
		}
	}
	best, bestCount := s.assignors.Default(), 0
	for _, name := range s.assignors.Names() {
		if counts[name] > bestCount {
			best, _ = s.assignors.Lookup(name)
			bestCount = counts[name]
		}
	}
	return best
}
