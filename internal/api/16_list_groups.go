package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/network"
)

// listGroups asks every shard this broker hosts and merges their groups; a
// shard that cannot answer makes the whole answer its error, as Kafka does.
func (h *Handler) listGroups(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ListGroupsRequest)
	hosted := h.Groups.Hosted()
	calls := make([]*coordinator.Call, len(hosted))
	for i, idx := range hosted {
		calls[i] = h.Groups.SendTo(idx, req, r.ClientID, clientHost(r))
	}
	return h.later(r, func() kmsg.Response {
		resp := req.ResponseKind().(*kmsg.ListGroupsResponse)
		for _, call := range calls {
			res := call.Wait(ctx)
			if res.Err != nil {
				if resp.ErrorCode == 0 {
					resp.ErrorCode = coordinatorCode(res.Err)
				}
				continue
			}
			part := res.Response.(*kmsg.ListGroupsResponse)
			if part.ErrorCode != 0 && resp.ErrorCode == 0 {
				resp.ErrorCode = part.ErrorCode
			}
			resp.Groups = append(resp.Groups, part.Groups...)
		}
		return resp
	}), nil
}
