package api

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

// controllerTable lists the APIs the controller listener serves, as a
// Kafka 4.x controller does: what brokers send the active controller
// (registration, heartbeats, ISR changes, producer-id blocks, forwarded
// admin requests) and what tools ask controllers directly.
func controllerTable() []apiSpec {
	return []apiSpec{
		{key: 18, min: 0, max: 4, handle: (*Handler).apiVersions},
		{key: 19, min: 2, max: 7, handle: (*Handler).createTopics},
		{key: 20, min: 1, max: 6, handle: (*Handler).deleteTopics},
		{key: 33, min: 0, max: 2, handle: (*Handler).alterConfigs},
		{key: 37, min: 0, max: 3, handle: (*Handler).createPartitions},
		{key: 43, min: 0, max: 2, handle: (*Handler).electLeaders},
		{key: 45, min: 0, max: 1, handle: (*Handler).alterPartitionReassignments},
		{key: 46, min: 0, max: 0, handle: (*Handler).listPartitionReassignments},
		{key: 44, min: 0, max: 1, handle: (*Handler).incrementalAlterConfigs},
		{key: 55, min: 0, max: 2, handle: (*Handler).describeQuorum},
		{key: 56, min: 2, max: 3, handle: (*Handler).alterPartition},
		{key: 60, min: 1, max: 2, handle: (*Handler).describeCluster},
		{key: 62, min: 0, max: 4, handle: (*Handler).brokerRegistration},
		{key: 63, min: 0, max: 1, handle: (*Handler).brokerHeartbeat},
		{key: 67, min: 0, max: 0, handle: (*Handler).allocateProducerIDs},
	}
}

// tableFor returns the version table of the listener a request came on.
func (h *Handler) tableFor(listener string) *versionTable {
	if h.isControllerListener(listener) {
		return h.ctrl
	}
	return h.versions
}

func (h *Handler) isControllerListener(listener string) bool {
	return slices.Contains(h.ControllerListeners, listener)
}

// controllerActive reports whether this node is the active controller.
func (h *Handler) controllerActive() bool { return h.Controller != nil && h.Controller.Active() }

// mustForward reports whether a request only the controller decides goes
// to another node.
func (h *Handler) mustForward() bool { return h.Channel != nil && !h.controllerActive() }

// forwardTimeout bounds how long a forwarded request looks for and waits
// on the active controller (Kafka's request.timeout.ms for the channel).
const forwardTimeout = 30 * time.Second

// forward sends a client's request to the active controller and answers
// with the controller's response, as Kafka's forwarding does.
func (h *Handler) forward(ctx context.Context, r *Request) (network.Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	resp, err := h.Channel.Send(ctx, r.Body)
	if err != nil {
		h.log.Warn("forwarding to the controller failed", "api", kmsg.NameForKey(r.Key), "err", err)
		return respond(r, failedControllerResponse(r.Body, kerr.RequestTimedOut.Code))
	}
	return respond(r, resp)
}

// ServeLocal serves a request the channel has for the active controller
// when that is this node, without the network: it reports false when this
// node is not the active controller.
func (h *Handler) ServeLocal(ctx context.Context, req kmsg.Request) (kmsg.Response, bool) {
	if !h.controllerActive() {
		return nil, false
	}
	spec := h.ctrl.spec(req.Key())
	if spec == nil {
		return nil, false
	}
	r := &Request{Header: Header{Key: req.Key(), Version: req.GetVersion()}, Conn: &network.Conn{Listener: localListener}, Body: req}
	reply, err := spec.handle(h, ctx, r)
	if err != nil || reply.Ready == nil {
		h.log.Warn("serving a controller request locally failed", "api", kmsg.NameForKey(req.Key()), "err", err)
		return nil, false
	}
	defer reply.Ready.Release()
	resp, err := decodeResponse(req, reply.Ready.Head)
	if err != nil {
		h.log.Error("decoding a local controller response", "api", kmsg.NameForKey(req.Key()), "err", err)
		return nil, false
	}
	return resp, true
}

// localListener is the listener name of requests served by ServeLocal.
const localListener = "(local)"

// decodeResponse reads back a response frame that encode wrote.
func decodeResponse(req kmsg.Request, frame []byte) (kmsg.Response, error) {
	if len(frame) < 8 {
		return nil, fmt.Errorf("response frame of %d bytes", len(frame))
	}
	body := frame[8:]
	resp := req.ResponseKind()
	if resp.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		if len(body) == 0 || body[0] != 0 {
			return nil, fmt.Errorf("unexpected response header tags")
		}
		body = body[1:]
	}
	if err := resp.ReadFrom(body); err != nil {
		return nil, err
	}
	return resp, nil
}

