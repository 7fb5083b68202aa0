package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

// describeGroups asks each group's shard about that group alone and
// answers in request order.
func (h *Handler) describeGroups(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DescribeGroupsRequest)
	return eachGroup(h, ctx, r, req.Groups,
		func(g string) kmsg.Request {
			one := *req
			one.Groups = []string{g}
			return &one
		},
		func(resp kmsg.Response) []kmsg.DescribeGroupsResponseGroup {
			return resp.(*kmsg.DescribeGroupsResponse).Groups
		},
		func(group string, code int16) kmsg.DescribeGroupsResponseGroup {
			g := kmsg.NewDescribeGroupsResponseGroup()
			g.Group, g.ErrorCode = group, code
			g.AuthorizedOperations = authorizedOpsUnset
			return g
		},
		func(groups []kmsg.DescribeGroupsResponseGroup) kmsg.Response {
			resp := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
			resp.Groups = groups
			return resp
		}), nil
}
