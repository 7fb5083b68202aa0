package group

import (
	"maps"
	"slices"
)

// classicState is a classic group's state, named as Kafka names it.
type classicState int8

const (
	stateEmpty classicState = iota
	statePreparingRebalance
	stateCompletingRebalance
	stateStable
	stateDead
)

var classicStateNames = [...]string{"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead"}

func (s classicState) String() string { return classicStateNames[s] }

// classicGroup is a group of the classic rebalance protocol (JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup): Kafka's ClassicGroup.
//
// Its state is Kafka's in-memory group, which runs ahead of the log during
// a rebalance: Kafka writes no record when members join or leave or when
// the join phase ends with a new generation. What is durable is the last
// GroupMetadata record: written when a JoinGroup creates the group, when
// the leader's assignment arrives (SyncGroup), when a generation ends with
// no members, and when a static member rejoins a stable group under a new
// member id. The assignment, the new member id and the group's deletion
// reach the group only when their record is replayed; see
// classic_replay.go.
type classicGroup struct {
	id           string
	state        classicState
	prevState    classicState
	stateTime    int64 // when it entered its state, Unix ms; -1 if unknown (records before version 2)
	generation   int32
	protocolType string // "": none (a group only used to commit offsets)
	protocol     string // the selected protocol; "": none
	leader       string // leader's member id; "": none

	members []*classicMember          // in the order they joined
	byID    map[string]*classicMember // the same members by id
	static  map[string]string         // instance id → member id
	votes   map[string]int            // protocol name → members supporting it

	pendingJoin  map[string]bool // member ids handed out with MEMBER_ID_REQUIRED, not yet joined
	pendingSync  map[string]bool // members that have not sent SyncGroup for this generation
	awaitingJoin int             // members with a parked JoinGroup

	// newMemberAdded extends the delayed first join of a new group.
	newMemberAdded bool
	// subscribed is the union of the members' topics when the protocol
	// type is "consumer" and every subscription parsed; nil when unknown.
	subscribed map[string]bool

	// writes are the GroupMetadata records emitted for this group and not
	// yet replayed, oldest first.
	writes []classicWrite
}

func newClassicGroup(id string, state classicState, now int64) *classicGroup {
	return &classicGroup{
		id: id, state: state, prevState: stateDead, stateTime: now,
		byID: map[string]*classicMember{}, static: map[string]string{}, votes: map[string]int{},
		pendingJoin: map[string]bool{}, pendingSync: map[string]bool{},
	}
}

func (g *classicGroup) is(s classicState) bool { return g.state == s }

// transition moves to a state; now is when, Unix ms.
func (g *classicGroup) transition(to classicState, now int64) {
	g.prevState, g.state, g.stateTime = g.state, to, now
}

// canRebalance: the states PreparingRebalance may follow.
func (g *classicGroup) canRebalance() bool {
	return g.is(stateStable) || g.is(stateCompletingRebalance) || g.is(stateEmpty)
}

func (g *classicGroup) member(id string) *classicMember { return g.byID[id] }

// add makes m a member; w is its parked JoinGroup, if any.
func (g *classicGroup) add(m *classicMember, w *waiter) {
	if m.instanceID != nil {
		g.static[*m.instanceID] = m.id
	}
	if len(g.members) == 0 {
		g.protocolType = m.protocolType
	}
	if g.leader == "" {
		g.leader = m.id
	}
	g.members = append(g.members, m)
	g.byID[m.id] = m
	g.countVotes(m, 1)
	m.join = w
	if w != nil {
		g.awaitingJoin++
	}
	delete(g.pendingJoin, m.id)
}

// remove drops a member or pending member. The caller answers its parked
// requests first.
func (g *classicGroup) remove(id string) {
	if m := g.byID[id]; m != nil {
		delete(g.byID, id)
		g.members = slices.DeleteFunc(g.members, func(x *classicMember) bool { return x == m })
		g.countVotes(m, -1)
		if m.join != nil {
			g.awaitingJoin--
		}
		if m.instanceID != nil {
			delete(g.static, *m.instanceID)
		}
	}
	if g.leader == id {
		// Kafka takes the next member of a hash map; the oldest is as good.
		g.leader = ""
		if len(g.members) > 0 {
			g.leader = g.members[0].id
		}
	}
	delete(g.pendingJoin, id)
	delete(g.pendingSync, id)
}

