package api

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

// electLeaders runs preferred (v0+) or unclean (v1+) leader elections on the
// controller. Brokers forward it there, as Kafka 4's do.
func (h *Handler) electLeaders(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ElectLeadersRequest)
	resp := req.ResponseKind().(*kmsg.ElectLeadersResponse)
	var topics []controller.ElectTopic
	if req.Topics != nil {
		topics = make([]controller.ElectTopic, 0, len(req.Topics))
		for _, t := range req.Topics {
			topics = append(topics, controller.ElectTopic{Name: t.Topic, Partitions: t.Partitions})
		}
	}
	ctx, cancel := requestDeadline(ctx, req.TimeoutMillis)
	defer cancel()
	var results []controller.ElectTopicResult
	var err error = errNoController
	if h.Controller != nil {
		results, err = h.Controller.ElectLeaders(ctx, controller.ElectionType(req.ElectionType), topics)
	}
	if err != nil {
		return respond(r, electLeadersFailed(req, errorCode(err), errorMessage(err)))
	}
	for _, t := range results {
		rt := kmsg.NewElectLeadersResponseTopic()
		rt.Topic = t.Name
		for _, p := range t.Partitions {
			rp := kmsg.NewElectLeadersResponseTopicPartition()
			rp.Partition = p.Partition
			if p.Err != nil {
				rp.ErrorCode, rp.ErrorMessage = errorCode(p.Err), errorMessage(p.Err)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return respond(r, resp)
}

// electLeadersFailed answers an ElectLeaders request that failed as a whole:
// the code in the top-level field (v1+) and for every partition named, as
// Kafka's ElectLeadersRequest.getErrorResponse.
func electLeadersFailed(req *kmsg.ElectLeadersRequest, code int16, msg *string) *kmsg.ElectLeadersResponse {
	resp := req.ResponseKind().(*kmsg.ElectLeadersResponse)
	resp.ErrorCode = code
	for _, t := range req.Topics {
		rt := kmsg.NewElectLeadersResponseTopic()
		rt.Topic = t.Topic
		for _, id := range t.Partitions {
			rp := kmsg.NewElectLeadersResponseTopicPartition()
			rp.Partition, rp.ErrorCode, rp.ErrorMessage = id, code, msg
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// errNoController answers controller requests on a node without one.
var errNoController = &controller.Error{Kind: controller.ErrNotController, Message: "This node is not a controller."}

// requestDeadline bounds ctx by a request's timeout field, when it has one.
func requestDeadline(ctx context.Context, timeoutMs int32) (context.Context, context.CancelFunc) {
	if timeoutMs <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, time.Duration(timeoutMs)*time.Millisecond)
}
