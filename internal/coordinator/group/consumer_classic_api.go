package group

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// Members of the classic protocol in a consumer group (Kafka's
// classicGroup*ToConsumerGroup): JoinGroup, SyncGroup, Heartbeat and
// LeaveGroup are served from the consumer group's target assignment and
// reconciliation. A JoinGroup is a heartbeat that (re)subscribes the
// member with the topics and owned partitions of its
// ConsumerProtocolSubscription and is answered at once with the member's
// epoch as the generation; its SyncGroup gets the member's current
// assignment as a ConsumerProtocolAssignment; a Heartbeat answers
// REBALANCE_IN_PROGRESS when the member must rejoin to move on (the group
// epoch passed it, it must revoke partitions, or partitions it waited for
// are free). A classic member revokes by rejoining without the partitions
// (eager members own nothing when they rejoin, cooperative ones drop only
// those taken away), and has join and sync timeouts instead of a rebalance
// timeout.

// classicJoinConsumer handles a JoinGroup for a consumer group with
// members.
func (s *Shard) classicJoinConsumer(g *consumerGroup, j joinRequest) {
	resp, recs, err := s.decideClassicJoin(g, j)
	if err != nil {
		s.joinError(j, "", err.code)
		return
	}
	s.out.Records = append(s.out.Records, recs...)
	s.replyJoin(j, resp)
}

func (s *Shard) decideClassicJoin(g *consumerGroup, j joinRequest) (*kmsg.JoinGroupResponse, []coordinator.Record, *kafkaError) {
	req := j.req
	memberID := req.MemberID
	unknown := memberID == ""
	if unknown {
		memberID = s.newMemberID()
	}
	if len(g.members) >= int(s.cfg.GroupConsumerMaxSize) && g.members[memberID] == nil {
		return nil, nil, errorf(codeGroupMaxSizeReached, "The consumer group has reached its maximum capacity of %d members.", s.cfg.GroupConsumerMaxSize)
	}
	if !g.supportsClassicProtocols(req.ProtocolType, protocolNames(req.Protocols)) {
		return nil, nil, errorf(codeInconsistentGroupProto, "Member %s's protocols are not supported.", memberID)
	}
	if unknown && req.InstanceID == nil && req.Version >= 4 {
		// KIP-394: a dynamic member joins again with the id it is given.
		return joinErrorResponse(memberID, codeMemberIDRequired), nil, nil
	}
	h := &heartbeat{s: s, g: g}
	old, replaced, err := h.classicMember(memberID, req.InstanceID, unknown)
	if err != nil {
		return nil, nil, err
	}
	sub, decodeErr := s.decodeSubscription(req.Protocols[0].Metadata)
	if decodeErr != nil {
		return nil, nil, errorf(codeUnknownServerError, "Malformed embedded consumer protocol in subscription deserialization.")
	}
	h.owned = sub.owned

	updated := old.clone()
	if req.InstanceID != nil {
		updated.instanceID = clonePtr(req.InstanceID)
	}
	if sub.rack != nil {
		updated.rackID = sub.rack
	}
	if j.rebalanceTimeoutMs != -1 {
		updated.rebalanceTimeoutMs = j.rebalanceTimeoutMs
	}
	updated.topics = sub.topics
	updated.clientID, updated.clientHost = j.r.ClientID, j.r.ClientHost
	updated.classic = &classicMetadata{sessionTimeoutMs: req.SessionTimeoutMillis, protocols: protocolsOf(req.Protocols)}
	reconciled, err := h.advance(old, updated, replaced)
	if err != nil {
		return nil, nil, err
	}

	resp := kmsg.NewPtrJoinGroupResponse()
	resp.MemberID, resp.Generation = reconciled.id, reconciled.epoch
	resp.ProtocolType, resp.Protocol = optional(consumerProtocolType), optional(reconciled.classic.protocolName())
	if replaced != "" && s.canDowngradeReplacing(g, replaced) {
		// The last member of the consumer protocol was a static member
		// this classic member replaces: the group goes back to classic.
		recs, cl := s.downgrade(g, replaced, reconciled)
		resp.Generation = cl.generation
		return resp, recs, nil
	}
	s.timers.cancel(consumerJoinKey(g.id, reconciled.id))
	s.setSession(g.id, reconciled.id, req.SessionTimeoutMillis)
	s.timers.set(timer{key: consumerSyncKey(g.id, reconciled.id), at: s.now + int64(j.rebalanceTimeoutMs)})
	return resp, h.recs, nil
}

// classicMember finds the member a JoinGroup is from, or makes it. A
// dynamic member joins under the id it gives, known or not. A static
// member that joins without a member id takes the place of the member
// with its instance id, whichever protocol that one used (replaced names
// it); with a member id it must be that member.
func (h *heartbeat) classicMember(memberID string, instanceID *string, unknown bool) (m *consumerMember, replaced string, err *kafkaError) {
	g := h.g
	if instanceID == nil {
		if m = g.members[memberID]; m == nil {
			m = newConsumerMember(memberID)
		}
		return m, "", nil
	}
	existing := g.staticMember(*instanceID)
	switch {
	case existing == nil && unknown:
		return newConsumerMember(memberID), "", nil
	case existing == nil:
		return nil, "", errorf(codeUnknownMemberID, "Instance id %s is unknown.", *instanceID)
	case !unknown && existing.id != memberID:
		return nil, "", errorf(codeFencedInstanceID, "Static member %s with instance id %s was fenced by member %s.", memberID, *instanceID, existing.id)
	case !unknown:
		return existing, "", nil
	}
	m = existing.clone()
	m.id, m.epoch, m.previousEpoch = memberID, 0, 0
	h.writeRemoveMember(existing.id)
	h.write(memberRecord(g.id, m))
	h.write(targetMemberRecord(g.id, m.id, g.target[existing.id]))
	h.write(currentRecord(g.id, m))
	return m, existing.id, nil
}

