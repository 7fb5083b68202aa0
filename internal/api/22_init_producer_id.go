package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) initProducerID(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.InitProducerIDRequest)
	resp := req.ResponseKind().(*kmsg.InitProducerIDResponse)
	resp.ProducerID, resp.ProducerEpoch = -1, -1
	if req.TransactionalID != nil {
		// Transactions need the transaction coordinator, which is not
		// built yet; a retriable error lets the client time out clearly.
		h.log.Info("transactional producer refused: transactions are not supported yet", "transactional_id", *req.TransactionalID)
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
		return respond(r, resp)
	}
	id, err := h.ProducerIDs.Next(ctx)
	if err != nil {
		h.log.Warn("allocating a producer id failed", "err", err)
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
		return respond(r, resp)
	}
	resp.ProducerID, resp.ProducerEpoch = id, 0
	return respond(r, resp)
}
