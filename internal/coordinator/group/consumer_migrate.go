package group

import (
	"maps"
	"slices"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/coordinator/assignor"
)

// Online migration between the protocols (group.consumer.migration.policy):
// a classic group of consumers with members becomes a consumer group when
// a member joins it with ConsumerGroupHeartbeat (its members become classic
// members of the consumer group), and a consumer group whose last member
// of the consumer protocol leaves goes back to being a classic group.

// canUpgrade: a ConsumerGroupHeartbeat joining this classic group with
// members may convert it (Kafka's validateOnlineUpgrade).
func (s *Shard) canUpgrade(g *classicGroup) bool {
	return s.cfg.upgradeEnabled() && g.protocolType == consumerProtocolType &&
		len(g.members) <= int(s.cfg.GroupConsumerMaxSize)
}

// upgrade converts a classic group into a consumer group (Kafka's
// ConsumerGroup.fromClassicGroup): the group and target epochs are the
// generation, each member is a classic member at that epoch, stable, with
// its last assignment as both its target and its current assignment. It
// writes the classic group's tombstone and the records of the new group,
// which the rest of the heartbeat builds on; the group changes when they
// are replayed. Requests the members have parked in a rebalance are
// answered REBALANCE_IN_PROGRESS: they join the consumer group instead.
func (h *heartbeat) upgrade(g *classicGroup) (*consumerGroup, *kafkaError) {
	s := h.s
	if g.protocol == "" {
		// Its first rebalance is under way: no subscription to take yet.
		return nil, errorf(codeGroupIDNotFound, "Cannot upgrade the classic group %s to consumer group because it has not completed its first rebalance.", g.id)
	}
	cg := newConsumerGroup(g.id)
	cg.epoch, cg.targetEpoch = g.generation, g.generation
	for _, cm := range g.members {
		m, err := s.fromClassicMember(g, cm)
		if err != nil {
			return nil, errorf(codeGroupIDNotFound, "Cannot upgrade the classic group %s to consumer group because the embedded consumer protocol is malformed: %s", g.id, err.msg)
		}
		cg.putMember(m)
		cg.target[m.id] = m.assigned
	}
	for _, m := range g.membersSnapshot() {
		s.completeJoin(g, m, joinErrorResponse(m.id, codeRebalanceInProgress))
		s.completeSync(m, syncErrorResponse(codeRebalanceInProgress))
	}

	h.write(groupTombstone(g.id))
	members := cg.sortedMembers()
	for _, m := range members {
		h.write(memberRecord(cg.id, m))
	}
	h.write(groupEpochRecord(cg.id, cg.epoch, 0))
	for _, m := range members {
		h.write(targetMemberRecord(cg.id, m.id, m.assigned))
	}
	h.write(targetEpochRecord(cg.id, cg.targetEpoch))
	for _, m := range members {
		h.write(currentRecord(cg.id, m))
		s.setSession(cg.id, m.id, m.classic.sessionTimeoutMs)
	}
	return cg, nil
}

// fromClassicMember is a classic group's member as a classic member of a
// consumer group.
func (s *Shard) fromClassicMember(g *classicGroup, cm *classicMember) (*consumerMember, *kafkaError) {
	sub, err := s.decodeSubscription(cm.metadata(g.protocol))
	if err != nil {
		return nil, errorf(codeGroupIDNotFound, "%s", err.Error())
	}
	assigned, err := s.decodeAssignment(cm.assignment)
	if err != nil {
		return nil, errorf(codeGroupIDNotFound, "%s", err.Error())
	}
	m := newConsumerMember(cm.id)
	m.instanceID, m.rackID = clonePtr(cm.instanceID), sub.rack
	m.clientID, m.clientHost = cm.clientID, cm.clientHost
	m.topics, m.rebalanceTimeoutMs = sub.topics, cm.rebalanceTimeoutMs
	m.classic = &classicMetadata{sessionTimeoutMs: cm.sessionTimeoutMs, protocols: slices.Clone(cm.protocols)}
	m.epoch, m.previousEpoch, m.state = g.generation, g.generation, memberStable
	m.assigned, m.revoking = assigned, assignor.Assignment{}
	return m, nil
}

// canDowngrade: fencing this member leaves a consumer group whose members
// all use the classic protocol, which may go back to being a classic
// group (Kafka's validateOnlineDowngradeWithFencedMember).
func (s *Shard) canDowngrade(g *consumerGroup, fenced string) bool {
	return g.allClassicExcept(fenced) && len(g.members) > 1 && s.cfg.downgradeEnabled() &&
		len(g.members)-1 <= int(s.cfg.GroupMaxSize)
}

// downgrade converts a consumer group, without the member leaving it, into
// a classic group (Kafka's ClassicGroup.fromConsumerGroup): Stable at the
// group epoch, each member with its supported protocols and its target
// assignment as a ConsumerProtocolAssignment. When a member left, a
// rebalance starts at once so that the members rejoin; when a classic
// static member (joiner) replaces the leaving one, it takes that one's
// assignment and the group stays Stable.
//
// The records delete the consumer group as it is and write the classic
// one. As in Kafka the live group is replaced now (it must be there to
// rebalance), so replaying them changes nothing here, while a shard
// loading them gets the group as written.
func (s *Shard) downgrade(g *consumerGroup, leaving string, joiner *consumerMember) ([]coordinator.Record, *classicGroup) {
	cl := newClassicGroup(g.id, stateStable, s.now)
	cl.generation, cl.protocolType = g.epoch, consumerProtocolType
	targetOf := map[string]string{} // classic member id → the member whose target it takes
	var members []*consumerMember
	for _, id := range slices.Sorted(maps.Keys(g.members)) {
		if id != leaving {
			members = append(members, g.members[id])
			targetOf[id] = id
		}
	}
	if joiner != nil {
		members = append(members, joiner)
		targetOf[joiner.id] = leaving
	}
	for _, m := range members {
		cl.add(&classicMember{
			id: m.id, instanceID: clonePtr(m.instanceID), clientID: m.clientID, clientHost: m.clientHost,
			rebalanceTimeoutMs: m.rebalanceTimeoutMs, sessionTimeoutMs: m.classic.sessionTimeoutMs,
			protocolType: consumerProtocolType, protocols: slices.Clone(m.classic.protocols),
		}, nil)
	}
	cl.protocol = cl.selectProtocol()
	cl.subscribed = cl.computeSubscribed()
	for _, m := range cl.members {
		m.assignment = s.encodeAssignment(g.target[targetOf[m.id]], subscriptionVersion(m.metadata(cl.protocol)))
	}

	recs := consumerTombstones(g)
	recs = append(recs, groupMetadataRecord(cl.id, cl.metadataValue(cl.assignments())))
	cl.writes = append(cl.writes, classicWrite{kind: writeCheckpoint})

	s.removeConsumerGroup(g)
	s.groups[cl.id] = cl
	for _, m := range cl.members {
		s.setHeartbeat(cl, m.id, m.sessionTimeoutMs)
	}
	if joiner == nil {
		s.prepareRebalance(cl)
	}
	return recs, cl
}
