package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

// incrementalAlterConfigs applies SET, DELETE, APPEND and SUBTRACT to each
// resource's dynamic configs.
func (h *Handler) incrementalAlterConfigs(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.IncrementalAlterConfigsRequest)
	resp := req.ResponseKind().(*kmsg.IncrementalAlterConfigsResponse)
	resources := make([]alterResource, len(req.Resources))
	for i, res := range req.Resources {
		resources[i] = alterResource{typ: res.ResourceType, name: res.ResourceName}
		for _, c := range res.Configs {
			resources[i].ops = append(resources[i].ops,
				controller.ConfigOp{Name: c.Name, Op: config.OpType(c.Op), Value: c.Value})
		}
	}
	for i, err := range h.alterResources(ctx, resources, true, req.ValidateOnly, h.forwardedToController(r)) {
		out := kmsg.NewIncrementalAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = resources[i].typ, resources[i].name
		if err != nil {
			out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
		}
		resp.Resources = append(resp.Resources, out)
	}
	return respond(r, resp)
}

// alterBrokerLoggers checks log level changes of this node's log4j loggers
// as Kafka's RuntimeLoggerManager does. Spool has no log4j loggers (see
// brokerLoggers), so every SET and DELETE names a logger that does not
// exist and nothing is ever applied.
func (h *Handler) alterBrokerLoggers(res alterResource) error {
	if err := h.checkOwnBrokerID(res.name, "Node id must be an integer, but it is: %s",
		"Unexpected node id. Expected %d, but received %s"); err != nil {
		return err
	}
	for _, op := range res.ops {
		switch op.Op {
		case config.OpSet, config.OpDelete:
			return &controller.Error{Kind: controller.ErrInvalidConfig, Message: "Logger " + op.Name + " does not exist!"}
		case config.OpAppend, config.OpSubtract:
			return invalidRequest("%s operation is not allowed for the BROKER_LOGGER resource", op.Op)
		default:
			return invalidRequest("Unknown operation type %d is not allowed for the BROKER_LOGGER resource", int8(op.Op))
		}
	}
	return nil
}
