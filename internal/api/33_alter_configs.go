package api

import (
	"context"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

// alterConfigs is the legacy AlterConfigs: each resource's listed configs
// replace its whole dynamic config set.
func (h *Handler) alterConfigs(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.AlterConfigsRequest)
	resp := req.ResponseKind().(*kmsg.AlterConfigsResponse)
	resources := make([]alterResource, len(req.Resources))
	for i, res := range req.Resources {
		resources[i] = alterResource{typ: res.ResourceType, name: res.ResourceName}
		for _, c := range res.Configs {
			resources[i].ops = append(resources[i].ops, controller.ConfigOp{Name: c.Name, Op: config.OpSet, Value: c.Value})
		}
	}
	for i, err := range h.alterResources(ctx, resources, false, req.ValidateOnly, h.forwardedToController(r)) {
		out := kmsg.NewAlterConfigsResponseResource()
		out.ResourceType, out.ResourceName = resources[i].typ, resources[i].name
		if err != nil {
			out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
		}
		resp.Resources = append(resp.Resources, out)
	}
	return respond(r, resp)
}

// alterResource is one resource of AlterConfigs or IncrementalAlterConfigs.
type alterResource struct {
	typ  kmsg.ConfigResourceType
	name string
	ops  []controller.ConfigOp
}

// alterResources applies the changes of an AlterConfigs (incremental or
// not) and returns each resource's outcome in request order. Like Kafka's
// broker, it first refuses what is malformed (repeated resources or keys,
// null values, another broker's id, unknown resource types) and handles
// broker loggers itself; the controller decides the rest. forwarded is set
// when the request came to the controller from a broker, which is the one
// a broker resource's id must name (Kafka's controller does not check it).
func (h *Handler) alterResources(ctx context.Context, resources []alterResource, incremental, validateOnly, forwarded bool) []error {
	errs := make([]error, len(resources))
	repeated := repeatedResources(resources)
	var toController []controller.AlterConfigsResource
	var index []int
	for i, res := range resources {
		if repeated[i] {
			errs[i] = invalidRequest("Each resource must appear at most once.")
			continue
		}
		if errs[i] = h.checkAlter(res, incremental, forwarded); errs[i] != nil || res.typ == kmsg.ConfigResourceTypeBrokerLogger {
			continue
		}
		toController = append(toController, controller.AlterConfigsResource{
			Resource: metadata.ConfigResource{Type: metadata.ResourceType(res.typ), Name: res.name},
			Ops:      res.ops,
		})
		index = append(index, i)
	}
	if len(toController) == 0 {
		return errs
	}
	for j, err := range h.alterConfigsVia(ctx, toController, incremental, validateOnly) {
		errs[index[j]] = err
	}
	return errs
}

// alterConfigsVia has the active controller decide config changes: the
// local one when it is active, else the one the channel finds, as an
// AlterConfigs or IncrementalAlterConfigs request of the resources that
// passed this broker's own checks (Kafka's broker checks a broker
// resource names itself, and handles broker loggers, before it forwards).
// It returns one error per resource, in order.
func (h *Handler) alterConfigsVia(ctx context.Context, resources []controller.AlterConfigsResource, incremental, validateOnly bool) []error {
	errs := make([]error, len(resources))
	if !h.mustForward() {
		for i, res := range h.Controller.AlterConfigs(ctx, resources, incremental, validateOnly) {
			errs[i] = res.Err
		}
		return errs
	}
	var req kmsg.Request
	if incremental {
		r := kmsg.NewPtrIncrementalAlterConfigsRequest()
		r.SetVersion(1)
		r.ValidateOnly = validateOnly
		for _, res := range resources {
			rr := kmsg.NewIncrementalAlterConfigsRequestResource()
			rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceType(res.Resource.Type), res.Resource.Name
			for _, op := range res.Ops {
				c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
				c.Name, c.Op, c.Value = op.Name, kmsg.IncrementalAlterConfigOp(op.Op), op.Value
				rr.Configs = append(rr.Configs, c)
			}
			r.Resources = append(r.Resources, rr)
		}
		req = r
	} else {
		r := kmsg.NewPtrAlterConfigsRequest()
		r.SetVersion(2)
		r.ValidateOnly = validateOnly
		for _, res := range resources {
			rr := kmsg.NewAlterConfigsRequestResource()
			rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceType(res.Resource.Type), res.Resource.Name
			for _, op := range res.Ops {
				c := kmsg.NewAlterConfigsRequestResourceConfig()
				c.Name, c.Value = op.Name, op.Value
				rr.Configs = append(rr.Configs, c)
			}
			r.Resources = append(r.Resources, rr)
		}
		req = r
	}
	ctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	resp, err := h.Channel.Send(ctx, req)
	if err != nil {
		for i := range errs {
			errs[i] = &controller.Error{Kind: controller.ErrRequestTimedOut, Message: err.Error()}
		}
		return errs
	}
	type key struct {
		typ  kmsg.ConfigResourceType
		name string
	}
	outcome := map[key]error{}
	switch resp := resp.(type) {
	case *kmsg.IncrementalAlterConfigsResponse:
		for _, r := range resp.Resources {
			outcome[key{r.ResourceType, r.ResourceName}] = controllerError(r.ErrorCode, r.ErrorMessage)
		}
	case *kmsg.AlterConfigsResponse:
		for _, r := range resp.Resources {
			outcome[key{r.ResourceType, r.ResourceName}] = controllerError(r.ErrorCode, r.ErrorMessage)
		}
	}
	for i, res := range resources {
		err, ok := outcome[key{kmsg.ConfigResourceType(res.Resource.Type), res.Resource.Name}]
		if !ok {
			err = &controller.Error{Kind: controller.ErrUnknownServer, Message: "the controller did not answer for this resource"}
		}
		errs[i] = err
	}
	return errs
}

