package group

// The consumer group's side of the group interface.

func (g *consumerGroup) groupID() string          { return g.id }
func (g *consumerGroup) typeName() string         { return "consumer" }
func (g *consumerGroup) stateName() string        { return consumerStateNames[g.state()] }
func (g *consumerGroup) protocolTypeName() string { return consumerProtocolType }
func (g *consumerGroup) isEmpty() bool            { return len(g.members) == 0 }
func (g *consumerGroup) isDead() bool             { return g.dead }
func (g *consumerGroup) markDead(int64)           { g.dead = true }

// validateOffsetCommit: a non-member (epoch -1) may commit only to an
// empty group; a member must give its current epoch, with OffsetCommit v9+
// (the first version that knows member epochs) unless it is a classic
// member, whose generation is its epoch.
func (g *consumerGroup) validateOffsetCommit(memberID string, _ *string, epoch int32, version int16) int16 {
	if g.dead {
		return codeCoordinatorNotAvailable
	}
	if epoch < 0 && len(g.members) == 0 {
		return 0
	}
	m := g.members[memberID]
	switch {
	case m == nil:
		return codeUnknownMemberID
	case m.classic != nil && epoch != m.epoch:
		// A classic member commits with its generation, from any version.
		return codeIllegalGeneration
	case m.classic != nil:
		return 0
	case version < 9:
		return codeUnsupportedVersion
	case epoch != m.epoch:
		return codeStaleMemberEpoch
	}
	return 0
}

// validateOffsetFetch: a fetch without member id and epoch (the admin
// client, or a client outside the group) is always allowed; a member's
// must carry its current epoch.
func (g *consumerGroup) validateOffsetFetch(memberID *string, epoch int32) int16 {
	if g.dead {
		return codeGroupIDNotFound
	}
	if memberID == nil && epoch < 0 {
		return 0
	}
	m := g.members[deref(memberID)]
	switch {
	case m == nil:
		return codeUnknownMemberID
	case epoch != m.epoch && m.classic != nil:
		return codeIllegalGeneration
	case epoch != m.epoch:
		return codeStaleMemberEpoch
	}
	return 0
}

func (g *consumerGroup) validateDelete() int16 {
	switch {
	case g.dead:
		return codeGroupIDNotFound
	case len(g.members) > 0:
		return codeNonEmptyGroup
	}
	return 0
}

// validateOffsetDelete: the members' subscriptions say which topics are in
// use (subscribedTo), so offsets of others may go at any time.
func (g *consumerGroup) validateOffsetDelete() int16 {
	if g.dead {
		return codeGroupIDNotFound
	}
	return 0
}

func (g *consumerGroup) subscribedTo(topic string) bool {
	return subscribedNames(g.members, g.regexes)[topic]
}

// offsetExpiryBase: a consumer group's offsets expire a retention period
// after their commit, for topics no member subscribes to (Kafka's
// ConsumerGroup.offsetExpirationCondition).
func (g *consumerGroup) offsetExpiryBase() (func(offsetEntry) int64, bool) {
	return func(e offsetEntry) int64 { return e.commitTime }, true
}
