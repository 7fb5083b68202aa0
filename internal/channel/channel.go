package channel

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Config configures a Channel.
type Config struct {
	// NodeID is this node's id, sent as part of the client id.
	NodeID int32
	// Voters maps each controller's node id to its controller listener
	// address (controller.quorum.voters).
	Voters map[int32]string
	// Leader returns the quorum leader as this node knows it, if it knows;
	// nil if this node does not follow the quorum.
	Leader func() (int32, bool)
	// Local serves a request when this node is the active controller and
	// reports false otherwise; nil on nodes without a controller.
	Local func(ctx context.Context, req kmsg.Request) (kmsg.Response, bool)
	// RetryBackoff is the pause before looking for the controller again.
	// Default: 50ms.
	RetryBackoff time.Duration
	// Logger receives the channel's logs. Default: slog.Default().
	Logger *slog.Logger
}

// Channel sends requests to the active controller. It is safe for
// concurrent use; each request in flight holds its own connection.
type Channel struct {
	cfg      Config
	log      *slog.Logger
	format   *kmsg.RequestFormatter
	corr     atomic.Int32
	next     atomic.Uint32 // voter to ask next when discovering
	voterIDs []int32

	mu struct {
		sync.Mutex
		leader int32 // last known active controller, -1 if none
		idle   map[string][]*conn
		closed bool
	}
}

type conn struct {
	nc net.Conn
	rd *bufio.Reader
}

// ErrClosed means the channel is closed.
var ErrClosed = errors.New("controller channel closed")

// New returns a channel.
func New(cfg Config) *Channel {
	if cfg.RetryBackoff <= 0 {
		cfg.RetryBackoff = 50 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Channel{
		cfg:      cfg,
		log:      cfg.Logger.With("component", "channel"),
		format:   kmsg.NewRequestFormatter(kmsg.FormatterClientID(fmt.Sprintf("spool-node-%d-channel", cfg.NodeID))),
		voterIDs: slices.Sorted(maps.Keys(cfg.Voters)),
	}
	c.mu.leader = -1
	c.mu.idle = map[string][]*conn{}
	return c
}

// Send delivers req to the active controller and returns its response. A
// response that says NOT_CONTROLLER, or a failure to reach the controller,
// is retried after looking for the controller again, until ctx ends; then
// the last NOT_CONTROLLER response is returned if there was one, else the
// error. req must have its version set.
func (c *Channel) Send(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	var last kmsg.Response
	var lastErr error
	for {
		if c.isClosed() {
			return nil, ErrClosed
		}
		if c.cfg.Local != nil {
			if resp, ok := c.cfg.Local(ctx, req); ok && !NotController(resp) {
				return resp, nil
			}
		}
		resp, err := c.sendRemote(ctx, req)
		if err == nil && !NotController(resp) {
			return resp, nil
		}
		if err == nil {
			last = resp
		} else {
			lastErr = err
		}
		c.forgetLeader()
		t := time.NewTimer(c.cfg.RetryBackoff)
		select {
		case <-ctx.Done():
			t.Stop()
			if last != nil {
				return last, nil
			}
			return nil, fmt.Errorf("send %s to the controller: %w (last error: %v)", kmsg.NameForKey(req.Key()), ctx.Err(), lastErr)
		case <-t.C:
		}
	}
}

func (c *Channel) sendRemote(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	id, addr, err := c.controller(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.roundTrip(ctx, addr, req)
	if err != nil {
		return nil, fmt.Errorf("controller %d at %s: %w", id, addr, err)
	}
	return resp, nil
}

// controller returns the active controller's id and address: the quorum
// leader as this node knows it, the one found last, or one a voter names.
func (c *Channel) controller(ctx context.Context) (int32, string, error) {
	if c.cfg.Leader != nil {
		if id, ok := c.cfg.Leader(); ok {
			if addr, voter := c.cfg.Voters[id]; voter {
				return id, addr, nil
			}
		}
	}
	c.mu.Lock()
	id := c.mu.leader
	c.mu.Unlock()
	if addr, ok := c.cfg.Voters[id]; ok {
		return id, addr, nil
	}
	id, err := c.discover(ctx)
	if err != nil {
		return -1, "", err
	}
	c.mu.Lock()
	c.mu.leader = id
	c.mu.Unlock()
	return id, c.cfg.Voters[id], nil
}

// discover asks the voters in turn who leads the quorum.
func (c *Channel) discover(ctx context.Context) (int32, error) {
	var errs []error
	for range c.voterIDs {
		v := c.voterIDs[int(c.next.Add(1))%len(c.voterIDs)]
		req := kmsg.NewPtrDescribeQuorumRequest()
		req.SetVersion(2)
		t := kmsg.NewDescribeQuorumRequestTopic()
		t.Topic = MetadataTopic
		t.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
		req.Topics = []kmsg.DescribeQuorumRequestTopic{t}
		resp, err := c.roundTrip(ctx, c.cfg.Voters[v], req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		r := resp.(*kmsg.DescribeQuorumResponse)
		if len(r.Topics) == 1 && len(r.Topics[0].Partitions) == 1 {
			p := r.Topics[0].Partitions[0]
			if _, ok := c.cfg.Voters[p.LeaderID]; p.ErrorCode == 0 && ok {
				return p.LeaderID, nil
			}
		}
		errs = append(errs, fmt.Errorf("voter %d knows no leader", v))
	}
	return -1, fmt.Errorf("find the active controller: %w", errors.Join(errs...))
}

// MetadataTopic is the metadata log's name in DescribeQuorum.
const MetadataTopic = "__cluster_metadata"

func (c *Channel) forgetLeader() {
	c.mu.Lock()
	c.mu.leader = -1
	c.mu.Unlock()
}

// roundTrip sends one request on an idle or new connection to addr and
// reads its response.
func (c *Channel) roundTrip(ctx context.Context, addr string, req kmsg.Request) (kmsg.Response, error) {
	cn, err := c.get(ctx, addr)
	if err != nil {
		return nil, err
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(30 * time.Second)
	}
	cn.nc.SetDeadline(deadline)
	// Closing the connection is what interrupts a blocked read when ctx
	// ends before its deadline.
	stop := context.AfterFunc(ctx, func() { cn.nc.Close() })
	resp, err := c.exchange(cn, req)
	if !stop() || err != nil {
		cn.nc.Close()
		if err == nil {
			err = ctx.Err()
		}
		return nil, err
	}
	cn.nc.SetDeadline(time.Time{})
	c.put(addr, cn)
	return resp, nil
}

func (c *Channel) exchange(cn *conn, req kmsg.Request) (kmsg.Response, error) {
	corr := c.corr.Add(1)
	if _, err := cn.nc.Write(c.format.AppendRequest(nil, req, corr)); err != nil {
		return nil, fmt.Errorf("write %s: %w", kmsg.NameForKey(req.Key()), err)
	}
	var size [4]byte
	if _, err := io.ReadFull(cn.rd, size[:]); err != nil {
		return nil, fmt.Errorf("read %s response: %w", kmsg.NameForKey(req.Key()), err)
	}
	n := int32(binary.BigEndian.Uint32(size[:]))
	if n < 4 || n > maxResponse {
		return nil, fmt.Errorf("%s response of %d bytes", kmsg.NameForKey(req.Key()), n)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(cn.rd, buf); err != nil {
		return nil, fmt.Errorf("read %s response: %w", kmsg.NameForKey(req.Key()), err)
	}
	if got := int32(binary.BigEndian.Uint32(buf)); got != corr {
		return nil, fmt.Errorf("response correlation id %d, want %d", got, corr)
	}
	body := buf[4:]
	resp := req.ResponseKind()
	if resp.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		var err error
		if body, err = skipTags(body); err != nil {
			return nil, err
		}
	}
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("decode %s response: %w", kmsg.NameForKey(req.Key()), err)
	}
	return resp, nil
}

// maxResponse bounds a controller response (they are small).
const maxResponse = 64 << 20

// skipTags skips a response header's tagged fields.
func skipTags(b []byte) ([]byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return nil, errors.New("bad response header tags")
	}
	b = b[k:]
	for range n {
		_, k := binary.Uvarint(b)
		if k <= 0 {
			return nil, errors.New("bad response header tag")
		}
		b = b[k:]
		size, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < size {
			return nil, errors.New("bad response header tag")
		}
		b = b[k+int(size):]
	}
	return b, nil
}

func (c *Channel) get(ctx context.Context, addr string) (*conn, error) {
	c.mu.Lock()
	if c.mu.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	if idle := c.mu.idle[addr]; len(idle) > 0 {
		cn := idle[len(idle)-1]
		c.mu.idle[addr] = idle[:len(idle)-1]
		c.mu.Unlock()
		return cn, nil
	}
	c.mu.Unlock()
	d := net.Dialer{Timeout: 5 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{nc: nc, rd: bufio.NewReader(nc)}, nil
}

// maxIdle is how many idle connections are kept per controller.
const maxIdle = 4

func (c *Channel) put(addr string, cn *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.closed || len(c.mu.idle[addr]) >= maxIdle {
		cn.nc.Close()
		return
	}
	c.mu.idle[addr] = append(c.mu.idle[addr], cn)
}

func (c *Channel) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.closed
}

// Close closes the idle connections; requests in flight end with their
// contexts.
func (c *Channel) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.closed = true
	for _, idle := range c.mu.idle {
		for _, cn := range idle {
			cn.nc.Close()
		}
	}
	c.mu.idle = nil
	return nil
}

