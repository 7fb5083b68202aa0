package group

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/coordinator/assignor"
	"github.com/spoolhq/spool/internal/metadata"
)

// Script commands for KIP-848 consumer groups (see script_test.go):
//
//	topic t=name parts=N   create a topic, or grow it to N partitions, in
//	                       the shard's metadata image (ids 1, 2, ...)
//	deltopic t=name        delete a topic from the image
//	cghb g= m= e= [v=1] [c=client] [i=instance] [rack=] [rt=rebalance ms]
//	     [topics=t+u] [regex=expr] [assignor=range] [owned=t-0+t-1]
//	                       ConsumerGroupHeartbeat; topics, regex and owned
//	                       are null when absent, empty when given empty
//	                       (owned is empty by default when e=0)
//	cgdescribe g=g1,g2 [v=1] [ops]
//	cgstate g=             the consumer group's live state
//
// Partitions print as topic-partition lists (or none); records as
// {cg...} (tombstones end in -).
func (sc *script) consumerCommand(name string, a args) (string, bool, error) {
	h := sc.h
	switch name {
	case "topic":
		return "ok", true, h.setTopic(a.str("t", ""), int(a.int("parts", 1)))
	case "deltopic":
		return "ok", true, h.deleteTopic(a.str("t", ""))
	case "cgstate":
		return fmtConsumerState(h, a.str("g", "")), true, nil
	case "cghb", "cgdescribe":
		var body kmsg.Request
		if name == "cghb" {
			req, err := h.heartbeatRequest(a)
			if err != nil {
				return "", true, err
			}
			body = req
		} else {
			req := kmsg.NewPtrConsumerGroupDescribeRequest()
			req.Version, req.Groups, req.IncludeAuthorizedOperations = int16(a.int("v", 1)), a.list("g"), a.flag("ops")
			body = req
		}
		_, replies, records, err := h.send(body, a.str("c", "client"), "/127.0.0.1")
		if err != nil {
			return "", true, err
		}
		return fmtOutput(h, records, replies), true, nil
	}
	return "", false, nil
}

func (h *harness) setTopic(name string, parts int) error {
	var recs []metadata.Record
	t := h.img.Topic(name)
	id := metadata.TopicID{}
	have := 0
	if t == nil {
		h.topics++
		id[0], id[15] = 0x10, byte(h.topics)
		recs = append(recs, metadata.TopicRecord{Name: name, TopicID: id})
	} else {
		id, have = t.ID, t.NumPartitions()
	}
	for p := have; p < parts; p++ {
		recs = append(recs, metadata.PartitionRecord{TopicID: id, Partition: int32(p), Replicas: []int32{1}, ISR: []int32{1}, Leader: 1})
	}
	return h.applyImage(recs)
}

func (h *harness) deleteTopic(name string) error {
	t := h.img.Topic(name)
	if t == nil {
		return fmt.Errorf("no topic %s", name)
	}
	return h.applyImage([]metadata.Record{metadata.RemoveTopicRecord{TopicID: t.ID}})
}

func (h *harness) applyImage(recs []metadata.Record) error {
	img, _, err := h.img.ApplyAt(h.img.Offset()+1, 1, recs)
	if err != nil {
		return err
	}
	h.img = img
	_, err = h.apply(h.s.Metadata(h.now, img))
	return err
}

func (h *harness) heartbeatRequest(a args) (*kmsg.ConsumerGroupHeartbeatRequest, error) {
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Version, req.Group, req.MemberID = int16(a.int("v", 1)), a.str("g", ""), a.str("m", "")
	req.MemberEpoch = int32(a.int("e", 0))
	req.InstanceID, req.RackID, req.ServerAssignor = a.optional("i"), a.optional("rack"), a.optional("assignor")
	req.RebalanceTimeoutMillis = int32(a.int("rt", -1))
	if req.MemberEpoch == 0 && !a.has("rt") {
		req.RebalanceTimeoutMillis = 30000
	}
	if topics, ok := a.get("topics"); ok {
		req.SubscribedTopicNames = []string{}
		if topics != "" {
			req.SubscribedTopicNames = strings.Split(topics, "+")
		}
	}
	req.SubscribedTopicRegex = a.optional("regex")
	owned, ok := a.get("owned")
	if !ok && req.MemberEpoch == 0 {
		owned, ok = "", true
	}
	if ok {
		req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		for _, spec := range strings.Split(owned, "+") {
			if spec == "" {
				continue
			}
			topic, p, err := splitTP(spec)
			if err != nil {
				return nil, err
			}
			id := h.topicID(topic)
			if n := len(req.Topics); n > 0 && req.Topics[n-1].TopicID == id {
				req.Topics[n-1].Partitions = append(req.Topics[n-1].Partitions, p)
				continue
			}
			req.Topics = append(req.Topics, kmsg.ConsumerGroupHeartbeatRequestTopic{TopicID: id, Partitions: []int32{p}})
		}
	}
	return req, nil
}

