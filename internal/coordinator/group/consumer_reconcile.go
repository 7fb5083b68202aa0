package group

import (
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator/assignor"
)

// reconcile moves a member towards its target assignment as Kafka's
// CurrentAssignmentBuilder does, writes the member's new current
// assignment if it changed, and starts (or stops) its rebalance timeout.
//
// A member keeps the partitions of its target it already owns; the ones
// it owns outside its target must be revoked first (it stays at its epoch,
// UNREVOKED_PARTITIONS, until a heartbeat no longer lists them); then it
// moves to the target epoch and gets the partitions of its target that no
// other member still owns (UNRELEASED_PARTITIONS while some are), so a
// partition is never owned by two members at once.
func (h *heartbeat) reconcile(m *consumerMember, targetEpoch int32, target assignor.Assignment, regexes map[string]resolvedRegex, subscriptionChanged bool) (*consumerMember, *kafkaError) {
	if !subscriptionChanged && m.reconciledTo(targetEpoch) {
		return m, nil
	}
	rc := reconciler{
		m: m, targetEpoch: targetEpoch, target: target, owned: h.owned,
		subscribed: map[assignor.TopicID]bool{}, ownerEpoch: h.g.ownerEpoch,
	}
	for _, id := range h.s.memberTopicIDs(m, regexes) {
		rc.subscribed[id] = true
	}
	next, err := rc.next(subscriptionChanged)
	if err != nil {
		return nil, err
	}
	if next.sameAssignment(m) {
		return m, nil
	}
	h.write(currentRecord(h.g.id, next))
	switch {
	case next.classic != nil:
		// A classic member has join and sync timeouts instead.
	case next.state == memberUnrevokedPartitions:
		h.s.setConsumerRebalance(h.g.id, next.id, next.epoch, next.rebalanceTimeoutMs)
	default:
		h.s.timers.cancel(consumerRebalanceKey(h.g.id, next.id))
	}
	return next, nil
}

type reconciler struct {
	m           *consumerMember
	targetEpoch int32
	target      assignor.Assignment
	subscribed  map[assignor.TopicID]bool
	owned       []kmsg.ConsumerGroupHeartbeatRequestTopic // nil: not reported
	ownerEpoch  func(assignor.TopicID, int32) int32
}

func (rc *reconciler) next(enforceSubscription bool) (*consumerMember, *kafkaError) {
	m := rc.m
	switch m.state {
	case memberStable:
		switch {
		case m.epoch != rc.targetEpoch:
			return rc.computeNext(m.epoch), nil
		case enforceSubscription:
			return rc.dropUnsubscribed(), nil
		}
		return m, nil
	case memberUnrevokedPartitions:
		if rc.ownsAny(m.revoking) {
			if enforceSubscription {
				return rc.dropUnsubscribed(), nil
			}
			return m, nil
		}
		return rc.computeNext(m.epoch), nil
	case memberUnreleasedPartitions:
		return rc.computeNext(m.epoch), nil
	}
	// A state only a newer Kafka knows: start over from no partitions.
	if rc.owned == nil || len(rc.owned) > 0 {
		return nil, errorf(codeFencedMemberEpoch, "The consumer group member is in a unknown state. The member must abandon all its partitions and rejoin.")
	}
	return rc.computeNext(rc.targetEpoch), nil
}

// ownsAny: the member still reports one of the partitions (or does not
// report what it owns).
func (rc *reconciler) ownsAny(a assignor.Assignment) bool {
	if rc.owned == nil {
		return true
	}
	for _, t := range rc.owned {
		for _, p := range t.Partitions {
			if _, ok := slices.BinarySearch(a[t.TopicID], p); ok {
				return true
			}
		}
	}
	return false
}

// dropUnsubscribed moves the partitions of topics the member no longer
// subscribes to from its assignment to revocation, without waiting for a
// new target.
func (rc *reconciler) dropUnsubscribed() *consumerMember {
	m := rc.m
	assigned, revoking := assignor.Assignment{}, m.revoking.Clone()
	if revoking == nil {
		revoking = assignor.Assignment{}
	}
	removed := false
	for t, ps := range m.assigned {
		if rc.subscribed[t] {
			assigned[t] = ps
			continue
		}
		removed = true
		revoking[t] = union(revoking[t], ps)
	}
	if !removed {
		return m
	}
	next := m.clone()
	next.previousEpoch = m.epoch
	next.assigned = assigned
	if rc.ownsAny(revoking) {
		next.state, next.revoking = memberUnrevokedPartitions, revoking
	}
	return next
}

// computeNext is the member's next step towards its target, from epoch.
func (rc *reconciler) computeNext(epoch int32) *consumerMember {
	m := rc.m
	assigned, revoking, pending := assignor.Assignment{}, assignor.Assignment{}, assignor.Assignment{}
	unreleased := false
	topics := map[assignor.TopicID]bool{}
	for t := range rc.target {
		topics[t] = true
	}
	for t := range m.assigned {
		topics[t] = true
	}
	for t := range topics {
		target := rc.target[t]
		if !rc.subscribed[t] {
			target = nil
		}
		current := m.assigned[t]
		keep := intersect(current, target)
		if len(keep) > 0 {
			assigned[t] = keep
		}
		if gone := minus(current, keep); len(gone) > 0 {
			revoking[t] = gone
		}
		var want []int32
		for _, p := range minus(target, keep) {
			_, revokingIt := slices.BinarySearch(m.revoking[t], p)
			if rc.ownerEpoch(t, p) != -1 && !revokingIt {
				unreleased = true // another member still owns it
				continue
			}
			want = append(want, p)
		}
		if len(want) > 0 {
			pending[t] = want
		}
	}
	next := m.clone()
	next.previousEpoch = m.epoch
	switch {
	case len(revoking) > 0 && rc.ownsAny(revoking):
		next.state, next.epoch = memberUnrevokedPartitions, epoch
		next.assigned, next.revoking = assigned, revoking
	default:
		for t, ps := range pending {
			assigned[t] = union(assigned[t], ps)
		}
		next.state = memberStable
		if unreleased {
			next.state = memberUnreleasedPartitions
		}
		next.epoch = rc.targetEpoch
		next.assigned, next.revoking = assigned, assignor.Assignment{}
	}
	return next
}

// intersect, minus and union work on ascending partition lists.
func intersect(a, b []int32) []int32 {
	var out []int32
	for _, p := range a {
		if _, ok := slices.BinarySearch(b, p); ok {
			out = append(out, p)
		}
	}
	return out
}

func minus(a, b []int32) []int32 {
	var out []int32
	for _, p := range a {
		if _, ok := slices.BinarySearch(b, p); !ok {
			out = append(out, p)
		}
	}
	return out
}

func union(a, b []int32) []int32 {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
