package group

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// fetchTopic is one topic of an OffsetFetch, whatever its version.
type fetchTopic struct {
	name       string
	partitions []int32
}

// offsetFetch answers from the committed offsets. v8+ may name several
// groups (the api layer sends each its own shard); before v8 the one
// group's answer is the whole response. Topics null (v2+) means every
// committed partition.
func (s *Shard) offsetFetch(r coordinator.Request, req *kmsg.OffsetFetchRequest) {
	resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
	if req.Version >= 8 {
		for _, rg := range req.Groups {
			var topics []fetchTopic
			for _, t := range rg.Topics {
				topics = append(topics, fetchTopic{t.Topic, t.Partitions})
			}
			resp.Groups = append(resp.Groups, s.fetchGroup(rg.Group, rg.MemberID, rg.MemberEpoch, topics, rg.Topics == nil, req.RequireStable))
		}
		s.reply(r.ID, resp)
		return
	}
	var topics []fetchTopic
	for _, t := range req.Topics {
		topics = append(topics, fetchTopic{t.Topic, t.Partitions})
	}
	g := s.fetchGroup(req.Group, nil, -1, topics, req.Topics == nil, req.RequireStable)
	flattenFetch(resp, g)
	s.reply(r.ID, resp)
}

func (s *Shard) fetchGroup(id string, memberID *string, memberEpoch int32, topics []fetchTopic, all, requireStable bool) kmsg.OffsetFetchResponseGroup {
	out := kmsg.NewOffsetFetchResponseGroup()
	out.Group = id
	// An unknown group has no offsets; that is not an error.
	known := false
	if g, ok := s.liveGroup(id); ok {
		switch code := g.validateOffsetFetch(memberID, memberEpoch); code {
		case 0:
			known = true
		case codeGroupIDNotFound:
		default:
			out.ErrorCode = code
			return out
		}
	}
	if all {
		if !known {
			return out
		}
		topics = nil
		for _, t := range s.offsets.topics(id) {
			topics = append(topics, fetchTopic{t, s.offsets.partitions(id, t)})
		}
	}
	for _, t := range topics {
		ot := kmsg.NewOffsetFetchResponseGroupTopic()
		ot.Topic = t.name
		for _, p := range t.partitions {
			ot.Partitions = append(ot.Partitions, s.fetchPartition(id, t.name, p, known, requireStable))
		}
		out.Topics = append(out.Topics, ot)
	}
	return out
}

func (s *Shard) fetchPartition(group, topic string, partition int32, known, requireStable bool) kmsg.OffsetFetchResponseGroupTopicPartition {
	p := kmsg.NewOffsetFetchResponseGroupTopicPartition()
	p.Partition, p.Offset, p.LeaderEpoch, p.Metadata = partition, -1, -1, new(string)
	if requireStable && s.offsets.pendingTransactional(group, topic, partition) {
		// KIP-447: a consumer asking for stable offsets must wait for the
		// transaction to end.
		p.ErrorCode = codeUnstableOffsetCommit
		return p
	}
	if e, ok := s.offsets.get(group, topic, partition); known && ok {
		p.Offset, p.LeaderEpoch, p.Metadata = e.offset, e.leaderEpoch, &e.metadata
	}
	return p
}

// flattenFetch is the one group's answer in the pre-v8 layout; v0-v1 have
// no top-level error, so a group error goes to every partition.
func flattenFetch(resp *kmsg.OffsetFetchResponse, g kmsg.OffsetFetchResponseGroup) {
	resp.ErrorCode = g.ErrorCode
	for _, t := range g.Topics {
		rt := kmsg.NewOffsetFetchResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetFetchResponseTopicPartition()
			rp.Partition, rp.Offset, rp.LeaderEpoch, rp.Metadata, rp.ErrorCode = p.Partition, p.Offset, p.LeaderEpoch, p.Metadata, p.ErrorCode
			if resp.Version < 2 && g.ErrorCode != 0 {
				rp.Offset, rp.LeaderEpoch, rp.Metadata, rp.ErrorCode = -1, -1, new(string), g.ErrorCode
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
}
