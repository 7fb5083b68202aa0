package group

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// fmtOutput prints an Output for the scripts: records, then replies.
func fmtOutput(h *harness, records []coordinator.Record, replies []coordinator.Reply) string {
	var parts []string
	for _, rec := range records {
		parts = append(parts, fmtRecord(h, rec))
	}
	for _, rep := range replies {
		parts = append(parts, fmt.Sprintf("r%d %s", rep.ID, fmtReply(h, rep.Response)))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ; ")
}

func codeName(code int16) string {
	if code == 0 {
		return "OK"
	}
	if err := kerr.ErrorForCode(code); err != nil {
		return err.(*kerr.Error).Message
	}
	return fmt.Sprintf("code%d", code)
}

func fmtRecord(h *harness, rec coordinator.Record) string {
	version, err := recordKeyVersion(rec.Key)
	if err != nil {
		return "{" + err.Error() + "}"
	}
	if version >= consumerMetadataKeyVersion {
		return fmtConsumerRecord(h, rec)
	}
	if version == groupMetadataKeyVersion {
		k, _ := decodeGroupMetadataKey(rec.Key)
		if rec.Value == nil {
			return fmt.Sprintf("{group %s -}", k.Group)
		}
		v, err := decodeGroupMetadataValue(rec.Value)
		if err != nil {
			return "{" + err.Error() + "}"
		}
		return fmt.Sprintf("{group %s %s}", k.Group, fmtGroupValue(v))
	}
	k, _ := decodeOffsetCommitKey(rec.Key)
	if rec.Value == nil {
		return fmt.Sprintf("{offset %s %s-%d -}", k.Group, k.Topic, k.Partition)
	}
	e, err := decodeOffsetCommitValue(rec.Value, 0)
	if err != nil {
		return "{" + err.Error() + "}"
	}
	s := fmt.Sprintf("{offset %s %s-%d=%s", k.Group, k.Topic, k.Partition, fmtOffset(e.offset, e.leaderEpoch, e.metadata))
	if e.commitTime != h.now.UnixMilli() {
		s += fmt.Sprintf(" committed%+d", e.commitTime-h.now.UnixMilli())
	}
	if e.expireTime != -1 {
		s += fmt.Sprintf(" expires%+d", e.expireTime-h.now.UnixMilli())
	}
	return s + "}"
}

func fmtGroupValue(v *kmsg.GroupMetadataValue) string {
	s := fmt.Sprintf("gen=%d", v.Generation)
	if v.ProtocolType != "" {
		s += " type=" + v.ProtocolType
	}
	if v.Protocol != nil {
		s += " proto=" + *v.Protocol
	}
	if v.Leader != nil {
		s += " leader=" + *v.Leader
	}
	var ms []string
	for _, m := range v.Members {
		ms = append(ms, fmtMember(m.MemberID, m.InstanceID, m.Assignment))
	}
	return s + " [" + strings.Join(ms, " ") + "]"
}

func fmtID(id string, instance *string) string {
	if instance != nil {
		return id + "/" + *instance
	}
	return id
}

func fmtMember(id string, instance *string, assignment []byte) string {
	return fmtID(id, instance) + ":" + fmtAssignment(assignment)
}

// fmtAssignment prints a member's assignment: a ConsumerProtocolAssignment
// as [t-0+t-1] (the scripts' other assignments are plain text, which
// never starts with a zero byte).
func fmtAssignment(b []byte) string {
	if len(b) == 0 || b[0] != 0 {
		return string(b)
	}
	var a kmsg.ConsumerMemberAssignment
	if err := a.ReadFrom(b); err != nil {
		return fmt.Sprintf("%q", b)
	}
	var out []string
	for _, t := range a.Topics {
		for _, p := range t.Partitions {
			out = append(out, fmt.Sprintf("%s-%d", t.Topic, p))
		}
	}
	return fmt.Sprintf("v%d[%s]", a.Version, strings.Join(out, "+"))
}

func fmtOffset(offset int64, epoch int32, metadata string) string {
	s := fmt.Sprint(offset)
	if epoch != -1 {
		s += fmt.Sprintf("@%d", epoch)
	}
	if metadata != "" {
		s += "~" + metadata
	}
	return s
}

func fmtResponse(r kmsg.Response) string {
	switch r := r.(type) {
	case *kmsg.JoinGroupResponse:
		return fmtJoin(r)
	case *kmsg.SyncGroupResponse:
		s := "sync " + codeName(r.ErrorCode)
		if r.ErrorCode == 0 {
			s += " proto=" + deref(r.Protocol) + " assign=" + fmtAssignment(r.MemberAssignment)
		}
		return s
	case *kmsg.HeartbeatResponse:
		return "hb " + codeName(r.ErrorCode)
	case *kmsg.LeaveGroupResponse:
		return fmtLeave(r)
	case *kmsg.OffsetCommitResponse:
		return fmtCommit(r)
	case *kmsg.OffsetFetchResponse:
		return fmtFetch(r)
	case *kmsg.DescribeGroupsResponse:
		var gs []string
		for _, g := range r.Groups {
			gs = append(gs, fmtDescribed(g))
		}
		return "describe " + strings.Join(gs, " | ")
	case *kmsg.ListGroupsResponse:
		var gs []string
		for _, g := range r.Groups {
			gs = append(gs, fmt.Sprintf("%s:%s:%s:%s", g.Group, g.GroupState, g.ProtocolType, g.GroupType))
		}
		return "list " + codeName(r.ErrorCode) + " [" + strings.Join(gs, " ") + "]"
	case *kmsg.DeleteGroupsResponse:
		var gs []string
		for _, g := range r.Groups {
			gs = append(gs, g.Group+":"+codeName(g.ErrorCode))
		}
		return "delete " + strings.Join(gs, " ")
	case *kmsg.OffsetDeleteResponse:
		s := "offsetdelete " + codeName(r.ErrorCode)
		for _, t := range r.Topics {
			for _, p := range t.Partitions {
				s += fmt.Sprintf(" %s-%d:%s", t.Topic, p.Partition, codeName(p.ErrorCode))
			}
		}
		return s
	}
	return fmt.Sprintf("%T", r)
}

func fmtJoin(r *kmsg.JoinGroupResponse) string {
	s := "join " + codeName(r.ErrorCode)
	if r.MemberID != "" {
		s += " m=" + r.MemberID
	}
	if r.ErrorCode != 0 {
		return s
	}
	s += fmt.Sprintf(" gen=%d leader=%s proto=%s", r.Generation, r.LeaderID, deref(r.Protocol))
	if len(r.Members) > 0 {
		var ms []string
		for _, m := range r.Members {
			ms = append(ms, fmtID(m.MemberID, m.InstanceID))
		}
		s += " members=[" + strings.Join(ms, " ") + "]"
	}
	if r.SkipAssignment {
		s += " skip"
	}
	return s
}

func fmtLeave(r *kmsg.LeaveGroupResponse) string {
	s := "leave " + codeName(r.ErrorCode)
	if r.Version < 3 {
		return s
	}
	var ms []string
	for _, m := range r.Members {
		ms = append(ms, fmtID(m.MemberID, m.InstanceID)+":"+codeName(m.ErrorCode))
	}
	return s + " [" + strings.Join(ms, " ") + "]"
}

func fmtCommit(r *kmsg.OffsetCommitResponse) string {
	s := "commit"
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			s += fmt.Sprintf(" %s-%d:%s", t.Topic, p.Partition, codeName(p.ErrorCode))
		}
	}
	return s
}

