package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) allocateProducerIDs(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.AllocateProducerIDsRequest)
	resp := req.ResponseKind().(*kmsg.AllocateProducerIDsResponse)
	resp.ProducerIDStart = -1
	if h.Controller == nil {
		resp.ErrorCode = errorCode(controller.ErrNotController)
		return respond(r, resp)
	}
	first, n, err := h.Controller.AllocateProducerIDs(ctx, req.BrokerID, req.BrokerEpoch)
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return respond(r, resp)
	}
	resp.ProducerIDStart, resp.ProducerIDLen = first, n
	return respond(r, resp)
}
