package api

import (
	"context"
	"errors"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

// maxResponsePartitions is Kafka's max.request.partition.size.limit
// default: the most partitions one DescribeTopicPartitions response holds.
const maxResponsePartitions = 2000

// describeTopicPartitions is what kafka-topics.sh --describe uses: topics
// in name order, at most response_partition_limit partitions per
// response, and a cursor to the first partition left out.
func (h *Handler) describeTopicPartitions(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DescribeTopicPartitionsRequest)
	resp := req.ResponseKind().(*kmsg.DescribeTopicPartitionsResponse)
	img := h.Image()
	names, err := describedTopicNames(img, req)
	if err != nil {
		return respond(r, invalidDescribeTopicPartitions(req))
	}
	all := len(req.Topics) == 0
	remaining := int(max(min(req.ResponsePartitionLimit, maxResponsePartitions), 1))
	for _, name := range names {
		if remaining == 0 {
			resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: 0}
			break
		}
		t := img.Topic(name)
		if t == nil {
			if !all {
				resp.Topics = append(resp.Topics, unknownDescribedTopic(name))
			}
			continue
		}
		start := 0
		if req.Cursor != nil && req.Cursor.Topic == name {
			start = int(req.Cursor.Partition)
		}
		out, next := describedTopic(img, t, r.Conn.Listener, start, remaining)
		resp.Topics = append(resp.Topics, out)
		if next >= 0 {
			resp.NextCursor = &kmsg.DescribeTopicPartitionsResponseNextCursor{Topic: name, Partition: int32(next)}
			break
		}
		remaining -= len(out.Partitions)
	}
	return respond(r, resp)
}

var errBadCursor = errors.New("bad cursor")

// describedTopicNames lists the topics to describe, sorted and from the
// cursor's topic on: the requested ones, or every topic when none are.
// A cursor must name a requested topic and a partition >= 0.
func describedTopicNames(img *metadata.Image, req *kmsg.DescribeTopicPartitionsRequest) ([]string, error) {
	from := ""
	if req.Cursor != nil {
		from = req.Cursor.Topic
	}
	var names []string
	if len(req.Topics) == 0 {
		for _, t := range img.Topics() {
			if t.Name >= from {
				names = append(names, t.Name)
			}
		}
	} else {
		for _, t := range req.Topics {
			if t.Topic >= from {
				names = append(names, t.Topic)
			}
		}
		slices.Sort(names)
		names = slices.Compact(names)
		if req.Cursor != nil && !slices.Contains(names, from) {
			return nil, errBadCursor
		}
	}
	if req.Cursor != nil && req.Cursor.Partition < 0 {
		return nil, errBadCursor
	}
	return names, nil
}

// invalidDescribeTopicPartitions is Kafka's answer to a bad cursor: the
// request fails, every requested topic with INVALID_REQUEST.
func invalidDescribeTopicPartitions(req *kmsg.DescribeTopicPartitionsRequest) *kmsg.DescribeTopicPartitionsResponse {
	resp := req.ResponseKind().(*kmsg.DescribeTopicPartitionsResponse)
	for _, t := range req.Topics {
		out := kmsg.NewDescribeTopicPartitionsResponseTopic()
		out.Topic, out.ErrorCode = ptr(t.Topic), kerr.InvalidRequest.Code
		out.Partitions = []kmsg.DescribeTopicPartitionsResponseTopicPartition{}
		resp.Topics = append(resp.Topics, out)
	}
	return resp
}

func unknownDescribedTopic(name string) kmsg.DescribeTopicPartitionsResponseTopic {
	out := kmsg.NewDescribeTopicPartitionsResponseTopic()
	out.Topic, out.IsInternal = ptr(name), controller.IsInternalTopic(name)
	out.ErrorCode = kerr.UnknownTopicOrPartition.Code
	if controller.ValidateTopicName(name) != nil {
		out.ErrorCode = kerr.InvalidTopicException.Code
	}
	out.Partitions = []kmsg.DescribeTopicPartitionsResponseTopicPartition{}
	out.AuthorizedOperations = topicOperations
	return out
}

// describedTopic describes up to limit partitions of t from start on;
// next is the first partition left out, -1 if none is.
func describedTopic(img *metadata.Image, t *metadata.Topic, listener string, start, limit int) (kmsg.DescribeTopicPartitionsResponseTopic, int) {
	out := kmsg.NewDescribeTopicPartitionsResponseTopic()
	out.Topic, out.TopicID, out.IsInternal = ptr(t.Name), t.ID, controller.IsInternalTopic(t.Name)
	out.AuthorizedOperations = topicOperations
	out.Partitions = []kmsg.DescribeTopicPartitionsResponseTopicPartition{}
	n := t.NumPartitions()
	end := min(n, start+limit)
	for id := start; id < end; id++ {
		if p := t.Partition(int32(id)); p != nil {
			out.Partitions = append(out.Partitions, describedPartition(img, p, listener))
		}
	}
	if end < n {
		return out, end
	}
	return out, -1
}

// describedPartition reports a partition as Kafka's metadata cache does:
// no leader when the leader has no endpoint on this listener, and as
// offline every replica that is unregistered, fenced or without one.
func describedPartition(img *metadata.Image, p *metadata.Partition, listener string) kmsg.DescribeTopicPartitionsResponseTopicPartition {
	out := kmsg.NewDescribeTopicPartitionsResponseTopicPartition()
	out.Partition, out.LeaderID, out.LeaderEpoch = p.ID, metadata.NoLeader, p.LeaderEpoch
	if b := img.Broker(p.Leader); b != nil {
		if _, ok := b.Endpoint(listener); ok {
			out.LeaderID = p.Leader
		}
	}
	out.Replicas, out.ISR = orEmpty(p.Replicas), orEmpty(p.ISR)
	out.EligibleLeaderReplicas, out.LastKnownELR = orEmpty(p.ELR), orEmpty(p.LastKnownELR)
	out.OfflineReplicas = []int32{}
	for _, id := range p.Replicas {
		b := img.Broker(id)
		if b == nil || b.Fenced {
			out.OfflineReplicas = append(out.OfflineReplicas, id)
		} else if _, ok := b.Endpoint(listener); !ok {
			out.OfflineReplicas = append(out.OfflineReplicas, id)
		}
	}
	return out
}

func orEmpty(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}
