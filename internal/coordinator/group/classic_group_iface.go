package group

// The classic group's side of the group interface.

func (g *classicGroup) groupID() string          { return g.id }
func (g *classicGroup) typeName() string         { return "classic" }
func (g *classicGroup) stateName() string        { return g.state.String() }
func (g *classicGroup) protocolTypeName() string { return g.protocolType }
func (g *classicGroup) isEmpty() bool            { return g.is(stateEmpty) }
func (g *classicGroup) isDead() bool             { return g.is(stateDead) }
func (g *classicGroup) markDead(now int64)       { g.transition(stateDead, now) }

// validateOffsetCommit: a non-member (generation -1) may commit only to an
// empty group; a member must give its generation, and not while the group
// waits for its assignment.
func (g *classicGroup) validateOffsetCommit(memberID string, instanceID *string, generation int32, _ int16) int16 {
	if g.is(stateDead) {
		return codeCoordinatorNotAvailable
	}
	if generation < 0 && g.is(stateEmpty) {
		return 0
	}
	if generation >= 0 || memberID != "" || instanceID != nil {
		if code := g.validateMember(memberID, instanceID); code != 0 {
			return code
		}
		if generation != g.generation {
			return codeIllegalGeneration
		}
	} else if !g.is(stateEmpty) {
		return codeUnknownMemberID
	}
	if g.is(stateCompletingRebalance) {
		// The member has its new generation but not yet its assignment.
		return codeRebalanceInProgress
	}
	return 0
}

// validateOffsetFetch: classic groups ignore the KIP-848 member fields.
func (g *classicGroup) validateOffsetFetch(_ *string, _ int32) int16 {
	if g.is(stateDead) {
		return codeGroupIDNotFound
	}
	return 0
}

func (g *classicGroup) validateDelete() int16 {
	switch g.state {
	case stateDead:
		return codeGroupIDNotFound
	case stateEmpty:
		return 0
	}
	return codeNonEmptyGroup
}

// validateOffsetDelete: a group with members may delete offsets only if it
// is a consumer group, whose subscriptions say which topics are in use.
func (g *classicGroup) validateOffsetDelete() int16 {
	switch {
	case g.is(stateDead):
		return codeGroupIDNotFound
	case g.is(stateEmpty), g.protocolType == consumerProtocolType:
		return 0
	}
	return codeNonEmptyGroup
}

func (g *classicGroup) subscribedTo(topic string) bool { return g.isSubscribedTo(topic) }

// offsetExpiryBase follows KIP-211: the offsets of an empty group expire
// a retention period after it became empty; those of a stable consumer
// group, for topics no member subscribes to, one after their commit; those
// of a group that only commits (no protocol type), one after their commit.
func (g *classicGroup) offsetExpiryBase() (func(offsetEntry) int64, bool) {
	byCommit := func(e offsetEntry) int64 { return e.commitTime }
	switch {
	case g.protocolType == "":
		return byCommit, true
	case g.is(stateEmpty):
		if g.stateTime == -1 { // a group record from before version 2
			return byCommit, true
		}
		since := g.stateTime
		return func(offsetEntry) int64 { return since }, true
	case g.protocolType == consumerProtocolType && g.subscribed != nil && g.is(stateStable):
		return byCommit, true
	}
	return nil, false
}