// NotController reports whether a controller response says the node that
// answered is not the active controller.
func NotController(resp kmsg.Response) bool {
	nc := kerr.NotController.Code
	switch r := resp.(type) {
	case *kmsg.BrokerRegistrationResponse:
		return r.ErrorCode == nc
	case *kmsg.BrokerHeartbeatResponse:
		return r.ErrorCode == nc
	case *kmsg.AlterPartitionResponse:
		if r.ErrorCode == nc {
			return true
		}
		for _, t := range r.Topics {
			for _, p := range t.Partitions {
				if p.ErrorCode == nc {
					return true
				}
			}
		}
	case *kmsg.AllocateProducerIDsResponse:
		return r.ErrorCode == nc
	case *kmsg.CreateTopicsResponse:
		return slices.ContainsFunc(r.Topics, func(t kmsg.CreateTopicsResponseTopic) bool { return t.ErrorCode == nc })
	case *kmsg.DeleteTopicsResponse:
		return slices.ContainsFunc(r.Topics, func(t kmsg.DeleteTopicsResponseTopic) bool { return t.ErrorCode == nc })
	case *kmsg.CreatePartitionsResponse:
		return slices.ContainsFunc(r.Topics, func(t kmsg.CreatePartitionsResponseTopic) bool { return t.ErrorCode == nc })
	case *kmsg.AlterConfigsResponse:
		return slices.ContainsFunc(r.Resources, func(t kmsg.AlterConfigsResponseResource) bool { return t.ErrorCode == nc })
	case *kmsg.IncrementalAlterConfigsResponse:
		return slices.ContainsFunc(r.Resources, func(t kmsg.IncrementalAlterConfigsResponseResource) bool { return t.ErrorCode == nc })
	}
	return false
}
