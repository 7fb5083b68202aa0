package group

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spoolhq/spool/internal/coordinator"
)

// replayConsumer applies a consumer group record. Each record sets one
// piece of the group whole (its epoch, a member's subscription, target or
// current assignment, a regex), so the group is the same whether the
// records come from this shard's writes or from loading the log.
func (s *Shard) replayConsumer(key, value []byte) error {
	k, err := decodeConsumerKey(key)
	if err != nil {
		return err
	}
	if value == nil {
		s.replayConsumerTombstone(k)
		return nil
	}
	// Decode first: a record that does not decode changes nothing.
	var apply func(g *consumerGroup) error
	switch k.version {
	case consumerMetadataKeyVersion:
		epoch, hash, err := decodeGroupEpoch(value)
		if err != nil {
			return err
		}
		apply = func(g *consumerGroup) error { g.epoch, g.metadataHash = epoch, hash; return nil }
	case consumerPartitionMetadataKeyVersion:
		// Kafka 4.0's topic metadata; 4.1 and this coordinator keep a hash
		// instead, and tombstone the record at the next epoch bump.
		apply = func(g *consumerGroup) error { g.partitionMetadata = true; return nil }
	case consumerMemberKeyVersion:
		m, err := decodeMember(value, newConsumerMember(k.sub))
		if err != nil {
			return err
		}
		apply = func(g *consumerGroup) error { g.putMember(withSubscription(g.members[k.sub], m)); return nil }
	case consumerTargetMetadataKeyVersion:
		epoch, err := decodeTargetEpoch(value)
		if err != nil {
			return err
		}
		apply = func(g *consumerGroup) error { g.targetEpoch = epoch; return nil }
	case consumerTargetMemberKeyVersion:
		a, err := decodeTargetMember(value)
		if err != nil {
			return err
		}
		apply = func(g *consumerGroup) error { g.target[k.sub] = a; return nil }
	case consumerCurrentKeyVersion:
		c, err := decodeCurrent(value, newConsumerMember(k.sub))
		if err != nil {
			return err
		}
		apply = func(g *consumerGroup) error {
			old := g.members[k.sub]
			if old == nil {
				return fmt.Errorf("current assignment of member %s, unknown in group %s", k.sub, g.id)
			}
			m := old.clone()
			m.epoch, m.previousEpoch, m.state, m.assigned, m.revoking = c.epoch, c.previousEpoch, c.state, c.assigned, c.revoking
			g.putMember(m)
			return nil
		}
	case consumerRegexKeyVersion:
		rr, err := decodeRegex(value)
		if err != nil {
			return err
		}
		apply = func(g *consumerGroup) error { g.regexes[k.sub] = rr; return nil }
	default:
		return fmt.Errorf("%w: key version %d", ErrUnknownRecordType, k.version)
	}
	create := k.version == consumerMetadataKeyVersion || k.version == consumerMemberKeyVersion ||
		k.version == consumerPartitionMetadataKeyVersion
	g, err := s.consumerGroupForReplay(k.group, create)
	if err != nil {
		return err
	}
	return apply(g)
}

// withSubscription is the member old (nil for a new one) with the
// subscription of m.
func withSubscription(old, m *consumerMember) *consumerMember {
	if old == nil {
		return m
	}
	n := old.clone()
	n.instanceID, n.rackID, n.clientID, n.clientHost = m.instanceID, m.rackID, m.clientID, m.clientHost
	n.topics, n.regex, n.rebalanceTimeoutMs, n.serverAssignor = m.topics, m.regex, m.rebalanceTimeoutMs, m.serverAssignor
	n.classic = m.classic
	return n
}

func (s *Shard) replayConsumerTombstone(k consumerKey) {
	g, ok := s.groups[k.group].(*consumerGroup)
	if !ok {
		return
	}
	switch k.version {
	case consumerMetadataKeyVersion:
		s.removeConsumerGroup(g)
	case consumerPartitionMetadataKeyVersion:
		g.partitionMetadata = false
	case consumerMemberKeyVersion:
		if m := g.members[k.sub]; m != nil {
			g.dropMember(m)
			s.cancelConsumerTimers(g.id, m.id)
		}
	case consumerTargetMetadataKeyVersion:
		g.targetEpoch = 0
	case consumerTargetMemberKeyVersion:
		delete(g.target, k.sub)
	case consumerCurrentKeyVersion:
		// The member stays until its subscription's tombstone, with no
		// partitions (Kafka's replay does the same).
		if m := g.members[k.sub]; m != nil {
			m = m.clone()
			m.epoch, m.previousEpoch = leaveEpoch, leaveEpoch
			m.assigned, m.revoking = nil, nil
			g.putMember(m)
		}
	case consumerRegexKeyVersion:
		delete(g.regexes, k.sub)
	}
}

// consumerGroupForReplay finds the consumer group a record is about,
// creating it if the record may create it. A simple classic group (one
// made by commits outside any group) gives way, as in Kafka: it has no
// records of its own.
func (s *Shard) consumerGroupForReplay(id string, create bool) (*consumerGroup, error) {
	switch g := s.groups[id].(type) {
	case *consumerGroup:
		return g, nil
	case *classicGroup:
		if !create || g.protocolType != "" || !g.is(stateEmpty) {
			return nil, fmt.Errorf("group %s is not a consumer group", id)
		}
	case nil:
		if !create {
			return nil, fmt.Errorf("consumer group %s not found", id)
		}
	}
	g := newConsumerGroup(id)
	s.groups[id] = g
	return g, nil
}

func (s *Shard) removeConsumerGroup(g *consumerGroup) {
	for id := range g.members {
		s.cancelConsumerTimers(g.id, id)
	}
	delete(s.groups, g.id)
}

// consumerTombstones are the records that delete a consumer group, in
// Kafka's order: current assignments, target assignments and their
// epoch, subscriptions, regexes, then the group.
func consumerTombstones(g *consumerGroup) []coordinator.Record {
	members := slices.Sorted(maps.Keys(g.members))
	var out []coordinator.Record
	for _, id := range members {
		out = append(out, consumerTombstone(consumerKey{version: consumerCurrentKeyVersion, group: g.id, sub: id}))
	}
	for _, id := range slices.Sorted(maps.Keys(g.target)) {
		out = append(out, consumerTombstone(consumerKey{version: consumerTargetMemberKeyVersion, group: g.id, sub: id}))
	}
	out = append(out, consumerTombstone(consumerKey{version: consumerTargetMetadataKeyVersion, group: g.id}))
	for _, id := range members {
		out = append(out, consumerTombstone(consumerKey{version: consumerMemberKeyVersion, group: g.id, sub: id}))
	}
	for _, re := range slices.Sorted(maps.Keys(g.regexes)) {
		out = append(out, consumerTombstone(consumerKey{version: consumerRegexKeyVersion, group: g.id, sub: re}))
	}
	if g.partitionMetadata {
		out = append(out, consumerTombstone(consumerKey{version: consumerPartitionMetadataKeyVersion, group: g.id}))
	}
	return append(out, consumerTombstone(consumerKey{version: consumerMetadataKeyVersion, group: g.id}))
}
