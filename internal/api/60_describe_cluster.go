package api

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

// DescribeCluster endpoint types (KIP-919): a broker describes brokers;
// controllers answer on their own listeners.
const (
	endpointBrokers     int8 = 1
	endpointControllers int8 = 2
)

func (h *Handler) describeCluster(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DescribeClusterRequest)
	resp := req.ResponseKind().(*kmsg.DescribeClusterResponse)
	if h.isControllerListener(r.Conn.Listener) {
		return h.describeControllers(r, req, resp)
	}
	if r.Version >= 1 && req.EndpointType != endpointBrokers {
		resp.ErrorCode, resp.ErrorMessage = endpointTypeError(req.EndpointType)
		return respond(r, resp)
	}
	img := h.Image()
	resp.ClusterID = img.ClusterID()
	resp.EndpointType = endpointBrokers
	if req.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = clusterOperations
	}
	withFenced := r.Version >= 2 && req.IncludeFencedBrokers
	for _, b := range img.Brokers() {
		ep, ok := b.Endpoint(r.Conn.Listener)
		if !ok || b.Fenced && !withFenced {
			continue
		}
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack, rb.IsFenced = b.ID, ep.Host, int32(ep.Port), b.Rack, b.Fenced
		resp.Brokers = append(resp.Brokers, rb)
		// Clients cannot reach the controllers through a broker, so
		// Kafka names a live broker (which forwards what only the
		// controller decides); we name ourselves when listed.
		if b.ID == h.NodeID && !b.Fenced {
			resp.ControllerID = h.NodeID
		}
	}
	return respond(r, resp)
}

// describeControllers answers on the controller listener, as a Kafka 4.x
// controller does (KIP-919): the controllers with their controller
// listener endpoints and the active controller's id.
func (h *Handler) describeControllers(r *Request, req *kmsg.DescribeClusterRequest, resp *kmsg.DescribeClusterResponse) (network.Reply, error) {
	if req.EndpointType != endpointControllers {
		resp.ErrorCode = kerr.MismatchedEndpointType.Code
		resp.ErrorMessage = ptr("The request was sent to an endpoint of type CONTROLLER, but we wanted an endpoint of type BROKER")
		return respond(r, resp)
	}
	img := h.Image()
	resp.ClusterID, resp.EndpointType, resp.ControllerID = img.ClusterID(), endpointControllers, -1
	if h.Quorum != nil {
		resp.ControllerID = h.Quorum.DescribeQuorum().LeaderID
	}
	if req.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = clusterOperations
	}
	for _, v := range h.Config.QuorumVoters {
		rb := kmsg.NewDescribeClusterResponseBroker()
		rb.NodeID, rb.Host, rb.Port = v.ID, v.Host, int32(v.Port)
		resp.Brokers = append(resp.Brokers, rb)
	}
	return respond(r, resp)
}

// endpointTypeError is Kafka's answer to a DescribeCluster for an endpoint
// type other than brokers.
func endpointTypeError(t int8) (int16, *string) {
	if t != endpointControllers {
		return kerr.UnsupportedEndpointType.Code, ptr(fmt.Sprintf("Unsupported endpoint type %d", t))
	}
	return kerr.MismatchedEndpointType.Code,
		ptr("The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER")
}
