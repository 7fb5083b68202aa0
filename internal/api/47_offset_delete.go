package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

// offsetDelete answers partitions the metadata does not know itself, as
// Kafka's request handler does, and asks the coordinator about the rest.
func (h *Handler) offsetDelete(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.OffsetDeleteRequest)
	img := h.Image()
	filtered := *req
	filtered.Topics = nil
	unknown := map[string][]int32{}
	for _, t := range req.Topics {
		mt := img.Topic(t.Topic)
		kt := t
		kt.Partitions = nil
		for _, p := range t.Partitions {
			if mt != nil && mt.Partition(p.Partition) != nil {
				kt.Partitions = append(kt.Partitions, p)
			} else {
				unknown[t.Topic] = append(unknown[t.Topic], p.Partition)
			}
		}
		if len(kt.Partitions) > 0 {
			filtered.Topics = append(filtered.Topics, kt)
		}
	}
	call := h.sendGroup(r, req.Group, &filtered)
	return h.later(r, func() kmsg.Response {
		res := call.Wait(ctx)
		resp := req.ResponseKind().(*kmsg.OffsetDeleteResponse)
		if res.Err != nil {
			resp.ErrorCode = coordinatorCode(res.Err)
			return resp
		}
		resp = res.Response.(*kmsg.OffsetDeleteResponse)
		for _, t := range req.Topics {
			parts, ok := unknown[t.Topic]
			if !ok {
				continue
			}
			rt := kmsg.NewOffsetDeleteResponseTopic()
			rt.Topic = t.Topic
			for _, p := range parts {
				rp := kmsg.NewOffsetDeleteResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p, kerr.UnknownTopicOrPartition.Code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}), nil
}