// topicID is a topic's id, also for a topic the script deleted (topic ids
// are 1, 2, ... in creation order, so a name alone cannot say): unknown
// names get the zero id.
func (h *harness) topicID(name string) [16]byte {
	if t := h.img.Topic(name); t != nil {
		return t.ID
	}
	return [16]byte{}
}

// topicName names a topic id for printing: its name, or #n for a topic
// the image no longer has.
func (h *harness) topicName(id [16]byte) string {
	if h != nil {
		if t := h.img.TopicByID(metadata.TopicID(id)); t != nil {
			return t.Name
		}
	}
	return fmt.Sprintf("#%d", id[15])
}

// fmtParts prints an assignment as t-0,t-1,u-0 by topic name, "none" if
// empty.
func fmtParts(h *harness, a assignor.Assignment) string {
	type tp struct {
		topic string
		p     int32
	}
	var all []tp
	for id, ps := range a {
		for _, p := range ps {
			all = append(all, tp{h.topicName(id), p})
		}
	}
	if len(all) == 0 {
		return "none"
	}
	slices.SortFunc(all, func(a, b tp) int {
		return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.p, b.p))
	})
	var out []string
	for _, x := range all {
		out = append(out, fmt.Sprintf("%s-%d", x.topic, x.p))
	}
	return strings.Join(out, ",")
}

func fmtConsumerRecord(h *harness, rec coordinator.Record) string {
	k, err := decodeConsumerKey(rec.Key)
	if err != nil {
		return "{" + err.Error() + "}"
	}
	name := k.group
	if k.hasSub() {
		name += "/" + k.sub
	}
	kinds := map[int16]string{
		consumerMetadataKeyVersion: "cg", consumerPartitionMetadataKeyVersion: "cgpartmeta",
		consumerMemberKeyVersion: "cgmember", consumerTargetMetadataKeyVersion: "cgtargetepoch",
		consumerTargetMemberKeyVersion: "cgtarget", consumerCurrentKeyVersion: "cgcurrent",
		consumerRegexKeyVersion: "cgregex",
	}
	head := "{" + kinds[k.version] + " " + name
	if rec.Value == nil {
		return head + " -}"
	}
	var body string
	switch k.version {
	case consumerMetadataKeyVersion:
		epoch, hash, err := decodeGroupEpoch(rec.Value)
		if err != nil {
			return "{" + err.Error() + "}"
		}
		body = fmt.Sprintf("epoch=%d", epoch)
		if hash != 0 {
			body += " hash"
		}
	case consumerMemberKeyVersion:
		m, err := decodeMember(rec.Value, newConsumerMember(k.sub))
		if err != nil {
			return "{" + err.Error() + "}"
		}
		body = fmtSubscription(m)
	case consumerTargetMetadataKeyVersion:
		epoch, err := decodeTargetEpoch(rec.Value)
		if err != nil {
			return "{" + err.Error() + "}"
		}
		body = fmt.Sprint(epoch)
	case consumerTargetMemberKeyVersion:
		a, err := decodeTargetMember(rec.Value)
		if err != nil {
			return "{" + err.Error() + "}"
		}
		body = fmtParts(h, a)
	case consumerCurrentKeyVersion:
		m, err := decodeCurrent(rec.Value, newConsumerMember(k.sub))
		if err != nil {
			return "{" + err.Error() + "}"
		}
		body = fmtCurrent(h, m)
	case consumerRegexKeyVersion:
		rr, err := decodeRegex(rec.Value)
		if err != nil {
			return "{" + err.Error() + "}"
		}
		body = "[" + strings.Join(rr.topics, " ") + "]"
	}
	return head + " " + body + "}"
}

func fmtSubscription(m *consumerMember) string {
	s := "topics=" + strings.Join(m.topics, "+")
	if m.regex != "" {
		s += " regex=" + m.regex
	}
	if m.instanceID != nil {
		s += " i=" + *m.instanceID
	}
	if m.rackID != nil {
		s += " rack=" + *m.rackID
	}
	if m.serverAssignor != nil {
		s += " assignor=" + *m.serverAssignor
	}
	s += fmt.Sprintf(" rt=%d", m.rebalanceTimeoutMs)
	if m.classic != nil {
		var names []string
		for _, p := range m.classic.protocols {
			names = append(names, p.name)
		}
		s += fmt.Sprintf(" classic(st=%d %s)", m.classic.sessionTimeoutMs, strings.Join(names, "+"))
	}
	return s
}

