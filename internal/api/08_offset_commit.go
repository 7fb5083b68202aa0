package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) offsetCommit(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.OffsetCommitRequest)
	call := h.sendGroup(r, req.Group, req)
	return h.later(r, func() kmsg.Response {
		res := call.Wait(ctx)
		if res.Err == nil {
			return res.Response
		}
		// Routing failures answer every partition, as Kafka does.
		code := coordinatorCode(res.Err)
		resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewOffsetCommitResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				rp := kmsg.NewOffsetCommitResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}), nil
}
