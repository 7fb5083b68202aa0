package api

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) consumerGroupHeartbeat(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ConsumerGroupHeartbeatRequest)
	if !consumerGroupsEnabled(h.Config) {
		// As Kafka's request handler answers when the consumer protocol
		// is not enabled.
		resp := req.ResponseKind().(*kmsg.ConsumerGroupHeartbeatResponse)
		resp.ErrorCode = kerr.UnsupportedVersion.Code
		return respond(r, resp)
	}
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

// consumerGroupsEnabled: group.coordinator.rebalance.protocols has
// "consumer" (Kafka 4's default), so KIP-848 consumer groups are served.
func consumerGroupsEnabled(cfg *config.Broker) bool {
	return cfg == nil || slices.Contains(cfg.GroupRebalanceProtocols, "consumer")
}
