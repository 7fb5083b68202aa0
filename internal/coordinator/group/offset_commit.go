package group

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// offsetCommit validates the committer, then writes an OffsetCommit record
// per partition; the offsets are committed once those are replayed.
// Checking that the topics exist is the api layer's (it knows the
// metadata), as is authorization.
func (s *Shard) offsetCommit(r coordinator.Request, req *kmsg.OffsetCommitRequest) {
	resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
	code := s.validateOffsetCommit(req)
	if code == 0 {
		s.commitKeepsSession(req)
	}
	expire := int64(-1)
	if req.Version <= 4 && req.RetentionTimeMillis != -1 {
		// v2-v4 may ask for a retention of their own (before KIP-211).
		expire = s.now + req.RetentionTimeMillis
	}
	for _, t := range req.Topics {
		rt := kmsg.NewOffsetCommitResponseTopic()
		rt.Topic, rt.TopicID = t.Topic, t.TopicID
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, code
			if code == 0 {
				rp.ErrorCode = s.commitPartition(req.Group, t.Topic, p, expire)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	s.reply(r.ID, resp)
}

func (s *Shard) validateOffsetCommit(req *kmsg.OffsetCommitRequest) int16 {
	g, ok := s.groups[req.Group]
	if ok {
		return g.validateOffsetCommit(req.MemberID, req.InstanceID, req.Generation, req.Version)
	}
	switch {
	case req.Generation < 0:
		// A commit outside group membership: the replay of its records
		// makes a simple group.
		return 0
	case req.Version >= 9:
		return codeGroupIDNotFound
	}
	return codeIllegalGeneration // what older clients expect
}

// commitKeepsSession: in the classic protocol a member's commit counts as
// a heartbeat while the group is stable or preparing a rebalance.
func (s *Shard) commitKeepsSession(req *kmsg.OffsetCommitRequest) {
	g, ok := s.groups[req.Group].(*classicGroup)
	if !ok || !(g.is(stateStable) || g.is(statePreparingRebalance)) {
		return
	}
	if m := g.member(req.MemberID); m != nil {
		s.setHeartbeat(g, m.id, m.sessionTimeoutMs)
	}
}

func (s *Shard) commitPartition(group, topic string, p kmsg.OffsetCommitRequestTopicPartition, expire int64) int16 {
	if p.Metadata != nil && javaLength(*p.Metadata) > int(s.cfg.OffsetMetadataMaxBytes) {
		return codeOffsetMetadataTooLarge
	}
	e := offsetEntry{
		offset: p.Offset, leaderEpoch: p.LeaderEpoch, metadata: deref(p.Metadata),
		commitTime: s.now, expireTime: expire,
	}
	if p.Timestamp != -1 { // v1 only
		e.commitTime = p.Timestamp
	}
	s.write(offsetCommitRecord(group, topic, p.Partition, e))
	return 0
}

// javaLength is a string's length as Java counts it (UTF-16 code units):
// Kafka checks offset.metadata.max.bytes against that.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}
