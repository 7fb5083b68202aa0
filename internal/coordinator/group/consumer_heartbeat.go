package group

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/coordinator/assignor"
)

// kafkaError is a request's failure as Kafka answers it: a code and the
// message of the exception Kafka's coordinator throws. A request that
// fails writes nothing.
type kafkaError struct {
	code int16
	msg  string
}

func errorf(code int16, format string, args ...any) *kafkaError {
	return &kafkaError{code: code, msg: fmt.Sprintf(format, args...)}
}

// consumerGroupHeartbeat handles ConsumerGroupHeartbeat (KIP-848): a
// member joins (epoch 0), heartbeats (its epoch) or leaves (-1, or -2 for
// a static member that will come back), and learns its epoch and
// assignment. As in Kafka's GroupMetadataManager, the records are
// computed from the group as it is and written before the answer; the
// group changes when they are replayed.
func (s *Shard) consumerGroupHeartbeat(r coordinator.Request, req *kmsg.ConsumerGroupHeartbeatRequest) {
	resp := req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
	var recs []coordinator.Record
	err := validateHeartbeat(req, s.assignors)
	if err == nil {
		if req.MemberEpoch == leaveEpoch || req.MemberEpoch == staticLeaveEpoch {
			recs, err = s.consumerLeave(req, resp)
		} else {
			recs, err = s.consumerHeartbeat(r, req, resp)
		}
	}
	if err != nil {
		resp = req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
		resp.ErrorCode, resp.ErrorMessage = err.code, &err.msg
		recs = nil
	}
	s.out.Records = append(s.out.Records, recs...)
	s.reply(r.ID, resp)
}

// validateHeartbeat makes Kafka's checks of the request's fields
// (throwIfConsumerGroupHeartbeatRequestIsInvalid). From v1 the client
// makes its own member id (KIP-1082), so it must always send one.
func validateHeartbeat(req *kmsg.ConsumerGroupHeartbeatRequest, reg *assignor.Registry) *kafkaError {
	blank := func(s *string) bool { return s != nil && strings.TrimSpace(*s) == "" }
	switch {
	case (req.Version >= 1 || req.MemberEpoch > 0 || req.MemberEpoch == leaveEpoch) && blank(&req.MemberID):
		return errorf(codeInvalidRequest, "MemberId can't be empty.")
	case blank(&req.Group):
		return errorf(codeInvalidRequest, "GroupId can't be empty.")
	case blank(req.InstanceID):
		return errorf(codeInvalidRequest, "InstanceId can't be empty.")
	case blank(req.RackID):
		return errorf(codeInvalidRequest, "RackId can't be empty.")
	}
	switch {
	case req.MemberEpoch == joinEpoch:
		switch {
		case req.RebalanceTimeoutMillis == -1:
			return errorf(codeInvalidRequest, "RebalanceTimeoutMs must be provided in first request.")
		case req.Topics == nil || len(req.Topics) > 0:
			return errorf(codeInvalidRequest, "TopicPartitions must be empty when (re-)joining.")
		case req.SubscribedTopicNames == nil && req.SubscribedTopicRegex == nil:
			// An empty list or regex is accepted: a member subscribed to
			// nothing is still a member.
			return errorf(codeInvalidRequest, "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.")
		}
	case req.MemberEpoch == staticLeaveEpoch:
		if req.InstanceID == nil {
			return errorf(codeInvalidRequest, "InstanceId can't be null.")
		}
	case req.MemberEpoch < staticLeaveEpoch:
		return errorf(codeInvalidRequest, "MemberEpoch is invalid.")
	}
	if req.ServerAssignor != nil {
		if _, err := reg.Lookup(*req.ServerAssignor); err != nil {
			return errorf(codeUnsupportedAssignor, "%s", err.Error())
		}
	}
	return nil
}

