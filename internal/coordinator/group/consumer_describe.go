package group

import (
	"cmp"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/coordinator/assignor"
	"github.com/spoolhq/spool/internal/metadata"
)

// ConsumerGroupDescribe v1's MemberType (KIP-1099): which protocol the
// member speaks.
const (
	memberTypeClassic  = 0
	memberTypeConsumer = 1
)

func (s *Shard) consumerGroupDescribe(r coordinator.Request, req *kmsg.ConsumerGroupDescribeRequest) {
	resp := req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
	for _, id := range req.Groups {
		d := s.describeConsumerGroup(id, req.Version)
		if d.ErrorCode == 0 && req.IncludeAuthorizedOperations {
			// Spool has no ACLs yet: everything a group supports is allowed.
			d.AuthorizedOperations = groupOperations
		}
		resp.Groups = append(resp.Groups, d)
	}
	s.reply(r.ID, resp)
}

func (s *Shard) describeConsumerGroup(id string, version int16) kmsg.ConsumerGroupDescribeResponseGroup {
	d := kmsg.NewConsumerGroupDescribeResponseGroup()
	d.Group = id
	g, err := s.existingConsumerGroup(id)
	if err != nil {
		d.ErrorCode, d.ErrorMessage = err.code, &err.msg
		return d
	}
	d.State, d.Epoch, d.AssignmentEpoch = g.stateName(), g.epoch, g.targetEpoch
	d.AssignorName = s.preferredAssignor(g.members).Name()
	for _, m := range g.sortedMembers() {
		dm := kmsg.NewConsumerGroupDescribeResponseGroupMember()
		dm.MemberID, dm.InstanceID, dm.RackID, dm.MemberEpoch = m.id, m.instanceID, m.rackID, m.epoch
		dm.ClientID, dm.ClientHost = m.clientID, m.clientHost
		dm.SubscribedTopics = slices.Clone(m.topics)
		if dm.SubscribedTopics == nil {
			dm.SubscribedTopics = []string{}
		}
		dm.SubscribedTopicRegex = &m.regex
		dm.Assignment = s.describedAssignment(m.assigned)
		dm.TargetAssignment = s.describedAssignment(g.target[m.id])
		if version >= 1 {
			dm.MemberType = memberTypeConsumer
			if m.classic != nil {
				dm.MemberType = memberTypeClassic
			}
		}
		d.Members = append(d.Members, dm)
	}
	return d
}

// describedAssignment names an assignment's topics; topics the metadata
// no longer has are left out, as Kafka does.
func (s *Shard) describedAssignment(a assignor.Assignment) kmsg.Assignment {
	out := kmsg.NewAssignment()
	out.TopicPartitions = []kmsg.AssignmentTopicPartition{}
	for _, id := range topicIDs(a) {
		t := s.image.TopicByID(metadata.TopicID(id))
		if t == nil {
			continue
		}
		tp := kmsg.NewAssignmentTopicPartition()
		tp.TopicID, tp.Topic, tp.Partitions = id, t.Name, slices.Clone(a[id])
		out.TopicPartitions = append(out.TopicPartitions, tp)
	}
	slices.SortFunc(out.TopicPartitions, func(a, b kmsg.AssignmentTopicPartition) int { return cmp.Compare(a.Topic, b.Topic) })
	return out
}
