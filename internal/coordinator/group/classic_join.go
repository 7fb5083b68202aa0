package group

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// joinRequest is a JoinGroup being handled.
type joinRequest struct {
	r                  coordinator.Request
	req                *kmsg.JoinGroupRequest
	rebalanceTimeoutMs int32
}

func (s *Shard) joinGroup(r coordinator.Request, req *kmsg.JoinGroupRequest) {
	j := joinRequest{r: r, req: req, rebalanceTimeoutMs: req.RebalanceTimeoutMillis}
	if req.Version == 0 {
		// v0 has no rebalance timeout; Kafka takes the session timeout.
		j.rebalanceTimeoutMs = req.SessionTimeoutMillis
	}
	if req.Group == "" {
		s.joinError(j, req.MemberID, codeInvalidGroupID)
		return
	}
	if req.SessionTimeoutMillis < s.cfg.GroupMinSessionTimeoutMs || req.SessionTimeoutMillis > s.cfg.GroupMaxSessionTimeoutMs {
		s.joinError(j, req.MemberID, codeInvalidSessionTimeout)
		return
	}
	g, created, ok := s.classicGroupForJoin(j)
	if !ok {
		return
	}
	records := len(s.out.Records)
	switch {
	case !s.acceptJoining(g, req.MemberID):
		s.removeMember(g, req.MemberID)
		s.joinError(j, "", codeGroupMaxSizeReached)
	case req.MemberID == "":
		s.joinNewMember(g, j)
	default:
		s.joinExistingMember(g, j)
	}
	if created && len(s.out.Records) == records {
		// Kafka writes a new group down at once, even when the join failed.
		s.writeClassic(g, g.emptyValue(), classicWrite{kind: writeCheckpoint})
	}
}

// classicGroupForJoin finds the group, or creates it for a member without
// a member id; false when the request has been answered.
func (s *Shard) classicGroupForJoin(j joinRequest) (g *classicGroup, created, ok bool) {
	id := j.req.Group
	switch existing := s.groups[id].(type) {
	case *classicGroup:
		return existing, false, true
	case nil:
	case *consumerGroup:
		if !existing.isEmpty() {
			// The member joins the consumer group as a classic member.
			s.classicJoinConsumer(existing, j)
			return nil, false, false
		}
		// An empty consumer group gives way to a classic one, as in
		// Kafka: its records are deleted, its offsets stay.
		s.out.Records = append(s.out.Records, consumerTombstones(existing)...)
	default:
		s.joinError(j, "", codeInconsistentGroupProto)
		return nil, false, false
	}
	if j.req.MemberID != "" {
		s.joinError(j, j.req.MemberID, codeUnknownMemberID)
		return nil, false, false
	}
	g = newClassicGroup(id, stateEmpty, s.now)
	s.groups[id] = g
	return g, true, true
}

// acceptJoining applies group.max.size. While preparing a rebalance the
// members that have rejoined are counted, so that an over-full group
// sheds the last to rejoin.
func (s *Shard) acceptJoining(g *classicGroup, memberID string) bool {
	m := g.member(memberID)
	switch g.state {
	case statePreparingRebalance:
		return (m != nil && m.join != nil) || g.awaitingJoin < int(s.cfg.GroupMaxSize)
	case stateCompletingRebalance, stateStable:
		return m != nil || len(g.members) < int(s.cfg.GroupMaxSize)
	}
	return true
}

func (s *Shard) joinNewMember(g *classicGroup, j joinRequest) {
	switch {
	case g.is(stateDead):
		// The group is being deleted; the member retries.
		s.joinError(j, "", codeCoordinatorNotAvailable)
	case !g.supportsProtocols(j.req.ProtocolType, protocolNames(j.req.Protocols)):
		s.joinError(j, "", codeInconsistentGroupProto)
	case j.req.InstanceID != nil:
		newID := *j.req.InstanceID + "-" + s.newUUID()
		if oldID, ok := g.static[*j.req.InstanceID]; ok {
			s.rejoinStaticMember(g, j, oldID, newID)
			return
		}
		s.addMemberAndRebalance(g, j, newID)
	case j.req.Version >= 4:
		// KIP-394: the member gets an id and must join again with it, so
		// that a client that gives up before the answer leaves no member.
		newID := j.r.ClientID + "-" + s.newUUID()
		g.pendingJoin[newID] = true
		s.setHeartbeat(g, newID, j.req.SessionTimeoutMillis)
		s.joinError(j, newID, codeMemberIDRequired)
	default:
		s.addMemberAndRebalance(g, j, j.r.ClientID+"-"+s.newUUID())
	}
}