// repeatedResources marks every resource that the request names more than
// once; Kafka refuses all of them.
func repeatedResources(resources []alterResource) []bool {
	type key struct {
		typ  kmsg.ConfigResourceType
		name string
	}
	count := map[key]int{}
	for _, r := range resources {
		count[key{r.typ, r.name}]++
	}
	out := make([]bool, len(resources))
	for i, r := range resources {
		out[i] = count[key{r.typ, r.name}] > 1
	}
	return out
}

// checkAlter is Kafka's broker-side check of one resource, in its order.
// A broker logger resource is applied here too (incremental only).
func (h *Handler) checkAlter(res alterResource, incremental, forwarded bool) error {
	var names, nulls []string
	for _, op := range res.ops {
		names = append(names, op.Name)
		if op.Value == nil && (!incremental || op.Op != config.OpDelete) {
			nulls = append(nulls, op.Name)
		}
	}
	slices.Sort(names)
	if len(slices.Compact(names)) != len(res.ops) {
		return invalidRequest("Error due to duplicate config keys")
	}
	if len(nulls) > 0 {
		return invalidRequest("Null value not supported for : %s", strings.Join(nulls, ", "))
	}
	switch {
	case res.typ == kmsg.ConfigResourceTypeBrokerLogger && incremental:
		return h.alterBrokerLoggers(res)
	case res.typ == kmsg.ConfigResourceTypeBroker:
		return h.checkAlterBroker(res, incremental, forwarded)
	case res.typ == kmsg.ConfigResourceTypeTopic, res.typ == kmsg.ConfigResourceTypeClientMetrics,
		res.typ == kmsg.ConfigResourceTypeGroupConfig:
		return nil
	}
	return invalidRequest("Unknown resource type %d", int8(res.typ))
}

// forwardedToController reports whether r came to the controller listener
// (or, locally, from this node's own broker side): forwarded by a broker.
func (h *Handler) forwardedToController(r *Request) bool {
	return r.Conn != nil && (h.isControllerListener(r.Conn.Listener) || r.Conn.Listener == localListener)
}

// checkAlterBroker accepts this node's id or "" (the cluster default);
// what the changes may be, the controller checks.
func (h *Handler) checkAlterBroker(res alterResource, incremental, forwarded bool) error {
	if res.name != "" && !forwarded {
		if err := h.checkOwnBrokerID(res.name, "Node id must be an integer, but it is: %s",
			"Unexpected broker id, expected %d, but received %s"); err != nil {
			return err
		}
	}
	if incremental {
		for _, op := range res.ops {
			if op.Op < config.OpSet || op.Op > config.OpSubtract {
				return invalidRequest("Unknown operations type %d", int8(op.Op))
			}
		}
	}
	return nil
}
