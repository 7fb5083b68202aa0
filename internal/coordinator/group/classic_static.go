package group

import "github.com/twmb/franz-go/pkg/kmsg"

// rejoinStaticMember handles a JoinGroup without member id from a known
// static member (KIP-345): the instance gets a new member id in place of
// the old one, keeping its assignment. In a stable group whose protocol
// would not change, that happens without a rebalance, once written down.
func (s *Shard) rejoinStaticMember(g *classicGroup, j joinRequest, oldID, newID string) {
	old := g.member(oldID)
	nm := old.clone()
	nm.id, nm.join, nm.sync, nm.isNew = newID, nil, nil, false
	nm.protocols = protocolsOf(j.req.Protocols)
	nm.rebalanceTimeoutMs, nm.sessionTimeoutMs = j.rebalanceTimeoutMs, j.req.SessionTimeoutMillis
	// Kafka restarts the session with the old member's timeout.
	session := old.sessionTimeoutMs

	if g.is(stateStable) {
		tried := g.clone()
		tried.replaceStatic(oldID, nm)
		if tried.selectProtocol() == g.protocol {
			s.persistStaticRejoin(g, tried, j, oldID, nm, session)
			return
		}
	}

	// Otherwise the new member id is part of a rebalance, which Kafka
	// does not write down; the old id's parked requests are fenced.
	s.completeJoin(g, old, fencedJoinResponse(oldID))
	s.completeSync(old, syncErrorResponse(codeFencedInstanceID))
	nm.join = s.park(g, newID, j.r.ID, j.req.Version, false)
	g.replaceStatic(oldID, nm)
	s.timers.cancel(heartbeatKey(g.id, oldID))
	s.setHeartbeat(g, newID, session)
	switch g.state {
	case stateStable:
		s.maybePrepareRebalanceOrCompleteJoin(g) // the protocol would change
	case stateCompletingRebalance:
		// The leader may already be assigning to the old id.
		s.prepareRebalance(g)
	default:
		s.maybeCompleteJoinPhase(g)
	}
}

// persistStaticRejoin writes the stable group with the new member id and
// answers the member once that is committed; the group takes the new id
// when the record is replayed.
func (s *Shard) persistStaticRejoin(g, tried *classicGroup, j joinRequest, oldID string, nm *classicMember, session int32) {
	s.writeClassic(g, tried.metadataValue(tried.assignments()),
		classicWrite{kind: writeStaticRejoin, oldID: oldID, member: nm})
	s.setHeartbeat(g, nm.id, session)
	var resp *kmsg.JoinGroupResponse
	if j.req.Version >= 9 {
		// KIP-814: a static leader learns it leads, but must not assign:
		// a stable group would ignore a new assignment.
		leader := tried.isLeader(nm.id)
		resp = tried.joinResponse(nm.id, leader)
		resp.SkipAssignment = leader
	} else {
		// Older clients are told the old leader id, so that a rejoining
		// leader does not believe it leads and assign for nothing.
		resp = tried.joinResponse(nm.id, false)
		resp.LeaderID = g.leader
	}
	s.replyJoin(j, resp)
}

func fencedJoinResponse(memberID string) *kmsg.JoinGroupResponse {
	return joinErrorResponse(memberID, codeFencedInstanceID)
}
