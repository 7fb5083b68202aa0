package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/network"
)

// alterPartitionReassignments starts, changes or cancels partition
// reassignments on the controller (v0; v1 adds KIP-860's
// AllowReplicationFactorChange). Brokers forward it there.
func (h *Handler) alterPartitionReassignments(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.AlterPartitionAssignmentsRequest)
	resp := req.ResponseKind().(*kmsg.AlterPartitionAssignmentsResponse)
	topics := make([]controller.ReassignTopic, 0, len(req.Topics))
	for _, t := range req.Topics {
		rt := controller.ReassignTopic{Name: t.Topic}
		for _, p := range t.Partitions {
			rt.Partitions = append(rt.Partitions, controller.ReassignPartition{Partition: p.Partition, Replicas: p.Replicas})
		}
		topics = append(topics, rt)
	}
	ctx, cancel := requestDeadline(ctx, req.TimeoutMillis)
	defer cancel()
	var results []controller.ReassignTopicResult
	var err error = errNoController
	if h.Controller != nil {
		results, err = h.Controller.AlterPartitionReassignments(ctx, topics, req.Version < 1 || req.AllowReplicationFactorChange)
	}
	if err != nil {
		return respond(r, alterReassignmentsFailed(req, errorCode(err), errorMessage(err)))
	}
	for _, t := range results {
		rt := kmsg.NewAlterPartitionAssignmentsResponseTopic()
		rt.Topic = t.Name
		for _, p := range t.Partitions {
			rp := kmsg.NewAlterPartitionAssignmentsResponseTopicPartition()
			rp.Partition = p.Partition
			if p.Err != nil {
				rp.ErrorCode, rp.ErrorMessage = errorCode(p.Err), errorMessage(p.Err)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return respond(r, resp)
}

// alterReassignmentsFailed answers a request that failed as a whole with
// the top-level error only, as Kafka's getErrorResponse.
func alterReassignmentsFailed(req *kmsg.AlterPartitionAssignmentsRequest, code int16, msg *string) *kmsg.AlterPartitionAssignmentsResponse {
	resp := req.ResponseKind().(*kmsg.AlterPartitionAssignmentsResponse)
	resp.ErrorCode, resp.ErrorMessage = code, msg
	return resp
}
