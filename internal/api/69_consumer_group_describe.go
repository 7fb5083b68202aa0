package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) consumerGroupDescribe(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ConsumerGroupDescribeRequest)
	if !consumerGroupsEnabled(h.Config) {
		resp := req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
		for _, id := range req.Groups {
			g := kmsg.NewConsumerGroupDescribeResponseGroup()
			g.Group, g.ErrorCode = id, kerr.UnsupportedVersion.Code
			resp.Groups = append(resp.Groups, g)
		}
		return respond(r, resp)
	}
	calls := make([]*coordinator.Call, len(req.Groups))
	for i, g := range req.Groups {
		one := *req
		one.Groups = []string{g}
		calls[i] = h.sendGroup(r, g, &one)
	}
	return h.later(r, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
		for i, call := range calls {
			res := call.Wait(ctx)
			if res.Err == nil {
				resp.Groups = append(resp.Groups, res.Response.(*kmsg.ConsumerGroupDescribeResponse).Groups...)
				continue
			}
			g := kmsg.NewConsumerGroupDescribeResponseGroup()
			g.Group, g.ErrorCode = req.Groups[i], coordinatorCode(res.Err)
			g.AuthorizedOperations = authorizedOpsUnset
			resp.Groups = append(resp.Groups, g)
		}
		return resp
	}), nil
}
