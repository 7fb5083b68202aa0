package group

import (
	"bytes"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

func (s *Shard) syncGroup(r coordinator.Request, req *kmsg.SyncGroupRequest) {
	fail := func(code int16) {
		resp := syncErrorResponse(code)
		resp.Version = req.Version
		s.reply(r.ID, resp)
	}
	if req.Group == "" {
		fail(codeInvalidGroupID)
		return
	}
	if req.Version >= 5 && (req.ProtocolType == nil || req.Protocol == nil) {
		fail(codeInconsistentGroupProto) // mandatory from v5
		return
	}
	if c, ok := s.groups[req.Group].(*consumerGroup); ok && !c.isEmpty() {
		resp := s.classicSyncConsumer(c, req)
		resp.Version = req.Version
		s.reply(r.ID, resp)
		return
	}
	g, ok := s.groups[req.Group].(*classicGroup)
	if !ok || g.is(stateEmpty) {
		fail(codeUnknownMemberID)
		return
	}
	if code := g.validateSync(req); code != 0 {
		fail(code)
		return
	}
	m := g.member(req.MemberID)
	switch g.state {
	case statePreparingRebalance:
		fail(codeRebalanceInProgress)
	case stateCompletingRebalance:
		// Replace a SyncGroup still parked for this member (Kafka leaves
		// it unanswered).
		s.completeSync(m, syncErrorResponse(codeRebalanceInProgress))
		m.sync = s.park(g, m.id, r.ID, req.Version, true)
		s.removePendingSync(g, m.id)
		if g.isLeader(m.id) {
			s.leaderSync(g, req)
		}
	case stateStable:
		s.removePendingSync(g, m.id)
		resp := g.syncResponse(m.assignment)
		resp.Version = req.Version
		s.reply(r.ID, resp)
	}
}

func (g *classicGroup) validateSync(req *kmsg.SyncGroupRequest) int16 {
	if g.is(stateDead) {
		return codeCoordinatorNotAvailable
	}
	if code := g.validateMember(req.MemberID, req.InstanceID); code != 0 {
		return code
	}
	if req.Generation != g.generation {
		return codeIllegalGeneration
	}
	if inconsistent(req.ProtocolType, g.protocolType) || inconsistent(req.Protocol, g.protocol) {
		return codeInconsistentGroupProto
	}
	return 0
}

// inconsistent: the request names a protocol (type) other than the group's.
func inconsistent(asked *string, group string) bool {
	return asked != nil && group != "" && *asked != group
}

// leaderSync takes the leader's assignment: members it left out get an
// empty one. The group becomes Stable with it once its GroupMetadata
// record is replayed; the parked SyncGroups are answered in the same
// Output, so only after the record is committed.
func (s *Shard) leaderSync(g *classicGroup, req *kmsg.SyncGroupRequest) {
	assignment := map[string][]byte{}
	for _, a := range req.GroupAssignment {
		assignment[a.MemberID] = bytes.Clone(a.MemberAssignment)
	}
	for _, m := range g.members {
		if _, ok := assignment[m.id]; !ok {
			assignment[m.id] = []byte{}
		}
	}
	s.writeClassic(g, g.metadataValue(assignment),
		classicWrite{kind: writeAssignment, generation: g.generation, at: s.now})
	for _, m := range g.members {
		if s.completeSync(m, g.syncResponse(assignment[m.id])) {
			s.setHeartbeat(g, m.id, m.sessionTimeoutMs)
		}
	}
}

// removePendingSync notes a member's SyncGroup; once every member's has
// come, the SyncGroup timeout is off.
func (s *Shard) removePendingSync(g *classicGroup, id string) {
	delete(g.pendingSync, id)
	if len(g.pendingSync) == 0 || !(g.is(stateCompletingRebalance) || g.is(stateStable)) {
		s.timers.cancel(syncKey(g.id))
	}
}

func (g *classicGroup) syncResponse(assignment []byte) *kmsg.SyncGroupResponse {
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.ProtocolType, resp.Protocol = optional(g.protocolType), optional(g.protocol)
	resp.MemberAssignment = assignment
	return resp
}

func syncErrorResponse(code int16) *kmsg.SyncGroupResponse {
	resp := kmsg.NewPtrSyncGroupResponse()
	resp.ErrorCode = code
	resp.MemberAssignment = []byte{}
	return resp
}
