package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) deleteRecords(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DeleteRecordsRequest)
	resp := req.ResponseKind().(*kmsg.DeleteRecordsResponse)
	for _, t := range req.Topics {
		rt := kmsg.NewDeleteRecordsResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewDeleteRecordsResponseTopicPartition()
			rp.Partition = p.Partition
			rp.LowWatermark, rp.ErrorCode = h.deletePartitionRecords(t.Topic, p.Partition, p.Offset)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return respond(r, resp)
}

// deletePartitionRecords moves one partition's log start, with Kafka's
// refusals: internal topics are never truncated by clients, and only topics
// whose cleanup.policy includes delete may lose records.
func (h *Handler) deletePartitionRecords(topic string, index int32, offset int64) (lowWatermark int64, code int16) {
	if controller.IsInternalTopic(topic) {
		return -1, kerr.InvalidTopicException.Code
	}
	part, err := h.lookupPartition(topic, [16]byte{}, false, index)
	if err != nil {
		return -1, errorCode(err)
	}
	if !part.Config().CleanupPolicy.Delete {
		return -1, kerr.PolicyViolation.Code
	}
	low, err := part.DeleteRecords(offset)
	if err != nil {
		return -1, errorCode(err)
	}
	return low, 0
}