func fmtFetch(r *kmsg.OffsetFetchResponse) string {
	if r.Version >= 8 {
		var gs []string
		for _, g := range r.Groups {
			gs = append(gs, fmtFetchGroup(g))
		}
		return "fetch " + strings.Join(gs, " | ")
	}
	s := "fetch " + codeName(r.ErrorCode)
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			s += " " + fmtFetchPartition(t.Topic, p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode)
		}
	}
	return s
}

func fmtFetchGroup(g kmsg.OffsetFetchResponseGroup) string {
	s := g.Group + " " + codeName(g.ErrorCode)
	for _, t := range g.Topics {
		for _, p := range t.Partitions {
			s += " " + fmtFetchPartition(t.Topic, p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode)
		}
	}
	return s
}

func fmtFetchPartition(topic string, partition int32, offset int64, epoch int32, metadata *string, code int16) string {
	s := fmt.Sprintf("%s-%d=%s", topic, partition, fmtOffset(offset, epoch, deref(metadata)))
	if code != 0 {
		s += "!" + codeName(code)
	}
	return s
}

func fmtDescribed(g kmsg.DescribeGroupsResponseGroup) string {
	s := g.Group + " " + g.State
	if g.ErrorCode != 0 {
		s += " " + codeName(g.ErrorCode)
	}
	if g.ProtocolType != "" || g.Protocol != "" {
		s += " " + g.ProtocolType + "/" + g.Protocol
	}
	if g.AuthorizedOperations != -2147483648 {
		s += fmt.Sprintf(" ops=%d", g.AuthorizedOperations)
	}
	var ms []string
	for _, m := range g.Members {
		d := fmtMember(m.MemberID, m.InstanceID, m.MemberAssignment)
		d += "(" + m.ClientID + " " + m.ClientHost
		if topics, ok := subscriptionTopics(m.ProtocolMetadata); ok {
			d += " " + strings.Join(topics, "+")
		}
		ms = append(ms, d+")")
	}
	if len(ms) > 0 {
		s += " [" + strings.Join(ms, " ") + "]"
	}
	return s
}

