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
	switch {
	case (req.ProducerID == -1) != (req.ProducerEpoch == -1):
		// Kafka wants both an id and an epoch (KIP-360), or neither.
		resp.ErrorCode = kerr.InvalidRequest.Code
	case req.TransactionalID == nil:
		// An idempotent producer gets a fresh id, whatever it names.
		id, err := h.ProducerIDs.Next(ctx)
		if err != nil {
			h.log.Warn("allocating a producer id failed", "err", err)
			resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
			break
		}
		resp.ProducerID, resp.ProducerEpoch = id, 0
	case *req.TransactionalID == "":
		resp.ErrorCode = kerr.InvalidRequest.Code
	default:
		// Transactions need the transaction coordinator, which is not
		// built yet; a retriable error lets the client time out clearly.
		h.log.Info("transactional producer refused: transactions are not supported yet", "transactional_id", *req.TransactionalID)
		resp.ErrorCode = kerr.CoordinatorNotAvailable.Code
	}
	return respond(r, resp)
}
