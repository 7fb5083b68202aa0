package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) consumerGroupHeartbeat(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ConsumerGroupHeartbeatRequest)
	call := h.sendGroup(r, req.Group, req)
	return h.later(r, func() kmsg.Response {
		res := call.Wait(ctx)
		if res.Err == nil {
			return res.Response
		}
		resp := req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
		resp.ErrorCode = coordinatorCode(res.Err)
		return resp
	}), nil
}
