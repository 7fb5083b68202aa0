package group

import (
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// consumerLeave handles a heartbeat with epoch -1 (the member leaves) or
// -2 (a static member leaves for now, keeping its partitions until it
// comes back under a new member id or its session ends).
func (s *Shard) consumerLeave(req *kmsg.ConsumerGroupHeartbeatRequest, resp *kmsg.ConsumerGroupHeartbeatResponse) ([]coordinator.Record, *kafkaError) {
	g, err := s.existingConsumerGroup(req.Group)
	if err != nil {
		return nil, err
	}
	resp.MemberID, resp.MemberEpoch = &req.MemberID, req.MemberEpoch
	if req.InstanceID == nil {
		m := g.members[req.MemberID]
		if m == nil {
			return nil, errorf(codeUnknownMemberID, "Member %s is not a member of group %s.", req.MemberID, g.id)
		}
		return s.fenceConsumerMember(g, m), nil
	}
	instance := *req.InstanceID
	m := g.staticMember(instance)
	switch {
	case m == nil:
		return nil, errorf(codeUnknownMemberID, "Instance id %s is unknown.", instance)
	case m.id != req.MemberID:
		return nil, errorf(codeFencedInstanceID, "Static member %s with instance id %s was fenced by member %s.", req.MemberID, instance, m.id)
	case req.MemberEpoch == staticLeaveEpoch:
		// The member keeps its place and assignment at epoch -2; its
		// session goes on, so it is removed if it does not come back.
		left := m.clone()
		left.epoch, left.revoking = staticLeaveEpoch, nil
		return []coordinator.Record{currentRecord(g.id, left)}, nil
	}
	return s.fenceConsumerMember(g, m), nil
}

// existingConsumerGroup finds a consumer group for a request that cannot
// create one.
func (s *Shard) existingConsumerGroup(id string) (*consumerGroup, *kafkaError) {
	g, ok := s.liveGroup(id)
	if !ok {
		return nil, errorf(codeGroupIDNotFound, "Group %s not found.", id)
	}
	c, ok := g.(*consumerGroup)
	if !ok {
		return nil, errorf(codeGroupIDNotFound, "Group %s is not a consumer group.", id)
	}
	return c, nil
}

// fenceConsumerMember removes a member (it left, its session expired, it
// did not revoke in time, or, a classic member, did not rejoin or sync in
// time): its records are deleted, with its regex if it was the last to use
// it, and the group epoch moves so that the next heartbeat computes a
// target without it. If only classic members are left, the group goes
// back to being a classic group instead (downgrade).
func (s *Shard) fenceConsumerMember(g *consumerGroup, m *consumerMember) []coordinator.Record {
	if s.canDowngrade(g, m.id) {
		recs, _ := s.downgrade(g, m.id, nil)
		return recs
	}
	h := &heartbeat{s: s, g: g}
	h.writeRemoveMember(m.id)
	regexes := g.regexes
	if m.regex != "" && g.regexSubscribers(m.regex) == 1 {
		regexes = maps.Clone(g.regexes)
		delete(regexes, m.regex)
		h.write(consumerTombstone(consumerKey{version: consumerRegexKeyVersion, group: g.id, sub: m.regex}))
	}
	members := maps.Clone(g.members)
	delete(members, m.id)
	h.maybeBumpEpoch(true, members, regexes)
	s.cancelConsumerTimers(g.id, m.id)
	return h.recs
}

func consumerSessionKey(group, member string) timerKey {
	return timerKey{kind: timerConsumerSession, group: group, member: member}
}

func consumerRebalanceKey(group, member string) timerKey {
	return timerKey{kind: timerConsumerRebalance, group: group, member: member}
}

// setConsumerSession (re)starts a member's session: it is fenced if it
// does not heartbeat within group.consumer.session.timeout.ms.
func (s *Shard) setConsumerSession(group, member string) {
	s.setSession(group, member, s.cfg.GroupConsumerSessionTimeoutMs)
}

// setSession (re)starts a member's session with a timeout of its own: a
// classic member's is the one it joined with.
func (s *Shard) setSession(group, member string, timeoutMs int32) {
	s.timers.set(timer{key: consumerSessionKey(group, member), at: s.now + int64(timeoutMs)})
}

func consumerJoinKey(group, member string) timerKey {
	return timerKey{kind: timerConsumerJoin, group: group, member: member}
}

func consumerSyncKey(group, member string) timerKey {
	return timerKey{kind: timerConsumerSync, group: group, member: member}
}

// setClassicJoinTimeout gives a classic member asked to rejoin its
// rebalance timeout to do so, unless it already has one running.
func (s *Shard) setClassicJoinTimeout(group string, m *consumerMember) {
	s.timers.setIfAbsent(timer{key: consumerJoinKey(group, m.id), at: s.now + int64(m.rebalanceTimeoutMs)})
}

// setConsumerRebalance gives a member that must revoke partitions its
// rebalance timeout to move on from epoch.
func (s *Shard) setConsumerRebalance(group, member string, epoch, timeoutMs int32) {
	s.timers.set(timer{key: consumerRebalanceKey(group, member), at: s.now + int64(timeoutMs), generation: epoch})
}

func (s *Shard) cancelConsumerTimers(group, member string) {
	s.timers.cancel(consumerSessionKey(group, member))
	s.timers.cancel(consumerRebalanceKey(group, member))
	s.timers.cancel(consumerJoinKey(group, member))
	s.timers.cancel(consumerSyncKey(group, member))
}

// onConsumerTimer fences the member whose session ran out, who is still
// at the epoch it had to leave by revoking partitions, or (a classic
// member) who did not rejoin or sync in time.
func (s *Shard) onConsumerTimer(t timer) {
	g, ok := s.groups[t.key.group].(*consumerGroup)
	if !ok || g.dead {
		return
	}
	m := g.members[t.key.member]
	if m == nil || (t.key.kind == timerConsumerRebalance && m.epoch != t.generation) {
		return
	}
	s.out.Records = append(s.out.Records, s.fenceConsumerMember(g, m)...)
}

// startConsumer starts the sessions of a loaded group's members, and the
// rebalance timeouts of those that must revoke, as Kafka does when it
// loads a partition. Members start in id order, so that sessions that end
// together are fenced in the same order on every load.
func (s *Shard) startConsumer(g *consumerGroup) {
	for _, id := range slices.Sorted(maps.Keys(g.members)) {
		m := g.members[id]
		if m.classic != nil {
			// Classic members have their own session timeout and no
			// rebalance timeout: they are asked to rejoin instead.
			s.setSession(g.id, m.id, m.classic.sessionTimeoutMs)
			continue
		}
		s.setConsumerSession(g.id, m.id)
		if m.state == memberUnrevokedPartitions {
			s.setConsumerRebalance(g.id, m.id, m.epoch, m.rebalanceTimeoutMs)
		}
	}
}
