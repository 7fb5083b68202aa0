package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

// alterPartition serves leaders' ISR changes. Versions 2 and 3 are served
// (topic IDs; v3 adds the broker epochs of new ISR members, KIP-903), as
// Kafka 4.x controllers do.
func (h *Handler) alterPartition(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.AlterPartitionRequest)
	resp := req.ResponseKind().(*kmsg.AlterPartitionResponse)
	if h.Controller == nil {
		resp.ErrorCode = errorCode(controller.ErrNotController)
		return respond(r, resp)
	}
	topics, err := h.Controller.AlterPartition(ctx, toAlterPartition(req))
	if err != nil {
		resp.ErrorCode = errorCode(err)
		return respond(r, resp)
	}
	for _, t := range topics {
		rt := kmsg.NewAlterPartitionResponseTopic()
		rt.Topic, rt.TopidID = t.Name, t.TopicID
		for _, p := range t.Partitions {
			rp := kmsg.NewAlterPartitionResponseTopicPartition()
			rp.Partition = p.Partition
			if p.Err != nil {
				rp.ErrorCode = errorCode(p.Err)
			} else {
				rp.LeaderID, rp.LeaderEpoch, rp.PartitionEpoch = p.Leader, p.LeaderEpoch, p.PartitionEpoch
				rp.ISR, rp.LeaderRecoveryState = p.ISR, p.LeaderRecoveryState
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return respond(r, resp)
}

func toAlterPartition(req *kmsg.AlterPartitionRequest) controller.AlterPartitionRequest {
	out := controller.AlterPartitionRequest{BrokerID: req.BrokerID, BrokerEpoch: req.BrokerEpoch, Version: req.Version}
	for _, t := range req.Topics {
		ot := controller.AlterPartitionTopic{Name: t.Topic, TopicID: metadata.TopicID(t.TopicID)}
		for _, p := range t.Partitions {
			op := controller.AlterPartitionChange{Partition: p.Partition, LeaderEpoch: p.LeaderEpoch,
				PartitionEpoch: p.PartitionEpoch, LeaderRecoveryState: p.LeaderRecoveryState}
			for _, id := range p.NewISR {
				op.NewISR = append(op.NewISR, controller.ISRMember{BrokerID: id, BrokerEpoch: -1})
			}
			for _, m := range p.NewEpochISR {
				op.NewISR = append(op.NewISR, controller.ISRMember{BrokerID: m.BrokerID, BrokerEpoch: m.BrokerEpoch})
			}
			ot.Partitions = append(ot.Partitions, op)
		}
		out.Topics = append(out.Topics, ot)
	}
	return out
}
