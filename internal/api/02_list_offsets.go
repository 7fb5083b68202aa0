package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/partition"
)

// minListOffsetsVersion is the first version that may ask for each special
// timestamp.
var minListOffsetsVersion = map[int64]int16{
	partition.MaxTimestamp:           7,
	partition.EarliestLocalTimestamp: 8,
	partition.LatestTieredTimestamp:  9,
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
	readCommitted := req.IsolationLevel == 1
	for _, t := range req.Topics {
		rt := kmsg.NewListOffsetsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewListOffsetsResponseTopicPartition()
			rp.Partition = p.Partition
			rp.Timestamp, rp.Offset, rp.LeaderEpoch = -1, -1, -1
			switch {
			case seen[topicPartition{t.Topic, p.Partition}] > 1:
				rp.ErrorCode = kerr.InvalidRequest.Code
			case r.Version < minListOffsetsVersion[p.Timestamp]:
				rp.ErrorCode = kerr.UnsupportedVersion.Code
			default:
				h.listPartitionOffset(&rp, t.Topic, p, readCommitted)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return respond(r, resp)
}

type topicPartition struct {
	topic     string
	partition int32
}

func (h *Handler) listPartitionOffset(rp *kmsg.ListOffsetsResponseTopicPartition, topic string, p kmsg.ListOffsetsRequestTopicPartition, readCommitted bool) {
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
	rp.Timestamp, rp.Offset, rp.LeaderEpoch = found.Timestamp, found.Offset, found.LeaderEpoch
}
