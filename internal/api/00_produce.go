package api

import (
	"context"

	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) produce(ctx context.Context, r *Request) (network.Reply, error) {
	return network.Reply{}, nil
}