func fmtCurrent(h *harness, m *consumerMember) string {
	s := fmt.Sprintf("e=%d prev=%d %s %s", m.epoch, m.previousEpoch, m.state, fmtParts(h, m.assigned))
	if len(m.revoking) > 0 {
		s += " revoking=" + fmtParts(h, m.revoking)
	}
	return s
}

// fmtReply prints a reply, consumer group responses with topic names.
func fmtReply(h *harness, r kmsg.Response) string {
	switch r := r.(type) {
	case *kmsg.ConsumerGroupHeartbeatResponse:
		s := "cghb " + codeName(r.ErrorCode)
		if r.ErrorCode != 0 {
			return s + fmt.Sprintf(" %q", deref(r.ErrorMessage))
		}
		s += fmt.Sprintf(" m=%s e=%d", deref(r.MemberID), r.MemberEpoch)
		if r.HeartbeatIntervalMillis != 0 {
			s += fmt.Sprintf(" hb=%d", r.HeartbeatIntervalMillis)
		}
		if r.Assignment != nil {
			a := assignor.Assignment{}
			for _, t := range r.Assignment.Topics {
				a[t.TopicID] = t.Partitions
			}
			s += " assign=" + fmtParts(h, a)
		}
		return s
	case *kmsg.ConsumerGroupDescribeResponse:
		var gs []string
		for _, g := range r.Groups {
			gs = append(gs, fmtConsumerDescribed(h, g))
		}
		return "cgdescribe " + strings.Join(gs, " | ")
	}
	return fmtResponse(r)
}

func fmtConsumerDescribed(h *harness, g kmsg.ConsumerGroupDescribeResponseGroup) string {
	if g.ErrorCode != 0 {
		return fmt.Sprintf("%s %s %q", g.Group, codeName(g.ErrorCode), deref(g.ErrorMessage))
	}
	s := fmt.Sprintf("%s %s epoch=%d/%d %s", g.Group, g.State, g.Epoch, g.AssignmentEpoch, g.AssignorName)
	if g.AuthorizedOperations != -2147483648 {
		s += fmt.Sprintf(" ops=%d", g.AuthorizedOperations)
	}
	var ms []string
	for _, m := range g.Members {
		d := fmtID(m.MemberID, m.InstanceID) + fmt.Sprintf(" e=%d %s -> %s (%s %s %s", m.MemberEpoch,
			fmtDescribedParts(m.Assignment), fmtDescribedParts(m.TargetAssignment), m.ClientID, m.ClientHost,
			strings.Join(m.SubscribedTopics, "+"))
		if r := deref(m.SubscribedTopicRegex); r != "" {
			d += " /" + r + "/"
		}
		if m.RackID != nil {
			d += " rack=" + *m.RackID
		}
		ms = append(ms, d+fmt.Sprintf(" type=%d)", m.MemberType))
	}
	return s + " [" + strings.Join(ms, ", ") + "]"
}

func fmtDescribedParts(a kmsg.Assignment) string {
	var out []string
	for _, t := range a.TopicPartitions {
		for _, p := range t.Partitions {
			out = append(out, fmt.Sprintf("%s-%d", t.Topic, p))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

// fmtConsumerState prints a consumer group as the shard holds it.
func fmtConsumerState(h *harness, id string) string {
	g, ok := h.s.groups[id].(*consumerGroup)
	if !ok {
		return "none"
	}
	s := fmt.Sprintf("%s epoch=%d target=%d", g.stateName(), g.epoch, g.targetEpoch)
	for _, m := range g.sortedMembers() {
		kind := ""
		if m.classic != nil {
			kind = " (classic)"
		}
		s += fmt.Sprintf(" | %s%s %s target=%s", m.id, kind, fmtCurrent(h, m), fmtParts(h, g.target[m.id]))
	}
	if len(g.regexes) > 0 {
		var rs []string
		for _, re := range slices.Sorted(maps.Keys(g.regexes)) {
			rs = append(rs, re+"=["+strings.Join(g.regexes[re].topics, " ")+"]")
		}
		s += " | regexes " + strings.Join(rs, " ")
	}
	return s
}
