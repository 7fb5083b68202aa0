package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) offsetFetch(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.OffsetFetchRequest)
	if r.Version < 8 {
		return h.offsetFetchOne(ctx, r, req), nil
	}
	// v8+ asks for several groups; each goes to its own shard.
	calls := make([]*coordinator.Call, len(req.Groups))
	for i, g := range req.Groups {
		one := *req
		one.Groups = []kmsg.OffsetFetchRequestGroup{g}
		calls[i] = h.sendGroup(r, g.Group, &one)
	}
	return h.later(r, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
		for i, call := range calls {
			res := call.Wait(ctx)
			if res.Err == nil {
				resp.Groups = append(resp.Groups, res.Response.(*kmsg.OffsetFetchResponse).Groups...)
				continue
			}
			g := kmsg.NewOffsetFetchResponseGroup()
			g.Group, g.ErrorCode = req.Groups[i].Group, coordinatorCode(res.Err)
			resp.Groups = append(resp.Groups, g)
		}
		return resp
	}), nil
}

func (h *Handler) offsetFetchOne(ctx context.Context, r *Request, req *kmsg.OffsetFetchRequest) network.Reply {
	call := h.sendGroup(r, req.Group, req)
	return h.later(r, func() kmsg.Response {
		res := call.Wait(ctx)
		if res.Err == nil {
			return res.Response
		}
		resp := req.ResponseKind().(*kmsg.OffsetFetchResponse)
		code := coordinatorCode(res.Err)
		resp.ErrorCode = code
		if r.Version < 2 {
			// v1 has no top-level error: every partition carries it.
			for _, t := range req.Topics {
				rt := kmsg.NewOffsetFetchResponseTopic()
				rt.Topic = t.Topic
				for _, p := range t.Partitions {
					rp := kmsg.NewOffsetFetchResponseTopicPartition()
					rp.Partition, rp.Offset, rp.ErrorCode = p, -1, code
					rt.Partitions = append(rt.Partitions, rp)
				}
				resp.Topics = append(resp.Topics, rt)
			}
		}
		return resp
	})
}
