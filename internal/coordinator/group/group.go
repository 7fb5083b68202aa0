package group

// group is a group of any type as the parts of the shard shared by every
// type see it: committed offsets, ListGroups, DeleteGroups and expiry.
// classicGroup (JoinGroup/SyncGroup) and consumerGroup (KIP-848's
// ConsumerGroupHeartbeat) implement it. It is Kafka's Group interface.
type group interface {
	groupID() string
	// typeName is the type ListGroups v5 reports: "classic" or "consumer".
	typeName() string
	// stateName is the state as DescribeGroups and ListGroups name it.
	stateName() string
	// protocolTypeName is the protocol type ListGroups reports ("" if none).
	protocolTypeName() string
	// isEmpty reports a group without members, which may be deleted and
	// whose offsets may expire.
	isEmpty() bool
	// isDead reports a group whose deletion has been written but not yet
	// replayed.
	isDead() bool
	markDead(now int64)

	// validateOffsetCommit answers whether a member (or a non-member, with
	// generation -1) may commit offsets: 0 or a Kafka error code. For
	// KIP-848 groups generation is the member epoch, and the API version
	// matters (v9+ knows member epochs).
	validateOffsetCommit(memberID string, instanceID *string, generation int32, version int16) int16
	// validateOffsetFetch: 0, or a code that makes every partition
	// unknown (GROUP_ID_NOT_FOUND) or fails the group (KIP-848 epochs).
	validateOffsetFetch(memberID *string, memberEpoch int32) int16
	validateDelete() int16
	validateOffsetDelete() int16
	// subscribedTo reports a topic the members consume, whose offsets are
	// neither deleted by OffsetDelete nor expired.
	subscribedTo(topic string) bool
	// offsetExpiryBase is what retention counts from for one offset, or
	// false when the group's offsets do not expire now (KIP-211).
	offsetExpiryBase() (func(offsetEntry) int64, bool)
}

// liveGroup returns a group that exists and is not being deleted. Requests
// that only read treat a group being deleted as gone; requests that change
// a classic group see it Dead, as Kafka's do.
func (s *Shard) liveGroup(id string) (group, bool) {
	g, ok := s.groups[id]
	if !ok || g.isDead() {
		return nil, false
	}
	return g, true
}
