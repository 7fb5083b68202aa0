package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/partition"
)

// minListOffsetsVersion is the first version that may ask for each special
// (negative) timestamp; Kafka refuses any other negative timestamp with
// UNSUPPORTED_VERSION.
var minListOffsetsVersion = map[int64]int16{
	partition.LatestTimestamp:        1,
	partition.EarliestTimestamp:      1,
	partition.MaxTimestamp:           7,
	partition.EarliestLocalTimestamp: 8,
	partition.LatestTieredTimestamp:  9,
}

func timestampSupported(ts int64, version int16) bool {
	if ts >= 0 {
		return true
	}
	from, ok := minListOffsetsVersion[ts]
	return ok && version >= from
}

func (h *Handler) listOffsets(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ListOffsetsRequest)
	resp := req.ResponseKind().(*kmsg.ListOffsetsResponse)
	seen := map[topicPartition]int{}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			seen[topicPartition{t.Topic, p.Partition}]++
		}
	}
	// As Kafka, one answer per distinct partition, grouped by topic.
	topicIndex := map[string]int{}
	answered := map[topicPartition]bool{}
	readCommitted := req.IsolationLevel == 1
	for _, t := range req.Topics {
		i, ok := topicIndex[t.Topic]
		if !ok {
			i = len(resp.Topics)
			topicIndex[t.Topic] = i
			rt := kmsg.NewListOffsetsResponseTopic()
			rt.Topic = t.Topic
			resp.Topics = append(resp.Topics, rt)
		}
		for _, p := range t.Partitions {
			tp := topicPartition{t.Topic, p.Partition}
			if answered[tp] {
				continue
			}
			answered[tp] = true
			rp := kmsg.NewListOffsetsResponseTopicPartition()
			rp.Partition = p.Partition
			rp.Timestamp, rp.Offset, rp.LeaderEpoch = -1, -1, -1
			switch {
			case seen[tp] > 1:
				rp.ErrorCode = kerr.InvalidRequest.Code
			case !timestampSupported(p.Timestamp, r.Version):
				rp.ErrorCode = kerr.UnsupportedVersion.Code
			default:
				h.listPartitionOffset(&rp, t.Topic, p, readCommitted, req.ReplicaID >= 0)
			}
			resp.Topics[i].Partitions = append(resp.Topics[i].Partitions, rp)
		}
	}
	return respond(r, resp)
}

type topicPartition struct {
	topic     string
	partition int32
}

// listPartitionOffset answers one partition; a follower (replica id >= 0)
// asking for the latest offset gets the log end, not the high watermark,
// as Kafka answers its replica fetcher.
func (h *Handler) listPartitionOffset(rp *kmsg.ListOffsetsResponseTopicPartition, topic string, p kmsg.ListOffsetsRequestTopicPartition, readCommitted, fromReplica bool) {
	part, err := h.lookupPartition(topic, [16]byte{}, false, p.Partition)
	if err != nil {
		rp.ErrorCode = errorCode(err)
		return
	}
	found, err := part.ListOffset(p.Timestamp, p.CurrentLeaderEpoch, readCommitted)
	if err != nil {
		rp.ErrorCode = errorCode(err)
		return
	}
	if fromReplica && p.Timestamp == partition.LatestTimestamp {
		found.Offset = part.LogEndOffset()
	}
	rp.Timestamp, rp.Offset, rp.LeaderEpoch = found.Timestamp, found.Offset, found.LeaderEpoch
}
