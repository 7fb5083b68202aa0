package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) joinGroup(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.JoinGroupRequest)
	call := h.sendGroup(r, req.Group, req)
	return h.later(r, func() kmsg.Response {
		res := call.Wait(ctx)
		if res.Err == nil {
			return res.Response
		}
		resp := req.ResponseKind().(*kmsg.JoinGroupResponse)
		resp.ErrorCode, resp.Generation, resp.MemberID = coordinatorCode(res.Err), -1, req.MemberID
		return resp
	}), nil
}
