package api

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/channel"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/fetchsession"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/metrics"
	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/replica"
	"github.com/spoolhq/spool/internal/wirecheck"
)

// Request is a decoded request with where it came from.
type Request struct {
	Header
	Conn *network.Conn
	Body kmsg.Request
}

// Deps are the domain services the handlers call.
type Deps struct {
	NodeID   int32
	Config   *config.Broker
	Replicas *replica.Manager
	// Image returns the current metadata image.
	Image       func() *metadata.Image
	Controller  *controller.Controller
	ProducerIDs *controller.ProducerIDAllocator
	// Groups is the group coordinator runtime.
	Groups   *coordinator.Runtime
	Sessions *fetchsession.Cache
	// Replication counts bytes sent to followers (nil: not counted).
	Replication *metrics.Replication
	Logger      *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	// Cluster wiring (see cluster.go). Controller is nil on a broker-only
	// node; Channel is nil when this node is a lone controller.
	Channel *channel.Channel
	// Quorum describes the metadata quorum for DescribeQuorum.
	Quorum QuorumDescriber
	// ControllerListeners are the listeners that serve the controller
	// APIs (controller.listener.names).
	ControllerListeners []string
	// ObserverListener names the broker listener that also carries the
	// metadata log to this node when it is broker-only (its Raft traffic is
	// diverted before it reaches the handler).
	ObserverListener string
}

// Handler dispatches request frames to the per-API handlers. It implements
// network.Handler.
type Handler struct {
	Deps
	log      *slog.Logger
	versions *versionTable
	ctrl     *versionTable // the controller listener's APIs
	fetches  sync.Pool     // *fetchState
}

// NewHandler returns a dispatcher for the APIs in the version table.
func NewHandler(d Deps) *Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Handler{Deps: d, log: d.Logger, versions: newVersionTable(apiTable()), ctrl: newVersionTable(controllerTable())}
}

// Handle implements network.Handler.
func (h *Handler) Handle(ctx context.Context, c *network.Conn, frame []byte) (network.Reply, error) {
	versions := h.versions
	if c != nil {
		versions = h.tableFor(c.Listener)
	}
	hdr, body, err := parseHeader(frame, versions.isFlexible)
	spec := versions.spec(hdr.Key)
	if spec != nil && hdr.Key == kmsg.ApiVersions.Int16() && hdr.Version > spec.max {
		// Answer whatever the rest of a too-new request holds (KIP-511).
		return network.Now(unsupportedApiVersions(versions, hdr)), nil
	}
	if err != nil {
		return network.Reply{}, fmt.Errorf("parse request header: %w", err)
	}
	if spec == nil {
		return network.Reply{}, fmt.Errorf("unsupported api key %d (%s)", hdr.Key, kmsg.NameForKey(hdr.Key))
	}
	if hdr.Version < spec.min || hdr.Version > spec.max {
		return network.Reply{}, fmt.Errorf("unsupported %s version %d (supported %d to %d)",
			kmsg.NameForKey(hdr.Key), hdr.Version, spec.min, spec.max)
	}
	// kmsg can spin on a body whose counts do not fit in it; walk it first.
	if err := wirecheck.Request(hdr.Key, hdr.Version, body); err != nil {
		return network.Reply{}, fmt.Errorf("decode %s v%d: %w", kmsg.NameForKey(hdr.Key), hdr.Version, err)
	}
	req := kmsg.RequestForKey(hdr.Key)
	req.SetVersion(hdr.Version)
	if err := req.ReadFrom(body); err != nil {
		return network.Reply{}, fmt.Errorf("decode %s v%d: %w", kmsg.NameForKey(hdr.Key), hdr.Version, err)
	}
	r := &Request{Header: hdr, Conn: c, Body: req}
	if hdr.Version < spec.accept {
		return network.Now(encode(hdr, errorResponse(req, kerr.UnsupportedVersion.Code))), nil
	}
	if spec.forward && versions == h.versions && h.mustForward() {
		return h.forward(ctx, r)
	}
	return spec.handle(h, ctx, r)
}

// respond encodes a finished response to r.
func respond(r *Request, resp kmsg.Response) (network.Reply, error) {
	return network.Now(encode(r.Header, resp)), nil
}

// encode frames resp as the answer to the request with header hdr: size,
// correlation id, tagged fields for flexible versions (never for
// ApiVersions, whose response header is always v0), then the body.
func encode(hdr Header, resp kmsg.Response) *network.Response {
	resp.SetVersion(hdr.Version)
	buf := make([]byte, 8, 512)
	binary.BigEndian.PutUint32(buf[4:], uint32(hdr.CorrelationID))
	if resp.IsFlexible() && hdr.Key != kmsg.ApiVersions.Int16() {
		buf = append(buf, 0)
	}
	buf = resp.AppendTo(buf)
	binary.BigEndian.PutUint32(buf, uint32(len(buf)-4))
	return &network.Response{Head: buf}
}
