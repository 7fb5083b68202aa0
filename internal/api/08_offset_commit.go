package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

// offsetCommit answers partitions the metadata does not know with
// UNKNOWN_TOPIC_OR_PARTITION itself, as Kafka's request handler does, and
// passes the rest to the group coordinator.
func (h *Handler) offsetCommit(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.OffsetCommitRequest)
	known, unknown := splitCommitTopics(h.Image(), req.Topics)
	if len(known) == 0 {
		resp := req.ResponseKind().(*kmsg.OffsetCommitResponse)
		resp.Topics = unknown
		return respond(r, resp)
	}
	filtered := *req
	filtered.Topics = known
	call := h.sendGroup(r, req.Group, &filtered)
	return h.later(r, func() kmsg.Response {
		res := call.Wait(ctx)
		var resp *kmsg.OffsetCommitResponse
		if res.Err == nil {
			resp = res.Response.(*kmsg.OffsetCommitResponse)
		} else {
			resp = req.ResponseKind().(*kmsg.OffsetCommitResponse)
			resp.Topics = commitErrors(known, coordinatorCode(res.Err))
		}
		resp.Topics = append(resp.Topics, unknown...)
		return resp
	}), nil
}

// splitCommitTopics separates the partitions of topics the metadata has
// from the rest, answering the rest with UNKNOWN_TOPIC_OR_PARTITION.
func splitCommitTopics(img *metadata.Image, topics []kmsg.OffsetCommitRequestTopic) ([]kmsg.OffsetCommitRequestTopic, []kmsg.OffsetCommitResponseTopic) {
	var known []kmsg.OffsetCommitRequestTopic
	var unknown []kmsg.OffsetCommitResponseTopic
	for _, t := range topics {
		mt := img.Topic(t.Topic)
		kt := t
		kt.Partitions = nil
		ut := kmsg.NewOffsetCommitResponseTopic()
		ut.Topic = t.Topic
		for _, p := range t.Partitions {
			if mt != nil && mt.Partition(p.Partition) != nil {
				kt.Partitions = append(kt.Partitions, p)
				continue
			}
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, kerr.UnknownTopicOrPartition.Code
			ut.Partitions = append(ut.Partitions, rp)
		}
		if len(kt.Partitions) > 0 {
			known = append(known, kt)
		}
		if len(ut.Partitions) > 0 {
			unknown = append(unknown, ut)
		}
	}
	return known, unknown
}

// commitErrors answers every partition of topics with code.
func commitErrors(topics []kmsg.OffsetCommitRequestTopic, code int16) []kmsg.OffsetCommitResponseTopic {
	var out []kmsg.OffsetCommitResponseTopic
	for _, t := range topics {
		rt := kmsg.NewOffsetCommitResponseTopic()
		rt.Topic, rt.TopicID = t.Topic, t.TopicID
		for _, p := range t.Partitions {
			rp := kmsg.NewOffsetCommitResponseTopicPartition()
			rp.Partition, rp.ErrorCode = p.Partition, code
			rt.Partitions = append(rt.Partitions, rp)
		}
		out = append(out, rt)
	}
	return out
}
