package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

// deleteGroups asks each group's shard to delete that group and answers
// in request order.
func (h *Handler) deleteGroups(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DeleteGroupsRequest)
	return eachGroup(h, ctx, r, req.Groups,
		func(g string) kmsg.Request {
			one := *req
			one.Groups = []string{g}
			return &one
		},
		func(resp kmsg.Response) []kmsg.DeleteGroupsResponseGroup {
			return resp.(*kmsg.DeleteGroupsResponse).Groups
		},
		func(group string, code int16) kmsg.DeleteGroupsResponseGroup {
			g := kmsg.NewDeleteGroupsResponseGroup()
			g.Group, g.ErrorCode = group, code
			return g
		},
		func(groups []kmsg.DeleteGroupsResponseGroup) kmsg.Response {
			resp := req.ResponseKind().(*kmsg.DeleteGroupsResponse)
			resp.Groups = groups
			return resp
		}), nil
}
