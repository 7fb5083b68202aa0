package group

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

func (s *Shard) leaveGroup(r coordinator.Request, req *kmsg.LeaveGroupRequest) {
	resp := req.ResponseKind().(*kmsg.LeaveGroupResponse)
	leaving := req.Members
	if req.Version < 3 {
		leaving = []kmsg.LeaveGroupRequestMember{{MemberID: req.MemberID}}
	}
	c, isConsumer := s.groups[req.Group].(*consumerGroup)
	switch g, ok := s.groups[req.Group].(*classicGroup); {
	case req.Group == "":
		resp.ErrorCode = codeInvalidGroupID
	case isConsumer:
		resp.Members = s.classicLeaveConsumer(c, leaving)
	case !ok:
		for _, l := range leaving {
			resp.Members = append(resp.Members, leftMember(l, codeUnknownMemberID))
		}
	case g.is(stateDead):
		resp.ErrorCode = codeCoordinatorNotAvailable
	default:
		resp.Members = s.classicLeave(g, leaving)
	}
	if req.Version < 3 && resp.ErrorCode == 0 {
		// One member, no member list: its error is the response's.
		resp.ErrorCode, resp.Members = resp.Members[0].ErrorCode, nil
	}
	s.reply(r.ID, resp)
}

// classicLeave removes the members (v3+ may name several, and static
// members by instance id alone), then rebalances once.
func (s *Shard) classicLeave(g *classicGroup, leaving []kmsg.LeaveGroupRequestMember) []kmsg.LeaveGroupResponseMember {
	var out []kmsg.LeaveGroupResponseMember
	left := false
	for _, l := range leaving {
		code := s.leaveOne(g, l)
		left = left || code == 0
		out = append(out, leftMember(l, code))
	}
	if left {
		switch g.state {
		case stateStable, stateCompletingRebalance:
			s.maybePrepareRebalanceOrCompleteJoin(g)
		case statePreparingRebalance:
			s.maybeCompleteJoinPhase(g)
		}
	}
	return out
}

func (s *Shard) leaveOne(g *classicGroup, l kmsg.LeaveGroupRequestMember) int16 {
	switch {
	case l.MemberID == "":
		// An administrator removes a static member by instance id.
		if l.InstanceID == nil {
			return codeUnknownMemberID
		}
		id, ok := g.static[*l.InstanceID]
		if !ok {
			return codeUnknownMemberID
		}
		s.removeMember(g, id)
	case g.pendingJoin[l.MemberID]:
		s.removeMember(g, l.MemberID)
	default:
		if code := g.validateMember(l.MemberID, l.InstanceID); code != 0 {
			return code
		}
		s.removeMember(g, l.MemberID)
	}
	return 0
}

func leftMember(l kmsg.LeaveGroupRequestMember, code int16) kmsg.LeaveGroupResponseMember {
	m := kmsg.NewLeaveGroupResponseMember()
	m.MemberID, m.InstanceID, m.ErrorCode = l.MemberID, l.InstanceID, code
	return m
}
