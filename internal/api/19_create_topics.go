package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) createTopics(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.CreateTopicsRequest)
	resp := req.ResponseKind().(*kmsg.CreateTopicsResponse)
	topics := make([]controller.CreateTopic, len(req.Topics))
	for i, t := range req.Topics {
		topics[i] = newCreateTopic(t)
	}
	results := h.Controller.CreateTopics(ctx, topics, req.ValidateOnly)
	img := h.Image()
	answered := map[string]bool{}
	for i, res := range results {
		// A name given twice fails as a whole and is answered once, as
		// Kafka does.
		if answered[res.Name] {
			continue
		}
		answered[res.Name] = true
		resp.Topics = append(resp.Topics, h.createdTopic(img, res, topics[i].Configs))
	}
	return respond(r, resp)
}

func newCreateTopic(t kmsg.CreateTopicsRequestTopic) controller.CreateTopic {
	ct := controller.CreateTopic{Name: t.Topic, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor}
	for _, a := range t.ReplicaAssignment {
		ct.Assignments = append(ct.Assignments, controller.ReplicaAssignment{Partition: a.Partition, Replicas: a.Replicas})
	}
	if len(t.Configs) > 0 {
		ct.Configs = make(map[string]*string, len(t.Configs))
		for _, c := range t.Configs {
			ct.Configs[c.Name] = c.Value
		}
	}
	return ct
}

// createdTopic is the result for one topic; a created (or validated) topic
// carries its partition count, replication factor and every config it
// resolves to (CreateTopics v5+), as Kafka's controller returns them.
func (h *Handler) createdTopic(img *metadata.Image, res controller.CreateTopicResult, requested map[string]*string) kmsg.CreateTopicsResponseTopic {
	out := kmsg.NewCreateTopicsResponseTopic()
	out.Topic = res.Name
	out.Configs = []kmsg.CreateTopicsResponseTopicConfig{}
	if res.Err != nil {
		out.ErrorCode, out.ErrorMessage = errorCode(res.Err), errorMessage(res.Err)
		return out
	}
	out.TopicID = res.TopicID
	out.NumPartitions, out.ReplicationFactor = res.NumPartitions, res.ReplicationFactor
	overrides := make(map[string]string, len(requested))
	for k, v := range requested {
		overrides[k] = *v // a created topic has no null config values
	}
	for _, e := range config.DescribeCreatedTopic(h.configLayers(img, overrides)) {
		c := kmsg.NewCreateTopicsResponseTopicConfig()
		c.Name, c.Value, c.ReadOnly, c.IsSensitive = e.Name, e.Value, e.ReadOnly, e.Sensitive
		c.Source = int8(e.Source)
		if e.Sensitive {
			c.Value = nil
		}
		out.Configs = append(out.Configs, c)
	}
	return out
}
