package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) createPartitions(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.CreatePartitionsRequest)
	resp := req.ResponseKind().(*kmsg.CreatePartitionsResponse)
	topics := make([]controller.CreatePartitions, len(req.Topics))
	for i, t := range req.Topics {
		topics[i] = controller.CreatePartitions{Topic: t.Topic, Count: t.Count}
		if t.Assignment != nil { // null places the new partitions automatically
			topics[i].Assignments = make([][]int32, len(t.Assignment))
			for j, a := range t.Assignment {
				topics[i].Assignments[j] = a.Replicas
			}
		}
	}
	answered := map[string]bool{}
	for _, res := range h.Controller.CreatePartitions(ctx, topics, req.ValidateOnly) {
		// A topic named twice fails and is answered once, as in Kafka.
		if answered[res.Topic] {
			continue
		}
		answered[res.Topic] = true
		out := kmsg.NewCreatePartitionsResponseTopic()
		out.Topic = res.Topic
		if res.Err != nil {
			out.ErrorCode, out.ErrorMessage = errorCode(res.Err), errorMessage(res.Err)
		}
		resp.Topics = append(resp.Topics, out)
	}
	return respond(r, resp)
}