// update takes a rejoining member's protocols and timeouts; w is its
// parked JoinGroup, or nil.
func (g *classicGroup) update(m *classicMember, ps []protocol, rebalanceTimeoutMs, sessionTimeoutMs int32, w *waiter) {
	g.countVotes(m, -1)
	m.protocols = ps
	g.countVotes(m, 1)
	m.rebalanceTimeoutMs, m.sessionTimeoutMs = rebalanceTimeoutMs, sessionTimeoutMs
	switch {
	case w != nil && m.join == nil:
		g.awaitingJoin++
	case w == nil && m.join != nil:
		g.awaitingJoin--
	}
	m.join = w
}

// replaceStatic puts nm in the place of a static member with another
// member id: same instance id, leadership and position.
func (g *classicGroup) replaceStatic(oldID string, nm *classicMember) {
	old := g.byID[oldID]
	g.countVotes(old, -1)
	if old.join != nil {
		g.awaitingJoin--
	}
	delete(g.byID, oldID)
	g.members[slices.Index(g.members, old)] = nm
	g.byID[nm.id] = nm
	g.countVotes(nm, 1)
	if nm.join != nil {
		g.awaitingJoin++
	}
	if g.leader == oldID {
		g.leader = nm.id
	}
	g.static[*nm.instanceID] = nm.id
}

// clone copies the group's membership so that a change can be tried on
// it; members themselves are shared.
func (g *classicGroup) clone() *classicGroup {
	c := *g
	c.members = slices.Clone(g.members)
	c.byID = maps.Clone(g.byID)
	c.static = maps.Clone(g.static)
	c.votes = maps.Clone(g.votes)
	c.pendingJoin = maps.Clone(g.pendingJoin)
	c.pendingSync = maps.Clone(g.pendingSync)
	c.writes = nil
	return &c
}

func (g *classicGroup) countVotes(m *classicMember, delta int) {
	for _, p := range m.protocols {
		g.votes[p.name] += delta
		if g.votes[p.name] == 0 {
			delete(g.votes, p.name)
		}
	}
}

func (g *classicGroup) isLeader(id string) bool { return g.leader != "" && g.leader == id }

// hasAllMembersJoined: every member has a parked JoinGroup and no member
// id handed out with MEMBER_ID_REQUIRED is still expected.
func (g *classicGroup) hasAllMembersJoined() bool {
	return len(g.members) == g.awaitingJoin && len(g.pendingJoin) == 0
}

// rebalanceTimeoutMs is the longest rebalance timeout of the members.
func (g *classicGroup) rebalanceTimeoutMs() int32 {
	var t int32
	for _, m := range g.members {
		t = max(t, m.rebalanceTimeoutMs)
	}
	return t
}

// validateMember checks a request's member id and instance id.
func (g *classicGroup) validateMember(id string, instanceID *string) int16 {
	if instanceID != nil {
		existing, ok := g.static[*instanceID]
		if !ok {
			return codeUnknownMemberID
		}
		if existing != id {
			return codeFencedInstanceID
		}
	}
	if g.byID[id] == nil {
		return codeUnknownMemberID
	}
	return 0
}

// maybeElectNewJoinedLeader keeps a leader that rejoined, or else makes
// the first member that rejoined the leader. False when there is no
// leader or nobody rejoined.
func (g *classicGroup) maybeElectNewJoinedLeader() bool {
	if g.leader == "" {
		return false
	}
	if g.byID[g.leader].join != nil {
		return true
	}
	for _, m := range g.members {
		if m.join != nil {
			g.leader = m.id
			return true
		}
	}
	return false
}

// initNextGeneration ends the join phase: a new generation, the protocol
// the members vote for, and CompletingRebalance (or Empty without members).
func (g *classicGroup) initNextGeneration(now int64) {
	g.generation++
	if len(g.members) > 0 {
		g.protocol = g.selectProtocol()
		g.subscribed = g.computeSubscribed()
		g.transition(stateCompletingRebalance, now)
	} else {
		g.protocol = ""
		g.subscribed = g.computeSubscribed()
		g.transition(stateEmpty, now)
	}
	clear(g.pendingSync)
}

// assignments are the members' current assignments by member id.
func (g *classicGroup) assignments() map[string][]byte {
	out := make(map[string][]byte, len(g.members))
	for _, m := range g.members {
		out[m.id] = m.assignment
	}
	return out
}
