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
		// Kafka names a live broker; we name ourselves when listed.
		if b.ID == h.NodeID && !b.Fenced {
			resp.ControllerID = h.NodeID
		}
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
