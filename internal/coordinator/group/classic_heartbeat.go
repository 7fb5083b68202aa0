package group

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

func (s *Shard) heartbeat(r coordinator.Request, req *kmsg.HeartbeatRequest) {
	resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
	resp.ErrorCode = s.classicHeartbeat(req)
	s.reply(r.ID, resp)
}

func (s *Shard) classicHeartbeat(req *kmsg.HeartbeatRequest) int16 {
	if req.Group == "" {
		return codeInvalidGroupID
	}
	if c, ok := s.groups[req.Group].(*consumerGroup); ok {
		return s.classicHeartbeatConsumer(c, req)
	}
	g, ok := s.groups[req.Group].(*classicGroup)
	switch {
	case !ok:
		return codeUnknownMemberID
	case g.is(stateDead):
		return codeCoordinatorNotAvailable
	}
	if code := g.validateMember(req.MemberID, req.InstanceID); code != 0 {
		return code
	}
	if req.Generation != g.generation {
		return codeIllegalGeneration
	}
	switch g.state {
	case statePreparingRebalance:
		s.setHeartbeat(g, req.MemberID, g.member(req.MemberID).sessionTimeoutMs)
		return codeRebalanceInProgress
	case stateCompletingRebalance, stateStable:
		// Members heartbeat from their JoinGroup answer on, while the
		// group still waits for SyncGroups.
		s.setHeartbeat(g, req.MemberID, g.member(req.MemberID).sessionTimeoutMs)
		return 0
	}
	return codeUnknownMemberID
}

// expireHeartbeat runs when a session timer fires: the member (or a
// pending member id) leaves, unless it is waiting in a rebalance.
func (s *Shard) expireHeartbeat(groupID, memberID string) {
	g, ok := s.groups[groupID].(*classicGroup)
	if !ok || g.is(stateDead) {
		return
	}
	if g.pendingJoin[memberID] {
		g.remove(memberID)
		if g.is(statePreparingRebalance) && g.hasAllMembersJoined() {
			s.completeJoinPhase(g)
		}
		return
	}
	m := g.member(memberID)
	if m == nil || m.hasSatisfiedHeartbeat() {
		return
	}
	s.removeMemberAndRebalance(g, m)
}

// removeMemberAndRebalance drops a failed or leaving member and moves the
// group on: a rebalance if it was stable, the end of the join phase if
// everyone else has rejoined.
func (s *Shard) removeMemberAndRebalance(g *classicGroup, m *classicMember) {
	s.removeMember(g, m.id)
	switch {
	case g.is(stateStable) || g.is(stateCompletingRebalance):
		s.maybePrepareRebalanceOrCompleteJoin(g)
	case g.is(statePreparingRebalance) && g.hasAllMembersJoined():
		s.completeJoinPhase(g)
	}
}