func (s *Shard) joinExistingMember(g *classicGroup, j joinRequest) {
	id := j.req.MemberID
	switch {
	case g.is(stateDead):
		s.joinError(j, id, codeCoordinatorNotAvailable)
	case !g.supportsProtocols(j.req.ProtocolType, protocolNames(j.req.Protocols)):
		s.joinError(j, id, codeInconsistentGroupProto)
	case g.pendingJoin[id]:
		if j.req.InstanceID != nil {
			// Pending members are dynamic; Kafka fails this with an
			// IllegalStateException, which clients see as this.
			s.joinError(j, "", codeUnknownServerError)
			return
		}
		s.addMemberAndRebalance(g, j, id)
	default:
		if code := g.validateMember(id, j.req.InstanceID); code != 0 {
			s.joinError(j, id, code)
			return
		}
		s.rejoin(g, g.member(id), j)
	}
}

// rejoin handles a JoinGroup from a current member.
func (s *Shard) rejoin(g *classicGroup, m *classicMember, j joinRequest) {
	switch g.state {
	case statePreparingRebalance:
		s.updateMemberAndRebalance(g, m, j)
	case stateCompletingRebalance:
		if !m.matches(j.req.Protocols) {
			s.updateMemberAndRebalance(g, m, j)
			return
		}
		// The member lost the JoinGroup answer: send it again.
		s.replyJoin(j, g.joinResponse(m.id, g.isLeader(m.id)))
	case stateStable:
		// A leader's JoinGroup always rebalances: it is how a consumer
		// asks for a new assignment when topic metadata changes.
		if g.isLeader(m.id) || !m.matches(j.req.Protocols) {
			s.updateMemberAndRebalance(g, m, j)
			return
		}
		s.replyJoin(j, g.joinResponse(m.id, false))
	default:
		s.joinError(j, m.id, codeUnknownMemberID)
	}
}

func (s *Shard) addMemberAndRebalance(g *classicGroup, j joinRequest, id string) {
	m := &classicMember{
		id: id, instanceID: clonePtr(j.req.InstanceID),
		clientID: j.r.ClientID, clientHost: j.r.ClientHost,
		rebalanceTimeoutMs: j.rebalanceTimeoutMs, sessionTimeoutMs: j.req.SessionTimeoutMillis,
		protocolType: j.req.ProtocolType, protocols: protocolsOf(j.req.Protocols),
		isNew: true,
	}
	if g.is(statePreparingRebalance) && g.prevState == stateEmpty {
		g.newMemberAdded = true // extends the delayed first join
	}
	g.add(m, s.park(g, id, j.r.ID, j.req.Version, false))
	// A new member cannot heartbeat while its JoinGroup waits, and a
	// client that gave up would leave it here forever: Kafka drops it
	// after a fixed timeout, and the client, if alive, joins again.
	s.setHeartbeat(g, id, newMemberJoinTimeoutMs)
	s.maybePrepareRebalanceOrCompleteJoin(g)
}

func (s *Shard) updateMemberAndRebalance(g *classicGroup, m *classicMember, j joinRequest) {
	// A JoinGroup still parked for this member is replaced. Kafka never
	// answers it; answering lets nothing wait on it forever.
	s.completeJoin(g, m, joinErrorResponse(m.id, codeRebalanceInProgress))
	w := s.park(g, m.id, j.r.ID, j.req.Version, false)
	g.update(m, protocolsOf(j.req.Protocols), j.rebalanceTimeoutMs, j.req.SessionTimeoutMillis, w)
	s.maybePrepareRebalanceOrCompleteJoin(g)
}

// joinResponse is the answer to a member at the end of the join phase;
// the leader gets every member's metadata.
func (g *classicGroup) joinResponse(memberID string, withMembers bool) *kmsg.JoinGroupResponse {
	resp := kmsg.NewPtrJoinGroupResponse()
	resp.MemberID, resp.Generation, resp.LeaderID = memberID, g.generation, g.leader
	resp.Protocol, resp.ProtocolType = optional(g.protocol), optional(g.protocolType)
	if withMembers {
		for _, m := range g.members {
			jm := kmsg.NewJoinGroupResponseMember()
			jm.MemberID, jm.InstanceID, jm.ProtocolMetadata = m.id, m.instanceID, m.metadata(g.protocol)
			resp.Members = append(resp.Members, jm)
		}
	}
	return resp
}

func joinErrorResponse(memberID string, code int16) *kmsg.JoinGroupResponse {
	resp := kmsg.NewPtrJoinGroupResponse()
	resp.MemberID, resp.ErrorCode = memberID, code
	return resp
}

func (s *Shard) joinError(j joinRequest, memberID string, code int16) {
	s.replyJoin(j, joinErrorResponse(memberID, code))
}

func (s *Shard) replyJoin(j joinRequest, resp *kmsg.JoinGroupResponse) {
	resp.Version = j.req.Version
	s.reply(j.r.ID, resp)
}

// optional is a nullable string field: nil for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func clonePtr(s *string) *string {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}

// membersSnapshot lists the members, so that a loop may remove some.
func (g *classicGroup) membersSnapshot() []*classicMember { return slices.Clone(g.members) }
