package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/network"
)

// Coordinator key types.
const (
	keyTypeGroup       = 0
	keyTypeTransaction = 1
)

func (h *Handler) findCoordinator(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.FindCoordinatorRequest)
	resp := req.ResponseKind().(*kmsg.FindCoordinatorResponse)
	keys := req.CoordinatorKeys
	if r.Version < 4 {
		keys = []string{req.CoordinatorKey}
	}
	for _, key := range keys {
		c := h.coordinatorFor(ctx, key, req.CoordinatorType, r.Conn.Listener)
		if r.Version < 4 {
			resp.ErrorCode, resp.ErrorMessage = c.ErrorCode, c.ErrorMessage
			resp.NodeID, resp.Host, resp.Port = c.NodeID, c.Host, c.Port
			break
		}
		resp.Coordinators = append(resp.Coordinators, c)
	}
	return respond(r, resp)
}

// coordinatorFor finds the broker that coordinates key: the leader of its
// partition of the internal topic, or COORDINATOR_NOT_AVAILABLE when that
// partition has no live leader reachable on the request's listener.
func (h *Handler) coordinatorFor(ctx context.Context, key string, keyType int8, listener string) kmsg.FindCoordinatorResponseCoordinator {
	c := kmsg.NewFindCoordinatorResponseCoordinator()
	c.Key, c.NodeID, c.Port = key, -1, -1
	fail := func(e *kerr.Error, msg string) kmsg.FindCoordinatorResponseCoordinator {
		c.ErrorCode, c.ErrorMessage = e.Code, &msg
		return c
	}
	switch keyType {
	case keyTypeGroup:
	case keyTypeTransaction:
		return fail(kerr.CoordinatorNotAvailable, "transactions are not supported yet")
	default:
		return fail(kerr.InvalidRequest, "Invalid coordinator type")
	}
	if err := h.ensureOffsetsTopic(ctx); err != nil {
		h.log.Warn("creating the group coordinator topic failed", "err", err)
		return fail(kerr.CoordinatorNotAvailable, err.Error())
	}
	img := h.Image()
	topic := img.Topic(controller.ConsumerOffsetsTopic)
	if topic == nil {
		return fail(kerr.CoordinatorNotAvailable, "the coordinator is not available")
	}
	p := topic.Partition(coordinator.PartitionFor(key, int32(topic.NumPartitions())))
	if p == nil || p.Leader < 0 {
		return fail(kerr.CoordinatorNotAvailable, "the coordinator is not available")
	}
	// Only a live leader is named, as Kafka's getAliveBrokerNode: a fenced
	// one is about to lose its leaderships.
	b := img.Broker(p.Leader)
	if b == nil || b.Fenced {
		return fail(kerr.CoordinatorNotAvailable, "the coordinator is not available")
	}
	ep, ok := b.Endpoint(listener)
	if !ok {
		return fail(kerr.CoordinatorNotAvailable, "the coordinator is not available")
	}
	c.NodeID, c.Host, c.Port = b.ID, ep.Host, int32(ep.Port)
	c.ErrorMessage = ptr("NONE")
	return c
}
