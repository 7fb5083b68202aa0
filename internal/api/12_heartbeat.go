package api

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) heartbeat(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.HeartbeatRequest)
	call := h.sendGroup(r, req.Group, req)
	return h.later(r, func() kmsg.Response {
		res := call.Wait(ctx)
		if res.Err == nil {
			return res.Response
		}
		resp := req.ResponseKind().(*kmsg.HeartbeatResponse)
		// While the coordinator loads, Kafka answers heartbeats blindly
		// with success rather than make members rejoin.
		if !errors.Is(res.Err, coordinator.ErrLoadInProgress) {
			resp.ErrorCode = coordinatorCode(res.Err)
		}
		return resp
	}), nil
}
