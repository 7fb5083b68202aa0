package api

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/replica"
)

func (h *Handler) produce(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ProduceRequest)
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	validAcks := req.Acks == -1 || req.Acks == 0 || req.Acks == 1
	failed := false
	for i := range req.Topics {
		rt := &req.Topics[i]
		out := kmsg.NewProduceResponseTopic()
		out.Topic, out.TopicID = rt.Topic, rt.TopicID
		out.Partitions = make([]kmsg.ProduceResponseTopicPartition, len(rt.Partitions))
		for j := range rt.Partitions {
			op := &out.Partitions[j]
			*op = kmsg.NewProduceResponseTopicPartition()
			op.Partition = rt.Partitions[j].Partition
			var err error
			if !validAcks {
				err = errInvalidAcks
			} else {
				err = h.appendPartition(r.Version, req.Acks, rt, &rt.Partitions[j], op)
			}
			if err != nil {
				failed = true
				fillProduceError(op, err)
			}
		}
		resp.Topics = append(resp.Topics, out)
	}
	if req.Acks == 0 {
		if failed {
			// Kafka closes the connection so that an acks=0 producer,
			// which reads no responses, notices.
			return network.Reply{}, fmt.Errorf("acks=0 produce failed: %w", firstProduceError(resp))
		}
		return network.Reply{FrameDone: true}, nil
	}
	reply, err := respond(r, resp)
	reply.FrameDone = true
	return reply, err
}

var errInvalidAcks = errors.New("acks must be -1, 0 or 1")

func (h *Handler) appendPartition(version, acks int16, rt *kmsg.ProduceRequestTopic, rp *kmsg.ProduceRequestTopicPartition, op *kmsg.ProduceResponseTopicPartition) error {
	var (
		p   *partition.Partition
		t   *replica.Topic
		err error
	)
	if version >= 13 {
		p, t, err = h.Replicas.PartitionByID(metadata.TopicID(rt.TopicID), rp.Partition)
	} else {
		p, t, err = h.Replicas.Partition(rt.Topic, rp.Partition)
	}
	if err != nil {
		return err
	}
	res, err := p.AppendRecords(rp.Records, partition.AppendOptions{Acks: acks, DenyZstd: version < 7})
	if err != nil {
		return err
	}
	op.BaseOffset, op.LogAppendTime, op.LogStartOffset = res.BaseOffset, res.LogAppendTime, res.LogStartOffset
	if t.Metrics != nil && res.Records > 0 {
		t.Metrics.BytesIn.Add(float64(res.Bytes))
		t.Metrics.MessagesIn.Add(float64(res.Records))
	}
	return nil
}

func fillProduceError(op *kmsg.ProduceResponseTopicPartition, err error) {
	if errors.Is(err, errInvalidAcks) {
		op.ErrorCode = kerr.InvalidRequiredAcks.Code
	} else {
		op.ErrorCode = errorCode(err)
	}
	op.BaseOffset, op.LogAppendTime, op.LogStartOffset = -1, -1, -1
	msg := err.Error()
	op.ErrorMessage = &msg
	var re *record.RecordErrors
	if errors.As(err, &re) {
		for _, e := range re.Records {
			out := kmsg.NewProduceResponseTopicPartitionErrorRecord()
			out.RelativeOffset = e.Index
			m := e.Message
			out.ErrorMessage = &m
			op.ErrorRecords = append(op.ErrorRecords, out)
		}
	}
}

func firstProduceError(resp *kmsg.ProduceResponse) error {
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return fmt.Errorf("%s[%d]: %w", t.Topic, p.Partition, kerr.ErrorForCode(p.ErrorCode))
			}
		}
	}
	return nil
}
