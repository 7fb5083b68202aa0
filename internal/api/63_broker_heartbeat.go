package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) brokerHeartbeat(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.BrokerHeartbeatRequest)
	resp := req.ResponseKind().(*kmsg.BrokerHeartbeatResponse)
	resp.IsFenced = true
	if h.Controller == nil {
		resp.ErrorCode = errorCode(controller.ErrNotController)
		return respond(r, resp)
	}
	res, err := h.Controller.BrokerHeartbeat(ctx, controller.Heartbeat{
		BrokerID: req.BrokerID, BrokerEpoch: req.BrokerEpoch, MetadataOffset: req.CurrentMetadataOffset,
		WantFence: req.WantFence, WantShutDown: req.WantShutdown,
	}, h.Now())
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return respond(r, resp)
	}
	resp.IsCaughtUp, resp.IsFenced, resp.ShouldShutdown = res.IsCaughtUp, res.IsFenced, res.ShouldShutDown
	return respond(r, resp)
}
