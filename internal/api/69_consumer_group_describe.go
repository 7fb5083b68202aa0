package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

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
	return eachGroup(h, ctx, r, req.Groups,
		func(g string) kmsg.Request {
			one := *req
			one.Groups = []string{g}
			return &one
		},
		func(resp kmsg.Response) []kmsg.ConsumerGroupDescribeResponseGroup {
			return resp.(*kmsg.ConsumerGroupDescribeResponse).Groups
		},
		func(group string, code int16) kmsg.ConsumerGroupDescribeResponseGroup {
			g := kmsg.NewConsumerGroupDescribeResponseGroup()
			g.Group, g.ErrorCode = group, code
			g.AuthorizedOperations = authorizedOpsUnset
			return g
		},
		func(groups []kmsg.ConsumerGroupDescribeResponseGroup) kmsg.Response {
			resp := req.ResponseKind().(*kmsg.ConsumerGroupDescribeResponse)
			resp.Groups = groups
			return resp
		}), nil
}
