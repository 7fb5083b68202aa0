package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicPartition names one partition; it prints as Kafka's TopicPartition
// does: "topic-partition".
type topicPartition struct {
	topic     string
	partition int32
}

func (tp topicPartition) String() string { return fmt.Sprintf("%s-%d", tp.topic, tp.partition) }

func compareTopicPartitions(a, b topicPartition) int {
	return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition))
}

// committedOffsets is what the group has committed: partitions without a
// committed offset or with an error are left out, as Kafka's admin client
// leaves them out. A group that does not exist has committed nothing
// (Kafka's brokers answer so; some others answer GROUP_ID_NOT_FOUND).
func (r *groupsRun) committedOffsets(ctx context.Context, group string) (map[topicPartition]kadm.Offset, error) {
	ctx, cancel := r.call(ctx)
	defer cancel()
	out := make(map[topicPartition]kadm.Offset)
	resp, err := r.adm.adm.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Err == nil && o.At >= 0 {
			out[topicPartition{o.Topic, o.Partition}] = o.Offset
		}
	})
	return out, nil
}

// listPartitionOffsets asks each partition's leader for its offset at
// timestamp (-1: the log end, -2: the log start, or a time in
// milliseconds, which answers -1 when no record is that recent). Partitions
// that fail are missing from the answer: Kafka shows them as unknown.
func (r *groupsRun) listPartitionOffsets(ctx context.Context, tps []topicPartition, timestamp int64) (map[topicPartition]int64, error) {
	out := make(map[topicPartition]int64, len(tps))
	if len(tps) == 0 {
		return out, nil
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	index := map[string]int{}
	for _, tp := range tps {
		i, ok := index[tp.topic]
		if !ok {
			i = len(req.Topics)
			index[tp.topic] = i
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = tp.topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = tp.partition, timestamp
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	ctx, cancel := r.call(ctx)
	defer cancel()
	for _, shard := range r.adm.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			if errors.Is(shard.Err, context.DeadlineExceeded) || errors.Is(shard.Err, context.Canceled) {
				return nil, shard.Err
			}
			continue
		}
		for _, rt := range shard.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, rp := range rt.Partitions {
				if rp.ErrorCode == 0 {
					out[topicPartition{rt.Topic, rp.Partition}] = rp.Offset
				}
			}
		}
	}
	return out, nil
}

// topicMetadata describes topics; a topic that does not exist has its
// error set.
func (r *groupsRun) topicMetadata(ctx context.Context, topics []string) (kadm.TopicDetails, error) {
	ctx, cancel := r.call(ctx)
	defer cancel()
	m, err := r.adm.adm.Metadata(ctx, topics...)
	if err != nil {
		return nil, err
	}
	return m.Topics, nil
}

func topicsOf(tps []topicPartition) []string {
	var topics []string
	for _, tp := range tps {
		if !slices.Contains(topics, tp.topic) {
			topics = append(topics, tp.topic)
		}
	}
	return topics
}

// partitionsWithoutLeader are the partitions of tps that exist but have no
// leader, whose log offsets cannot be asked for.
func (r *groupsRun) partitionsWithoutLeader(ctx context.Context, tps []topicPartition) (map[topicPartition]bool, error) {
	details, err := r.topicMetadata(ctx, topicsOf(tps))
	if err != nil {
		return nil, err
	}
	out := map[topicPartition]bool{}
	for _, tp := range tps {
		if p, ok := details[tp.topic].Partitions[tp.partition]; ok && p.Leader < 0 {
			out[tp] = true
		}
	}
	return out, nil
}

// checkPartitionsValid is GroupOffsetsResetter.checkAllTopicPartitionsValid:
// every partition to reset must exist and have a leader.
func (r *groupsRun) checkPartitionsValid(ctx context.Context, tps []topicPartition) error {
	if len(tps) == 0 {
		return nil
	}
	details, err := r.topicMetadata(ctx, topicsOf(tps))
	if err != nil {
		return failed(err)
	}
	var missing, leaderless []string
	for _, tp := range tps {
		td := details[tp.topic]
		if td.Err != nil {
			// Kafka's describeTopics fails as a whole for a topic that
			// does not exist.
			s := groupExceptionString(td.Err)
			return &groupsFailure{msg: "java.util.concurrent.ExecutionException: " + s, trace: "java.lang.RuntimeException: java.util.concurrent.ExecutionException: " + s}
		}
		switch p, ok := td.Partitions[tp.partition]; {
		case !ok:
			missing = append(missing, tp.String())
		case p.Leader < 0:
			leaderless = append(leaderless, tp.String())
		}
	}
	if len(missing) > 0 {
		return partitionsFailure(kerr.UnknownTopicOrPartition, fmt.Sprintf(`The partitions "%s" do not exist`, strings.Join(missing, ",")))
	}
	if len(leaderless) > 0 {
		return partitionsFailure(kerr.LeaderNotAvailable, fmt.Sprintf(`The partitions "%s" have no leader`, strings.Join(leaderless, ",")))
	}
	return nil
}

func partitionsFailure(code *kerr.Error, msg string) error {
	return &groupsFailure{msg: msg, trace: javaException(code) + ": " + msg}
}