// canDowngradeReplacing: a classic member replacing this static member
// leaves only classic members (Kafka's
// validateOnlineDowngradeWithReplacedMemberId).
func (s *Shard) canDowngradeReplacing(g *consumerGroup, replaced string) bool {
	return g.allClassicExcept(replaced) && s.cfg.downgradeEnabled() && len(g.members) <= int(s.cfg.GroupMaxSize)
}

// classicGroupMember finds the classic member a SyncGroup, Heartbeat or
// OffsetCommit is from (Kafka's validateConsumerGroupMember, then the
// classic protocol check).
func (g *consumerGroup) classicGroupMember(memberID string, instanceID *string) (*consumerMember, int16) {
	var m *consumerMember
	if instanceID == nil {
		m = g.members[memberID]
	} else if m = g.staticMember(*instanceID); m != nil && m.id != memberID {
		return nil, codeFencedInstanceID
	}
	if m == nil || m.classic == nil {
		return nil, codeUnknownMemberID
	}
	return m, 0
}

// mustRejoin: a classic member whose group epoch moved on must rejoin to
// catch up, unless it is revoking partitions (it rejoins after that).
func (g *consumerGroup) mustRejoin(m *consumerMember) bool {
	return g.epoch > m.epoch && m.state != memberUnrevokedPartitions
}

// classicSyncConsumer answers a classic member's SyncGroup with its
// current assignment.
func (s *Shard) classicSyncConsumer(g *consumerGroup, req *kmsg.SyncGroupRequest) *kmsg.SyncGroupResponse {
	m, code := g.classicGroupMember(req.MemberID, req.InstanceID)
	switch {
	case code != 0:
	case req.Generation != m.epoch:
		code = codeIllegalGeneration
	case inconsistent(req.ProtocolType, consumerProtocolType) || inconsistent(req.Protocol, m.classic.protocolName()):
		code = codeInconsistentGroupProto
	case g.mustRejoin(m):
		s.setClassicJoinTimeout(g.id, m)
		code = codeRebalanceInProgress
	}
	if code != 0 {
		return syncErrorResponse(code)
	}
	s.timers.cancel(consumerSyncKey(g.id, m.id))
	s.setSession(g.id, m.id, m.classic.sessionTimeoutMs)
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.ProtocolType, resp.Protocol = req.ProtocolType, req.Protocol
	resp.MemberAssignment = s.encodeAssignment(m.assigned, subscriptionVersion(m.classic.protocols[0].metadata))
	return resp
}

// classicHeartbeatConsumer keeps a classic member's session, and asks it
// to rejoin when it must move on: the group epoch passed it, it must
// revoke partitions, or the partitions it waited for are free.
func (s *Shard) classicHeartbeatConsumer(g *consumerGroup, req *kmsg.HeartbeatRequest) int16 {
	m, code := g.classicGroupMember(req.MemberID, req.InstanceID)
	switch {
	case code != 0:
		return code
	case req.Generation != m.epoch:
		return codeIllegalGeneration
	}
	s.setSession(g.id, m.id, m.classic.sessionTimeoutMs)
	if m.epoch < g.epoch || m.state == memberUnrevokedPartitions ||
		(m.state == memberUnreleasedPartitions && !g.waitingOnUnreleased(m)) {
		s.setClassicJoinTimeout(g.id, m)
		return codeRebalanceInProgress
	}
	return 0
}

// classicLeaveConsumer removes classic members (by member id, or by
// instance id alone for an administrator) and bumps the group epoch once.
// Members of the consumer protocol cannot leave this way.
func (s *Shard) classicLeaveConsumer(g *consumerGroup, leaving []kmsg.LeaveGroupRequestMember) []kmsg.LeaveGroupResponseMember {
	h := &heartbeat{s: s, g: g}
	var out []kmsg.LeaveGroupResponseMember
	remaining := map[string]*consumerMember{}
	for id, m := range g.members {
		remaining[id] = m
	}
	for _, l := range leaving {
		m, code := g.leavingClassicMember(l)
		lm := kmsg.NewLeaveGroupResponseMember()
		lm.MemberID, lm.InstanceID, lm.ErrorCode = l.MemberID, l.InstanceID, code
		if code == 0 {
			lm.MemberID = m.id
			h.writeRemoveMember(m.id)
			s.cancelConsumerTimers(g.id, m.id)
			delete(remaining, m.id)
		}
		out = append(out, lm)
	}
	if len(h.recs) > 0 {
		h.maybeBumpEpoch(true, remaining, g.regexes)
		s.out.Records = append(s.out.Records, h.recs...)
	}
	return out
}

func (g *consumerGroup) leavingClassicMember(l kmsg.LeaveGroupRequestMember) (*consumerMember, int16) {
	var m *consumerMember
	if l.InstanceID == nil {
		m = g.members[l.MemberID]
	} else {
		m = g.staticMember(*l.InstanceID)
		if m != nil && l.MemberID != "" && m.id != l.MemberID {
			return nil, codeFencedInstanceID
		}
	}
	if m == nil || m.classic == nil {
		return nil, codeUnknownMemberID
	}
	return m, 0
}
