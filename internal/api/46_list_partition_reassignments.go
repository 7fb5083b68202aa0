package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

// listPartitionReassignments lists the reassignments in progress, as the
// active controller sees them. Brokers forward it there.
func (h *Handler) listPartitionReassignments(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ListPartitionReassignmentsRequest)
	resp := req.ResponseKind().(*kmsg.ListPartitionReassignmentsResponse)
	var topics []controller.ElectTopic
	if req.Topics != nil {
		topics = make([]controller.ElectTopic, 0, len(req.Topics))
		for _, t := range req.Topics {
			topics = append(topics, controller.ElectTopic{Name: t.Topic, Partitions: t.Partitions})
		}
	}
	var ongoing []controller.OngoingTopicReassignments
	var err error = errNoController
	if h.Controller != nil {
		ongoing, err = h.Controller.ListPartitionReassignments(topics)
	}
	if err != nil {
		resp.ErrorCode, resp.ErrorMessage = errorCode(err), errorMessage(err)
		return respond(r, resp)
	}
	for _, t := range ongoing {
		rt := kmsg.NewListPartitionReassignmentsResponseTopic()
		rt.Topic = t.Name
		for _, p := range t.Partitions {
			rp := kmsg.NewListPartitionReassignmentsResponseTopicPartition()
			rp.Partition, rp.Replicas = p.Partition, p.Replicas
			rp.AddingReplicas, rp.RemovingReplicas = nonNil(p.AddingReplicas), nonNil(p.RemovingReplicas)
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return respond(r, resp)
}

func nonNil(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}
