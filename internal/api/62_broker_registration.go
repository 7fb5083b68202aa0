package api

import (
	"context"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) brokerRegistration(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.BrokerRegistrationRequest)
	resp := req.ResponseKind().(*kmsg.BrokerRegistrationResponse)
	resp.BrokerEpoch = -1
	reg := controller.BrokerRegistration{
		BrokerID: req.BrokerID, ClusterID: req.ClusterID, IncarnationID: metadata.UUID(req.IncarnationID), Rack: req.Rack,
	}
	for _, l := range req.Listeners {
		reg.Endpoints = append(reg.Endpoints, metadata.Endpoint{Name: l.Name, Host: l.Host, Port: l.Port, SecurityProtocol: l.SecurityProtocol})
	}
	if !h.isVoter(req.BrokerID) {
		// A broker-only node follows the metadata log on its inter-broker
		// listener (see Deps.ObserverListener).
		reg.ObserverAddr = observerAddr(reg.Endpoints, h.Config.InterBrokerListenerName)
	}
	if h.Controller == nil {
		resp.ErrorCode = errorCode(controller.ErrNotController)
		return respond(r, resp)
	}
	epoch, err := h.Controller.RegisterBroker(ctx, reg)
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return respond(r, resp)
	}
	resp.BrokerEpoch = epoch
	return respond(r, resp)
}

func (h *Handler) isVoter(id int32) bool {
	for _, v := range h.Config.QuorumVoters {
		if v.ID == id {
			return true
		}
	}
	return false
}

// observerAddr is the host:port of the named listener, or of the first one.
func observerAddr(eps []metadata.Endpoint, name string) string {
	for _, ep := range eps {
		if ep.Name == name {
			return hostPort(ep)
		}
	}
	if len(eps) > 0 {
		return hostPort(eps[0])
	}
	return ""
}

func hostPort(ep metadata.Endpoint) string {
	return net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port)))
}
