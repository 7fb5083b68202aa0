package group

import (
	"encoding/binary"
	"hash/fnv"
	"maps"
	"slices"

	"github.com/spoolhq/spool/internal/coordinator/assignor"
	"github.com/spoolhq/spool/internal/metadata"
)

// regexChange says how a heartbeat changed the group's regexes.
type regexChange int8

const (
	regexNoChange regexChange = iota
	// regexUpdated: the member's regex changed, to one whose topics are
	// not known yet.
	regexUpdated
	// regexResolved: the topics the members subscribe to through regexes
	// changed and are known: the group epoch moves.
	regexResolved
)

// updateRegexes follows a member's change of SubscribedTopicRegex and
// returns the group's resolved regexes after this request. A regex new to
// the group is compiled (INVALID_REGULAR_EXPRESSION) and resolved against
// the current metadata image at once; one no member uses any more is
// deleted; and when the image changed since the group last looked, every
// regex is resolved again. Kafka resolves regexes in the background and
// bumps the epoch when the result comes back (at most every 10 s); here it
// happens in the heartbeat that needs it, so the member gets its
// assignment one heartbeat sooner.
func (h *heartbeat) updateRegexes(old, updated *consumerMember, members map[string]*consumerMember) (map[string]resolvedRegex, regexChange, *kafkaError) {
	g, s := h.g, h.s
	regexes := maps.Clone(g.regexes)
	change := regexNoChange
	if old.regex != updated.regex {
		change = regexUpdated
		if old.regex != "" && g.regexSubscribers(old.regex) == 1 {
			delete(regexes, old.regex)
			h.write(consumerTombstone(consumerKey{version: consumerRegexKeyVersion, group: g.id, sub: old.regex}))
		}
		switch {
		case updated.regex != "":
			if _, ok := regexes[updated.regex]; ok {
				change = regexResolved
				break
			}
			re, err := assignor.CompileTopicRegex(updated.regex)
			if err != nil {
				return nil, 0, errorf(codeInvalidRegularExpression, "%s", err.Error())
			}
			rr := s.resolveRegex(re)
			regexes[updated.regex] = rr
			h.write(regexRecord(g.id, updated.regex, rr))
			change = regexResolved
		case old.regex != "":
			change = regexResolved
		}
	}
	if g.refreshed != s.image && h.refreshRegexes(regexes, members) {
		change = regexResolved
	}
	return regexes, change, nil
}

// refreshRegexes resolves the group's regexes against a new image and
// writes those whose topics changed; it reports whether any did.
func (h *heartbeat) refreshRegexes(regexes map[string]resolvedRegex, members map[string]*consumerMember) bool {
	used := map[string]bool{}
	for _, m := range members {
		used[m.regex] = true
	}
	changed := false
	for _, expr := range slices.Sorted(maps.Keys(regexes)) {
		if !used[expr] {
			continue
		}
		re, err := assignor.CompileTopicRegex(expr)
		if err != nil {
			continue // it compiled when a member brought it
		}
		rr := h.s.resolveRegex(re)
		if slices.Equal(rr.topics, regexes[expr].topics) {
			continue
		}
		regexes[expr] = rr
		h.write(regexRecord(h.g.id, expr, rr))
		changed = true
	}
	return changed
}

func (s *Shard) resolveRegex(re *assignor.TopicRegex) resolvedRegex {
	var names []string
	for _, t := range s.image.Topics() {
		names = append(names, t.Name)
	}
	return resolvedRegex{topics: re.Resolve(names), version: s.image.Offset(), timestamp: s.now}
}

// metadataHash summarizes the subscribed topics that exist: names, ids
// and partition counts. A change means the target assignment must be
// computed again. Kafka 4.1 (KIP-1101) keeps such a hash in the group's
// record too, computed with another function (and over racks as well);
// only equality matters.
func (s *Shard) metadataHash(names map[string]bool) int64 {
	h := fnv.New64a()
	any := false
	for _, name := range slices.Sorted(maps.Keys(names)) {
		t := s.image.Topic(name)
		if t == nil {
			continue
		}
		any = true
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(t.ID[:])
		h.Write(binary.BigEndian.AppendUint32(nil, uint32(t.NumPartitions())))
	}
	if !any {
		return 0
	}
	return int64(h.Sum64())
}

// memberTopicIDs are the ids of the existing topics a member subscribes
// to, by name or regex.
func (s *Shard) memberTopicIDs(m *consumerMember, regexes map[string]resolvedRegex) []assignor.TopicID {
	var ids []assignor.TopicID
	add := func(name string) {
		if t := s.image.Topic(name); t != nil {
			ids = append(ids, assignor.TopicID(t.ID))
		}
	}
	for _, name := range m.topics {
		add(name)
	}
	if m.regex != "" {
		for _, name := range regexes[m.regex].topics {
			add(name)
		}
	}
	slices.SortFunc(ids, compareIDs)
	return slices.Compact(ids)
}

// computeTarget runs the group's assignor over the members (as they will
// be after this request) and writes the target assignment of every member
// whose target changed, then the new assignment epoch (Kafka's
// TargetAssignmentBuilder).
func (h *heartbeat) computeTarget(epoch int32, members map[string]*consumerMember, regexes map[string]resolvedRegex) (assignor.GroupAssignment, *kafkaError) {
	g, s := h.g, h.s
	spec := assignor.GroupSpec{Members: map[string]assignor.Member{}, SubscriptionType: subscriptionType(members)}
	topics := assignor.Topics{}
	for id, m := range members {
		am := assignor.Member{InstanceID: deref(m.instanceID), RackID: deref(m.rackID),
			Topics: s.memberTopicIDs(m, regexes), Assignment: g.targetOf(m)}
		for _, t := range am.Topics {
			topics[t] = assignor.Topic{NumPartitions: s.image.TopicByID(metadata.TopicID(t)).NumPartitions()}
		}
		spec.Members[id] = am
	}
	result, err := s.preferredAssignor(members).Assign(spec, topics)
	if err != nil {
		return nil, errorf(codeUnknownServerError, "Failed to compute a new target assignment for epoch %d: %s", epoch, err)
	}
	for _, id := range slices.Sorted(maps.Keys(members)) {
		old, had := g.target[id]
		if !had || !result[id].Equal(old) {
			h.write(targetMemberRecord(g.id, id, result[id]))
		}
	}
	h.write(targetEpochRecord(g.id, epoch))
	return result, nil
}

// subscriptionType is the group's type as Kafka's coordinator computes it
// from the subscriptions, not from the topics they resolve to: homogeneous
// when every member names the same topics and at most one regex is used,
// by all of them.
func subscriptionType(members map[string]*consumerMember) assignor.SubscriptionType {
	names, regexes := map[string]int{}, map[string]int{}
	for _, m := range members {
		for _, t := range m.topics {
			names[t]++
		}
		if m.regex != "" {
			regexes[m.regex]++
		}
	}
	n := len(members)
	for _, c := range regexes {
		if len(regexes) > 1 || c != n {
			return assignor.Heterogeneous
		}
	}
	for _, c := range names {
		if c != n {
			return assignor.Heterogeneous
		}
	}
	return assignor.Homogeneous
}
