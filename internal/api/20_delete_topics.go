package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

func (h *Handler) deleteTopics(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DeleteTopicsRequest)
	resp := req.ResponseKind().(*kmsg.DeleteTopicsResponse)
	if !h.Config.DeleteTopicEnable {
		return respond(r, deletionDisabled(req))
	}
	names, ids, both := deleteTargets(req)
	for _, t := range both {
		resp.Topics = append(resp.Topics, deletedTopic(t.Topic, t.TopicID,
			invalidRequest("You may not specify both topic name and topic id.")))
	}
	answered := map[string]bool{}
	for _, res := range h.Controller.DeleteTopics(ctx, names, ids) {
		// Kafka answers a duplicated name or id once.
		key := res.Name + "/" + string(res.TopicID[:])
		if !res.TopicID.IsZero() || res.Name != "" {
			if answered[key] {
				continue
			}
			answered[key] = true
		}
		var name *string
		if res.Name != "" {
			name = ptr(res.Name)
		}
		resp.Topics = append(resp.Topics, deletedTopic(name, res.TopicID, res.Err))
	}
	return respond(r, resp)
}

// deleteTargets splits the request into topics named by name and by id
// (v6+ may use either), and the v6+ entries that give both, which Kafka
// refuses.
func deleteTargets(req *kmsg.DeleteTopicsRequest) (names []string, ids []metadata.TopicID, both []kmsg.DeleteTopicsRequestTopic) {
	if req.Version < 6 {
		return req.TopicNames, nil, nil
	}
	for _, t := range req.Topics {
		switch {
		case t.Topic != nil && t.TopicID != [16]byte{}:
			both = append(both, t)
		case t.Topic != nil:
			names = append(names, *t.Topic)
		default:
			ids = append(ids, t.TopicID)
		}
	}
	return names, ids, both
}

func deletedTopic(name *string, id [16]byte, err error) kmsg.DeleteTopicsResponseTopic {
	out := kmsg.NewDeleteTopicsResponseTopic()
	out.Topic, out.TopicID = name, id
	if err != nil {
		out.ErrorCode, out.ErrorMessage = errorCode(err), errorMessage(err)
	}
	return out
}

// deletionDisabled is Kafka's answer when delete.topic.enable=false: the
// request fails as a whole, every topic with TOPIC_DELETION_DISABLED, or
// INVALID_REQUEST for clients older than v3 that do not know that code.
func deletionDisabled(req *kmsg.DeleteTopicsRequest) *kmsg.DeleteTopicsResponse {
	resp := req.ResponseKind().(*kmsg.DeleteTopicsResponse)
	code := kerr.TopicDeletionDisabled.Code
	if req.Version < 3 {
		code = kerr.InvalidRequest.Code
	}
	add := func(name *string, id [16]byte) {
		out := kmsg.NewDeleteTopicsResponseTopic()
		out.Topic, out.TopicID, out.ErrorCode = name, id, code
		resp.Topics = append(resp.Topics, out)
	}
	for _, n := range req.TopicNames {
		add(ptr(n), [16]byte{})
	}
	for _, t := range req.Topics {
		add(t.Topic, t.TopicID)
	}
	return resp
}
