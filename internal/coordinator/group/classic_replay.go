package group

import "github.com/twmb/franz-go/pkg/kmsg"

// writeKind says what replaying a GroupMetadata record this shard wrote
// does to the live group.
type writeKind uint8

const (
	// writeCheckpoint: the live group already is what the record says (a
	// new group; a generation that ended without members).
	writeCheckpoint writeKind = iota
	// writeAssignment: the leader's assignment; the members take it and
	// the group becomes Stable.
	writeAssignment
	// writeStaticRejoin: a static member takes its new member id in a
	// stable group.
	writeStaticRejoin
)

// classicWrite is a GroupMetadata record emitted and not yet replayed,
// with what its replay must do.
type classicWrite struct {
	kind       writeKind
	generation int32          // writeAssignment: the generation assigned
	at         int64          // writeAssignment: when it was decided (the Stable state's time)
	oldID      string         // writeStaticRejoin: the member id replaced
	member     *classicMember // writeStaticRejoin: the member under its new id
}

func (s *Shard) writeClassic(g *classicGroup, v *kmsg.GroupMetadataValue, w classicWrite) {
	s.write(groupMetadataRecord(g.id, v))
	g.writes = append(g.writes, w)
}

// metadataValue is the group as a GroupMetadata record, with the given
// assignment of each member (Kafka's newGroupMetadataRecord).
func (g *classicGroup) metadataValue(assignment map[string][]byte) *kmsg.GroupMetadataValue {
	v := newGroupMetadataValue()
	v.ProtocolType, v.Generation = g.protocolType, g.generation
	v.Protocol, v.Leader = optional(g.protocol), optional(g.leader)
	v.CurrentStateTimestamp = g.stateTime
	for _, m := range g.members {
		vm := kmsg.NewGroupMetadataValueMember()
		vm.MemberID, vm.InstanceID, vm.ClientID, vm.ClientHost = m.id, m.instanceID, m.clientID, m.clientHost
		vm.RebalanceTimeoutMillis, vm.SessionTimeoutMillis = m.rebalanceTimeoutMs, m.sessionTimeoutMs
		vm.Subscription, vm.Assignment = m.metadata(g.protocol), assignment[m.id]
		v.Members = append(v.Members, vm)
	}
	return v
}

// emptyValue is the record Kafka writes for a group it has just created
// (newEmptyGroupMetadataRecord): generation 0, no protocol, no members.
func (g *classicGroup) emptyValue() *kmsg.GroupMetadataValue {
	v := newGroupMetadataValue()
	v.CurrentStateTimestamp = g.stateTime
	return v
}

// replayGroupMetadata applies a GroupMetadata record. A record this shard
// wrote applies its change to the live group; any other (the log being
// loaded) replaces the group with what the record says, as Kafka loads it.
func (s *Shard) replayGroupMetadata(key, value []byte) error {
	k, err := decodeGroupMetadataKey(key)
	if err != nil {
		return err
	}
	if value == nil {
		// A classic tombstone deletes only a classic group: the one an
		// empty classic group's conversion writes comes before the
		// records of the consumer group that takes its place.
		if _, ok := s.groups[k.Group].(*classicGroup); ok {
			s.removeGroup(k.Group)
		}
		return nil
	}
	v, err := decodeGroupMetadataValue(value)
	if err != nil {
		return err
	}
	if g, ok := s.groups[k.Group].(*classicGroup); ok && len(g.writes) > 0 {
		w := g.writes[0]
		g.writes = g.writes[1:]
		s.applyWrite(g, w, v)
		return nil
	}
	s.loadClassic(k.Group, v)
	return nil
}

func (s *Shard) applyWrite(g *classicGroup, w classicWrite, v *kmsg.GroupMetadataValue) {
	switch w.kind {
	case writeAssignment:
		// The group may have moved on meanwhile (Kafka checks the same
		// when its write completes).
		if !g.is(stateCompletingRebalance) || g.generation != w.generation {
			return
		}
		assigned := make(map[string][]byte, len(v.Members))
		for _, vm := range v.Members {
			assigned[vm.MemberID] = vm.Assignment
		}
		for _, m := range g.members {
			m.assignment = assigned[m.id]
			if m.assignment == nil {
				m.assignment = []byte{}
			}
		}
		g.transition(stateStable, w.at)
	case writeStaticRejoin:
		if g.member(w.oldID) != nil {
			g.replaceStatic(w.oldID, w.member)
			s.timers.cancel(heartbeatKey(g.id, w.oldID))
		}
	}
}

// loadClassic builds a group from its record as Kafka does when it loads
// the log: Stable with the recorded members and assignments, or Empty.
// Each member supports just the group's protocol, with the recorded
// subscription; their sessions start with the shard (see start).
func (s *Shard) loadClassic(id string, v *kmsg.GroupMetadataValue) {
	s.removeGroup(id)
	state := stateEmpty
	if len(v.Members) > 0 {
		state = stateStable
	}
	g := newClassicGroup(id, state, v.CurrentStateTimestamp)
	g.generation, g.protocolType = v.Generation, v.ProtocolType
	g.protocol, g.leader = deref(v.Protocol), deref(v.Leader)
	for _, vm := range v.Members {
		rebalance := vm.RebalanceTimeoutMillis
		if rebalance == -1 { // records before version 1
			rebalance = vm.SessionTimeoutMillis
		}
		g.add(&classicMember{
			id: vm.MemberID, instanceID: clonePtr(vm.InstanceID),
			clientID: vm.ClientID, clientHost: vm.ClientHost,
			rebalanceTimeoutMs: rebalance, sessionTimeoutMs: vm.SessionTimeoutMillis,
			protocolType: v.ProtocolType,
			protocols:    []protocol{{name: g.protocol, metadata: vm.Subscription}},
			assignment:   vm.Assignment,
		}, nil)
	}
	g.subscribed = g.computeSubscribed()
	s.groups[id] = g
	if s.started {
		s.unstarted = append(s.unstarted, id)
	}
}

// removeGroup forgets a group and its timers. Only empty groups are
// deleted, and a group is replaced only while the log loads, so no request
// of theirs is parked (Replay could not answer it).
func (s *Shard) removeGroup(id string) {
	g, ok := s.groups[id]
	if !ok {
		return
	}
	if c, ok := g.(*consumerGroup); ok {
		s.removeConsumerGroup(c)
		return
	}
	delete(s.groups, id)
	if c, ok := g.(*classicGroup); ok {
		s.timers.cancel(joinKey(id))
		s.timers.cancel(syncKey(id))
		for _, m := range c.members {
			s.timers.cancel(heartbeatKey(id, m.id))
			for _, w := range []*waiter{m.join, m.sync} {
				if w != nil {
					delete(s.waits, w.id)
				}
			}
		}
		for m := range c.pendingJoin {
			s.timers.cancel(heartbeatKey(id, m))
		}
	}
}