// heartbeat is one ConsumerGroupHeartbeat being decided: the group as it
// is, and the records that will change it.
type heartbeat struct {
	s   *Shard
	g   *consumerGroup
	req *kmsg.ConsumerGroupHeartbeatRequest // nil for a classic member's JoinGroup
	// owned are the partitions the member reports it owns (nil: not
	// reported): the request's, or those of a classic member's
	// subscription.
	owned []kmsg.ConsumerGroupHeartbeatRequestTopic
	recs  []coordinator.Record
}

func (h *heartbeat) write(rec coordinator.Record) { h.recs = append(h.recs, rec) }

// consumerHeartbeat joins or heartbeats: the member is created or
// updated from the request, then advanced (see advance).
func (s *Shard) consumerHeartbeat(r coordinator.Request, req *kmsg.ConsumerGroupHeartbeatRequest, resp *kmsg.ConsumerGroupHeartbeatResponse) ([]coordinator.Record, *kafkaError) {
	h := &heartbeat{s: s, req: req, owned: req.Topics}
	joining := req.MemberEpoch == joinEpoch
	g, err := h.group(joining)
	if err != nil {
		return nil, err
	}
	h.g = g
	memberID := req.MemberID
	if len(g.members) >= int(s.cfg.GroupConsumerMaxSize) && (memberID == "" || g.members[memberID] == nil) {
		return nil, errorf(codeGroupMaxSizeReached, "The consumer group has reached its maximum capacity of %d members.", s.cfg.GroupConsumerMaxSize)
	}
	if memberID == "" {
		memberID = s.newMemberID() // v0: the coordinator names new members
	}
	old, replaced, err := h.member(memberID)
	if err != nil {
		return nil, err
	}

	updated := old.clone()
	h.applyRequest(updated, r)
	reconciled, err := h.advance(old, updated, replaced)
	if err != nil {
		return nil, err
	}
	s.setConsumerSession(g.id, memberID)

	resp.MemberID, resp.MemberEpoch = &reconciled.id, reconciled.epoch
	resp.HeartbeatIntervalMillis = s.cfg.GroupConsumerHeartbeatIntervalMs
	// The assignment goes back when the member joins, sends a full
	// request (after an error, say), or its partitions changed.
	full := req.RebalanceTimeoutMillis != -1 && (req.SubscribedTopicNames != nil || req.SubscribedTopicRegex != nil) && req.Topics != nil
	if joining || full || !old.assigned.Equal(reconciled.assigned) {
		resp.Assignment = heartbeatAssignment(reconciled.assigned)
	}
	return h.recs, nil
}

// advance takes a member from old to updated (its new subscription) and
// on towards its target, as Kafka's heartbeat does in three steps: (1) the
// member's record is written if it changed, and the group epoch bumped if
// its subscription (or the topics it covers) changed; (2) a new target
// assignment is computed if the group epoch passed the assignment epoch;
// (3) the member is reconciled towards its target. replaced names a static
// member updated takes the place of.
func (h *heartbeat) advance(old, updated *consumerMember, replaced string) (*consumerMember, *kafkaError) {
	g := h.g
	// 1. The member's subscription.
	namesChanged := false
	if !updated.sameSubscription(old) {
		h.write(memberRecord(g.id, updated))
		namesChanged = !slices.Equal(updated.topics, old.topics)
	}
	members := maps.Clone(g.members)
	delete(members, replaced)
	members[updated.id] = updated
	regexes, regexChange, err := h.updateRegexes(old, updated, members)
	if err != nil {
		return nil, err
	}
	subscriptionChanged := namesChanged || regexChange != regexNoChange
	epoch := h.maybeBumpEpoch(g.epoch == 0 || namesChanged || regexChange == regexResolved, members, regexes)

	// 2. The target assignment.
	targetEpoch, target := g.targetEpoch, g.targetOf(updated)
	if epoch > g.targetEpoch {
		targets, err := h.computeTarget(epoch, members, regexes)
		if err != nil {
			return nil, err
		}
		targetEpoch, target = epoch, targets[updated.id]
	}

	// 3. Reconciliation.
	reconciled, err := h.reconcile(updated, targetEpoch, target, regexes, subscriptionChanged)
	if err != nil {
		return nil, err
	}
	return reconciled, nil
}

