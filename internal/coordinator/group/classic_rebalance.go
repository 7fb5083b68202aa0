package group

import (
	"maps"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func heartbeatKey(group, member string) timerKey {
	return timerKey{kind: timerHeartbeat, group: group, member: member}
}

func joinKey(group string) timerKey { return timerKey{kind: timerJoin, group: group} }
func syncKey(group string) timerKey { return timerKey{kind: timerSync, group: group} }

// setHeartbeat (re)starts a member's session: it expires after timeoutMs
// without a heartbeat.
func (s *Shard) setHeartbeat(g *classicGroup, memberID string, timeoutMs int32) {
	s.timers.set(timer{key: heartbeatKey(g.id, memberID), at: s.now + int64(timeoutMs)})
}

func (s *Shard) maybePrepareRebalanceOrCompleteJoin(g *classicGroup) {
	if g.canRebalance() {
		s.prepareRebalance(g)
		return
	}
	s.maybeCompleteJoinPhase(g)
}

// prepareRebalance starts a join phase. A new group's first one waits
// group.initial.rebalance.delay.ms (longer while members keep coming), so
// that consumers starting together land in one generation; later ones
// end when every member has rejoined, or after the rebalance timeout.
func (s *Shard) prepareRebalance(g *classicGroup) {
	if g.is(stateCompletingRebalance) {
		s.resetAssignments(g, codeRebalanceInProgress)
	}
	clear(g.pendingSync)
	s.timers.cancel(syncKey(g.id))
	initial := g.is(stateEmpty)
	if initial {
		delay := s.cfg.GroupInitialRebalanceDelayMs
		s.timers.set(timer{
			key: joinKey(g.id), at: s.now + int64(delay),
			initial: true, delay: delay, remaining: max(g.rebalanceTimeoutMs()-delay, 0),
		})
	}
	g.transition(statePreparingRebalance, s.now)
	if initial {
		return
	}
	if g.hasAllMembersJoined() {
		s.completeJoinPhase(g)
		return
	}
	s.timers.set(timer{key: joinKey(g.id), at: s.now + int64(g.rebalanceTimeoutMs())})
}

// maybeCompleteJoinPhase ends the join phase once everyone has rejoined,
// except a new group's first, which always waits for its delay.
func (s *Shard) maybeCompleteJoinPhase(g *classicGroup) {
	if g.is(statePreparingRebalance) && g.prevState != stateEmpty && g.hasAllMembersJoined() {
		s.completeJoinPhase(g)
	}
}

func (s *Shard) onJoinTimer(t timer) {
	g, ok := s.groups[t.key.group].(*classicGroup)
	if !ok {
		return
	}
	if t.initial && g.newMemberAdded && t.remaining != 0 {
		// A member came during the delay: wait again, up to the rebalance
		// timeout in all. (Kafka takes off the previous delay, not this one.)
		g.newMemberAdded = false
		delay := min(s.cfg.GroupInitialRebalanceDelayMs, t.remaining)
		s.timers.set(timer{
			key: joinKey(g.id), at: s.now + int64(delay),
			initial: true, delay: delay, remaining: max(t.remaining-t.delay, 0),
		})
		return
	}
	s.completeJoinPhase(g)
}

// completeJoinPhase is Kafka's completeClassicGroupJoin: dynamic members
// that did not rejoin leave, and the group moves to the next generation.
// Every member gets the JoinGroup answer (the leader with all members'
// metadata to assign) and must send SyncGroup within the rebalance timeout.
func (s *Shard) completeJoinPhase(g *classicGroup) {
	s.timers.cancel(joinKey(g.id))
	for _, m := range g.membersSnapshot() {
		if m.join == nil && !m.isStatic() {
			s.removeMember(g, m.id)
		}
	}
	if g.is(stateDead) {
		return
	}
	if !g.maybeElectNewJoinedLeader() && len(g.members) > 0 {
		// Only static members that have not rejoined are left: wait for
		// them, or for their sessions to end.
		s.timers.set(timer{key: joinKey(g.id), at: s.now + int64(g.rebalanceTimeoutMs())})
		return
	}
	g.initNextGeneration(s.now)
	if g.is(stateEmpty) {
		s.writeClassic(g, g.metadataValue(nil), classicWrite{kind: writeCheckpoint})
		return
	}
	for _, m := range g.members {
		s.completeJoin(g, m, g.joinResponse(m.id, g.isLeader(m.id)))
		s.setHeartbeat(g, m.id, m.sessionTimeoutMs)
		m.isNew = false
		g.pendingSync[m.id] = true
	}
	s.timers.set(timer{key: syncKey(g.id), at: s.now + int64(g.rebalanceTimeoutMs()), generation: g.generation})
}

// onSyncTimer removes the members that never sent SyncGroup for the
// generation the timer was set in, and rebalances.
func (s *Shard) onSyncTimer(t timer) {
	g, ok := s.groups[t.key.group].(*classicGroup)
	if !ok || t.generation != g.generation || !(g.is(stateCompletingRebalance) || g.is(stateStable)) {
		return
	}
	if len(g.pendingSync) == 0 {
		return
	}
	for _, id := range slices.Sorted(maps.Keys(g.pendingSync)) {
		s.removeMember(g, id)
	}
	s.prepareRebalance(g)
}

// resetAssignments ends a CompletingRebalance that is interrupted: the
// assignments are dropped and the parked SyncGroups get the error.
func (s *Shard) resetAssignments(g *classicGroup, code int16) {
	for _, m := range g.members {
		m.assignment = []byte{}
	}
	for _, m := range g.members {
		if s.completeSync(m, syncErrorResponse(code)) {
			s.setHeartbeat(g, m.id, m.sessionTimeoutMs)
		}
	}
}

// removeMember drops a member (or pending member) and its session,
// answering any request it still has parked.
func (s *Shard) removeMember(g *classicGroup, id string) {
	if m := g.member(id); m != nil {
		s.completeJoin(g, m, joinErrorResponse("", codeUnknownMemberID))
		s.completeSync(m, syncErrorResponse(codeUnknownMemberID))
	}
	g.remove(id)
	s.timers.cancel(heartbeatKey(g.id, id))
}

// park registers a request that waits for the group.
func (s *Shard) park(g *classicGroup, memberID string, id uint64, version int16, sync bool) *waiter {
	s.waits[id] = waitRef{group: g.id, member: memberID, sync: sync}
	return &waiter{id: id, version: version}
}

// completeJoin answers the member's parked JoinGroup, if it has one.
func (s *Shard) completeJoin(g *classicGroup, m *classicMember, resp *kmsg.JoinGroupResponse) bool {
	w := m.join
	if w == nil {
		return false
	}
	m.join = nil
	g.awaitingJoin--
	s.answer(w, resp)
	return true
}

// completeSync answers the member's parked SyncGroup, if it has one.
func (s *Shard) completeSync(m *classicMember, resp *kmsg.SyncGroupResponse) bool {
	w := m.sync
	if w == nil {
		return false
	}
	m.sync = nil
	s.answer(w, resp)
	return true
}

func (s *Shard) answer(w *waiter, resp kmsg.Response) {
	delete(s.waits, w.id)
	if w.gone {
		return
	}
	resp.SetVersion(w.version)
	s.reply(w.id, resp)
}