// fmtState prints a classic group's live state.
func fmtState(s *Shard, id string) string {
	g, ok := s.groups[id].(*classicGroup)
	if !ok {
		return "none"
	}
	out := fmt.Sprintf("%s gen=%d", g.state, g.generation)
	if g.protocolType != "" {
		out += " type=" + g.protocolType
	}
	if g.protocol != "" {
		out += " proto=" + g.protocol
	}
	if g.leader != "" {
		out += " leader=" + g.leader
	}
	var ms []string
	for _, m := range g.members {
		d := m.id
		if m.join != nil {
			d += "+join"
		}
		if m.sync != nil {
			d += "+sync"
		}
		ms = append(ms, d)
	}
	out += " members=[" + strings.Join(ms, " ") + "]"
	if len(g.pendingJoin) > 0 {
		out += " pending=[" + strings.Join(slices.Sorted(maps.Keys(g.pendingJoin)), " ") + "]"
	}
	if len(g.pendingSync) > 0 {
		out += " unsynced=[" + strings.Join(slices.Sorted(maps.Keys(g.pendingSync)), " ") + "]"
	}
	return out
}

// timerNames name the timer kinds in `timers` output.
var timerNames = [...]string{"heartbeat", "join", "sync", "cleanup", "session", "rebalance", "cgjoin", "cgsync"}

// fmtTimers lists the pending timers in firing order, relative to now.
func fmtTimers(h *harness) string {
	ts := slices.Clone(h.s.timers.queue)
	slices.SortFunc(ts, func(a, b *timer) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return int(a.seq - b.seq)
	})
	var parts []string
	for _, t := range ts {
		if t.key.kind == timerCleanup {
			continue
		}
		name := timerNames[t.key.kind] + " " + t.key.group
		if t.key.member != "" {
			name += "/" + t.key.member
		}
		parts = append(parts, fmt.Sprintf("%s +%d", name, time.UnixMilli(t.at).Sub(h.now).Milliseconds()))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}