// group finds the consumer group, or makes one for a joining member: a new
// group, or one that takes the place of an empty classic group (whose
// tombstone goes first; its offsets stay).
func (h *heartbeat) group(joining bool) (*consumerGroup, *kafkaError) {
	id := h.req.Group
	g, ok := h.s.liveGroup(id)
	switch {
	case !ok && !joining:
		return nil, errorf(codeGroupIDNotFound, "Consumer group %s not found.", id)
	case !ok:
		return newConsumerGroup(id), nil
	}
	switch g := g.(type) {
	case *consumerGroup:
		return g, nil
	case *classicGroup:
		if joining && g.is(stateEmpty) {
			h.write(groupTombstone(id))
			return newConsumerGroup(id), nil
		}
		if joining && h.s.canUpgrade(g) {
			return h.upgrade(g)
		}
	}
	return nil, errorf(codeGroupIDNotFound, "Group %s is not a consumer group.", id)
}

// member finds the member the request is from, or the one it makes or
// replaces: a static member joining in place of one that left with epoch
// -2 takes its assignment (and replaced names the member it replaces).
func (h *heartbeat) member(memberID string) (m *consumerMember, replaced string, err *kafkaError) {
	g, req := h.g, h.req
	joining := req.MemberEpoch == joinEpoch
	if req.InstanceID == nil {
		m = g.members[memberID]
		switch {
		case m == nil && joining:
			return newConsumerMember(memberID), "", nil
		case m == nil:
			return nil, "", errorf(codeUnknownMemberID, "Member %s is not a member of group %s.", memberID, g.id)
		}
		return m, "", checkMemberEpoch(m, req)
	}
	instance := *req.InstanceID
	existing := g.staticMember(instance)
	if !joining {
		switch {
		case existing == nil:
			return nil, "", errorf(codeUnknownMemberID, "Instance id %s is unknown.", instance)
		case existing.id != memberID:
			return nil, "", errorf(codeFencedInstanceID, "Static member %s with instance id %s was fenced by member %s.", memberID, instance, existing.id)
		}
		return existing, "", checkMemberEpoch(existing, req)
	}
	if existing == nil {
		if m = g.members[memberID]; m == nil {
			m = newConsumerMember(memberID)
		}
		return m, "", nil
	}
	if existing.classic == nil && existing.epoch != staticLeaveEpoch {
		// A classic member's instance id is taken over at once: that is
		// how a static member moves to the consumer protocol.
		return nil, "", errorf(codeUnreleasedInstanceID, "Static member %s with instance id %s cannot join the group because the instance id is owned by %s member.", memberID, instance, existing.id)
	}
	m = existing.clone()
	m.id, m.epoch, m.previousEpoch = memberID, 0, 0
	h.writeRemoveMember(existing.id)
	h.write(memberRecord(g.id, m))
	h.write(targetMemberRecord(g.id, m.id, g.target[existing.id]))
	h.write(currentRecord(g.id, m))
	return m, existing.id, nil
}

// checkMemberEpoch: a member must heartbeat with its epoch, or with the
// previous one if the answer that moved it on was lost (it then owns no
// partition it was not given). Epoch 0 is a rejoin, always allowed.
func checkMemberEpoch(m *consumerMember, req *kmsg.ConsumerGroupHeartbeatRequest) *kafkaError {
	got := req.MemberEpoch
	switch {
	case got == joinEpoch:
		return nil
	case got > m.epoch:
		return errorf(codeFencedMemberEpoch, "The consumer group member has a greater member epoch (%d) than the one known by the group coordinator (%d). The member must abandon all its partitions and rejoin.", got, m.epoch)
	case got < m.epoch && (got != m.previousEpoch || !ownsOnly(req.Topics, m.assigned)):
		return errorf(codeFencedMemberEpoch, "The consumer group member has a smaller member epoch (%d) than the one known by the group coordinator (%d). The member must abandon all its partitions and rejoin.", got, m.epoch)
	}
	return nil
}