// failedControllerResponse answers a forwardable request with code for
// every item it names.
func failedControllerResponse(req kmsg.Request, code int16) kmsg.Response {
	msg := ptr("The active controller could not be reached.")
	switch req := req.(type) {
	case *kmsg.CreateTopicsRequest:
		resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic, rt.ErrorCode, rt.ErrorMessage = t.Topic, code, msg
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.DeleteTopicsRequest:
		resp := req.ResponseKind().(*kmsg.DeleteTopicsResponse)
		for _, n := range req.TopicNames {
			rt := kmsg.NewDeleteTopicsResponseTopic()
			rt.Topic, rt.ErrorCode = ptr(n), code
			resp.Topics = append(resp.Topics, rt)
		}
		for _, t := range req.Topics {
			rt := kmsg.NewDeleteTopicsResponseTopic()
			rt.Topic, rt.TopicID, rt.ErrorCode, rt.ErrorMessage = t.Topic, t.TopicID, code, msg
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.CreatePartitionsRequest:
		resp := req.ResponseKind().(*kmsg.CreatePartitionsResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewCreatePartitionsResponseTopic()
			rt.Topic, rt.ErrorCode, rt.ErrorMessage = t.Topic, code, msg
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	case *kmsg.DescribeQuorumRequest:
		resp := req.ResponseKind().(*kmsg.DescribeQuorumResponse)
		resp.ErrorCode, resp.ErrorMessage = code, msg
		return resp
	case *kmsg.ElectLeadersRequest:
		return electLeadersFailed(req, code, msg)
	case *kmsg.AlterPartitionAssignmentsRequest:
		return alterReassignmentsFailed(req, code, msg)
	case *kmsg.ListPartitionReassignmentsRequest:
		resp := req.ResponseKind().(*kmsg.ListPartitionReassignmentsResponse)
		resp.ErrorCode, resp.ErrorMessage = code, msg
		return resp
	}
	panic("no controller error response for " + kmsg.NameForKey(req.Key()))
}

// createTopicsVia creates topics the broker itself decides to create
// (auto-creation, internal topics): on the local controller when it is
// active, else through the channel as a CreateTopics request.
func (h *Handler) createTopicsVia(ctx context.Context, topics []controller.CreateTopic) []controller.CreateTopicResult {
	if !h.mustForward() {
		return h.Controller.CreateTopics(ctx, topics, false)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.SetVersion(7)
	req.TimeoutMillis = int32(forwardTimeout / time.Millisecond)
	for _, t := range topics {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = t.Name, t.NumPartitions, t.ReplicationFactor
		for _, name := range slices.Sorted(maps.Keys(t.Configs)) {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = name, t.Configs[name]
			rt.Configs = append(rt.Configs, c)
		}
		req.Topics = append(req.Topics, rt)
	}
	ctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	out := make([]controller.CreateTopicResult, len(topics))
	resp, err := h.Channel.Send(ctx, req)
	if err != nil {
		for i, t := range topics {
			out[i] = controller.CreateTopicResult{Name: t.Name, Err: &controller.Error{Kind: controller.ErrRequestTimedOut, Message: err.Error()}}
		}
		return out
	}
	byName := map[string]kmsg.CreateTopicsResponseTopic{}
	for _, t := range resp.(*kmsg.CreateTopicsResponse).Topics {
		byName[t.Topic] = t
	}
	for i, t := range topics {
		rt := byName[t.Name]
		out[i] = controller.CreateTopicResult{Name: t.Name, TopicID: rt.TopicID, NumPartitions: rt.NumPartitions,
			ReplicationFactor: rt.ReplicationFactor, Err: controllerError(rt.ErrorCode, rt.ErrorMessage)}
	}
	return out
}

// controllerError turns a controller's error code back into the error the
// local controller would have returned.
func controllerError(code int16, msg *string) error {
	if code == 0 {
		return nil
	}
	m := ""
	if msg != nil {
		m = *msg
	}
	for _, e := range errorCodes {
		if e.code.Code == code && slices.Contains(controllerKinds, e.err) {
			return &controller.Error{Kind: e.err, Message: m}
		}
	}
	return &controller.Error{Kind: controller.ErrUnknownServer, Message: fmt.Sprintf("%s: %s", kerr.ErrorForCode(code), m)}
}

// controllerKinds are the controller's sentinel errors.
var controllerKinds = []error{
	controller.ErrNotController, controller.ErrRequestTimedOut, controller.ErrTopicAlreadyExists,
	controller.ErrInvalidTopic, controller.ErrInvalidPartitions, controller.ErrInvalidReplicationFactor,
	controller.ErrInvalidReplicaAssignment, controller.ErrInvalidConfig, controller.ErrInvalidRequest,
	controller.ErrPolicyViolation, controller.ErrUnknownTopicOrPartition, controller.ErrUnknownTopicID,
	controller.ErrTopicDeletionDisabled, controller.ErrBrokerIDNotRegistered, controller.ErrStaleBrokerEpoch,
	controller.ErrInconsistentClusterID, controller.ErrUnknownServer,
}
