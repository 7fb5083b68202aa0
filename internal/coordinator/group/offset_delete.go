package group

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// offsetDelete deletes committed offsets of topics the group does not
// consume, with a tombstone for each partition that has one.
func (s *Shard) offsetDelete(r coordinator.Request, req *kmsg.OffsetDeleteRequest) {
	resp := req.ResponseKind().(*kmsg.OffsetDeleteResponse)
	if req.Group == "" {
		resp.ErrorCode = codeInvalidGroupID
		s.reply(r.ID, resp)
		return
	}
	g, ok := s.liveGroup(req.Group)
	if !ok {
		resp.ErrorCode = codeGroupIDNotFound
	} else {
		resp.ErrorCode = g.validateOffsetDelete()
	}
	if resp.ErrorCode != 0 {
		s.reply(r.ID, resp)
		return
	}
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetDeleteResponseTopic()
		rt.Topic = t.Topic
		subscribed := g.subscribedTo(t.Topic)
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetDeleteResponseTopicPartition()
			rp.Partition = p.Partition
			switch {
			case subscribed:
				rp.ErrorCode = codeGroupSubscribedToTopic
			case s.hasOffset(req.Group, t.Topic, p.Partition):
				s.write(offsetTombstone(req.Group, t.Topic, p.Partition))
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	s.reply(r.ID, resp)
}

func (s *Shard) hasOffset(group, topic string, partition int32) bool {
	_, ok := s.offsets.get(group, topic, partition)
	return ok || s.offsets.pendingTransactional(group, topic, partition)
}