// ownsOnly: the member reports owned partitions, all of them in a.
func ownsOnly(owned []kmsg.ConsumerGroupHeartbeatRequestTopic, a assignor.Assignment) bool {
	if owned == nil {
		return false
	}
	for _, t := range owned {
		for _, p := range t.Partitions {
			if _, ok := slices.BinarySearch(a[t.TopicID], p); !ok {
				return false
			}
		}
	}
	return true
}

// applyRequest updates the member with what the request carries (null
// fields are unchanged).
func (h *heartbeat) applyRequest(m *consumerMember, r coordinator.Request) {
	req := h.req
	if req.InstanceID != nil {
		m.instanceID = clonePtr(req.InstanceID)
	}
	if req.RackID != nil {
		m.rackID = clonePtr(req.RackID)
	}
	if req.RebalanceTimeoutMillis != -1 {
		m.rebalanceTimeoutMs = req.RebalanceTimeoutMillis
	}
	if req.ServerAssignor != nil {
		m.serverAssignor = clonePtr(req.ServerAssignor)
	}
	if req.SubscribedTopicNames != nil {
		m.topics = slices.Compact(slices.Sorted(slices.Values(req.SubscribedTopicNames)))
		if m.topics == nil {
			m.topics = []string{}
		}
	}
	if req.SubscribedTopicRegex != nil {
		m.regex = *req.SubscribedTopicRegex
	}
	m.clientID, m.clientHost = r.ClientID, r.ClientHost
	m.classic = nil // it speaks the consumer protocol now
}

// writeRemoveMember writes the tombstones of a member's records.
func (h *heartbeat) writeRemoveMember(id string) {
	g := h.g
	h.write(consumerTombstone(consumerKey{version: consumerCurrentKeyVersion, group: g.id, sub: id}))
	h.write(consumerTombstone(consumerKey{version: consumerTargetMemberKeyVersion, group: g.id, sub: id}))
	h.write(consumerTombstone(consumerKey{version: consumerMemberKeyVersion, group: g.id, sub: id}))
}

// maybeBumpEpoch bumps the group epoch when asked to, or when the metadata
// of the subscribed topics changed since the group last looked (a new
// image: partitions added, topics created or deleted). It returns the
// group epoch after this request.
func (h *heartbeat) maybeBumpEpoch(bump bool, members map[string]*consumerMember, regexes map[string]resolvedRegex) int32 {
	g, s := h.g, h.s
	epoch := g.epoch
	if !bump && g.refreshed == s.image {
		return epoch
	}
	hash := s.metadataHash(subscribedNames(members, regexes))
	if bump || hash != g.metadataHash {
		epoch++
		h.write(groupEpochRecord(g.id, epoch, hash))
	}
	if g.partitionMetadata {
		// Kafka 4.1 replaces 4.0's topic metadata record by the hash.
		h.write(consumerTombstone(consumerKey{version: consumerPartitionMetadataKeyVersion, group: g.id}))
	}
	g.refreshed = s.image
	return epoch
}

func heartbeatAssignment(a assignor.Assignment) *kmsg.ConsumerGroupHeartbeatResponseAssignment {
	out := kmsg.NewConsumerGroupHeartbeatResponseAssignment()
	out.Topics = []kmsg.ConsumerGroupHeartbeatResponseAssignmentTopic{}
	for _, id := range topicIDs(a) {
		t := kmsg.NewConsumerGroupHeartbeatResponseAssignmentTopic()
		t.TopicID, t.Partitions = id, slices.Clone(a[id])
		out.Topics = append(out.Topics, t)
	}
	return &out
}
