package api

import (
	"context"
	"errors"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/network"
)

// The group APIs queue their requests with the group coordinator while the
// connection's reader is still on them (so a commit then a fetch on one
// connection reach the coordinator in that order) and answer when the
// coordinator does, which for JoinGroup can take a whole rebalance.

// later answers r with what fn returns, computed on its own goroutine.
// The decoded request's byte fields (group protocol metadata, assignments)
// alias the request frame and the coordinator keeps reading them after the
// handler returns, so the frame is left to the garbage collector rather than
// handed back to the pool the connection reads its next request into.
func (h *Handler) later(r *Request, fn func() kmsg.Response) network.Reply {
	ch := make(chan *network.Response, 1)
	go func() {
		ch <- encode(r.Header, fn())
	}()
	return network.Reply{Later: ch}
}

// coordinatorCode maps the runtime's routing errors to Kafka codes.
func coordinatorCode(err error) int16 {
	switch {
	case errors.Is(err, coordinator.ErrNotCoordinator):
		return kerr.NotCoordinator.Code
	case errors.Is(err, coordinator.ErrLoadInProgress):
		return kerr.CoordinatorLoadInProgress.Code
	case errors.Is(err, coordinator.ErrNotAvailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return kerr.CoordinatorNotAvailable.Code
	}
	return errorCode(err)
}

// clientHost is the client's address as Kafka prints it in group
// descriptions ("/127.0.0.1").
func clientHost(r *Request) string {
	if r.Conn == nil || r.Conn.Remote == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(r.Conn.Remote.String())
	if err != nil {
		return "/" + r.Conn.Remote.String()
	}
	return "/" + host
}

// eachGroup serves a request naming several groups, which may live on
// several shards: each group goes to its shard in a request of its own
// (one makes it), and the answer lists the groups in request order, each
// as its shard answered (answered picks them out of its response) or with
// the code of the routing error (failed).
func eachGroup[G any](h *Handler, ctx context.Context, r *Request, groups []string,
	one func(group string) kmsg.Request,
	answered func(kmsg.Response) []G,
	failed func(group string, code int16) G,
	respond func([]G) kmsg.Response,
) network.Reply {
	calls := make([]*coordinator.Call, len(groups))
	for i, g := range groups {
		calls[i] = h.sendGroup(r, g, one(g))
	}
	return h.later(r, func() kmsg.Response {
		var out []G
		for i, call := range calls {
			res := call.Wait(ctx)
			if res.Err != nil {
				out = append(out, failed(groups[i], coordinatorCode(res.Err)))
				continue
			}
			out = append(out, answered(res.Response)...)
		}
		return respond(out)
	})
}

// sendGroup queues a request about one group.
func (h *Handler) sendGroup(r *Request, group string, body kmsg.Request) *coordinator.Call {
	return h.Groups.Send(group, body, r.ClientID, clientHost(r))
}

// ensureOffsetsTopic creates __consumer_offsets the first time a group
// coordinator is looked for, with Kafka's settings for it.
func (h *Handler) ensureOffsetsTopic(ctx context.Context) error {
	if h.Image().Topic(controller.ConsumerOffsetsTopic) != nil {
		return nil
	}
	rf := h.Config.OffsetsTopicReplicationFactor
	if live := int16(len(h.Image().Brokers())); live > 0 && rf > live {
		rf = live // a small cluster still gets its coordinator
	}
	segment := strconv.Itoa(int(h.Config.OffsetsTopicSegmentBytes))
	res := h.createTopicsVia(ctx, []controller.CreateTopic{{
		Name:              controller.ConsumerOffsetsTopic,
		NumPartitions:     h.Config.OffsetsTopicNumPartitions,
		ReplicationFactor: rf,
		Configs: map[string]*string{
			"cleanup.policy":   ptr("compact"),
			"compression.type": ptr("producer"),
			"segment.bytes":    &segment,
		},
	}})
	if err := res[0].Err; err != nil && !errors.Is(err, controller.ErrTopicAlreadyExists) {
		return err
	}
	h.log.Info("created the group coordinator topic", "topic", controller.ConsumerOffsetsTopic,
		"partitions", h.Config.OffsetsTopicNumPartitions, "replication_factor", rf)
	return nil
}
