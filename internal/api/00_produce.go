package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/replica"
)

func (h *Handler) produce(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.ProduceRequest)
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	validAcks := req.Acks == -1 || req.Acks == 0 || req.Acks == 1
	internalAllowed := r.ClientID == adminClientID
	failed := false
	var waits []commitWait
	for i := range req.Topics {
		rt := &req.Topics[i]
		out := kmsg.NewProduceResponseTopic()
		out.Topic, out.TopicID = rt.Topic, rt.TopicID
		out.Partitions = make([]kmsg.ProduceResponseTopicPartition, len(rt.Partitions))
		for j := range rt.Partitions {
			op := &out.Partitions[j]
			*op = kmsg.NewProduceResponseTopicPartition()
			op.Partition = rt.Partitions[j].Partition
			p, t, err := h.producePartition(r.Version, rt, rt.Partitions[j].Partition)
			// Kafka's order: the partition must exist, then acks must be
			// valid, then internal topics are refused to clients.
			switch {
			case err != nil:
			case !validAcks:
				err = errInvalidAcks
			case !internalAllowed && controller.IsInternalTopic(p.Topic()):
				err = errInternalTopic
			default:
				var last int64
				last, err = h.appendPartition(r.Version, req.Acks, p, t, &rt.Partitions[j], op)
				if err == nil && req.Acks == -1 {
					waits = append(waits, commitWait{p: p, last: last, op: [2]int{len(resp.Topics), j}})
				}
			}
			if err != nil {
				failed = true
				fillProduceError(op, err, p)
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
	if waits = h.uncommitted(waits, resp); len(waits) > 0 {
		return h.waitForCommit(ctx, r, resp, waits, time.Duration(req.TimeoutMillis)*time.Millisecond), nil
	}
	reply, err := respond(r, resp)
	reply.FrameDone = true
	return reply, err
}

// commitWait is an acks=all append waiting for the ISR: the partition, the
// last offset written and where its answer is in the response.
type commitWait struct {
	p    *partition.Partition
	last int64
	op   [2]int // topic and partition index in the response
}

// uncommitted settles the appends already committed (always, on a single
// node) and returns the others.
func (h *Handler) uncommitted(waits []commitWait, resp *kmsg.ProduceResponse) []commitWait {
	n := 0
	for _, w := range waits {
		done, err := w.p.Committed(w.last)
		if err != nil {
			fillCommitError(resp, w, err)
			continue
		}
		if !done {
			waits[n] = w
			n++
		}
	}
	return waits[:n]
}

// waitForCommit answers an acks=all produce once every partition's records
// are committed, the request's timeout passes (REQUEST_TIMED_OUT for those
// still waiting, as Kafka's delayed produce), or the connection closes.
func (h *Handler) waitForCommit(ctx context.Context, r *Request, resp *kmsg.ProduceResponse, waits []commitWait, timeout time.Duration) network.Reply {
	ch := make(chan *network.Response, 1)
	go func() {
		w := partition.NewWaiter()
		for _, cw := range waits {
			cw.p.Watch(w)
		}
		defer func() {
			for _, cw := range waits {
				cw.p.Unwatch(w)
			}
		}()
		// The high watermark may have moved before the watches began.
		waits = h.uncommitted(waits, resp)
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		for len(waits) > 0 {
			select {
			case <-w.C():
				waits = h.uncommitted(waits, resp)
				continue
			case <-timer.C:
				for _, cw := range h.uncommitted(waits, resp) {
					fillCommitError(resp, cw, errProduceTimedOut)
				}
			case <-ctx.Done():
				ch <- nil
				return
			}
			break
		}
		ch <- encode(r.Header, resp)
	}()
	return network.Reply{Later: ch, FrameDone: true}
}

var errProduceTimedOut = errors.New("acks=all produce timed out waiting for the ISR")

func fillCommitError(resp *kmsg.ProduceResponse, w commitWait, err error) {
	op := &resp.Topics[w.op[0]].Partitions[w.op[1]]
	if errors.Is(err, errProduceTimedOut) {
		op.ErrorCode = kerr.RequestTimedOut.Code
	} else {
		op.ErrorCode = errorCode(err)
	}
	op.BaseOffset, op.LogAppendTime, op.LogStartOffset = -1, -1, -1
}

// adminClientID is the client id Kafka lets write to internal topics
// (AdminUtils.ADMIN_CLIENT_ID).
const adminClientID = "__admin_client"

var (
	errInvalidAcks   = errors.New("acks must be -1, 0 or 1")
	errInternalTopic = errors.New("cannot append to an internal topic")
)

func (h *Handler) producePartition(version int16, rt *kmsg.ProduceRequestTopic, index int32) (*partition.Partition, *replica.Topic, error) {
	if version >= 13 {
		return h.Replicas.PartitionByID(metadata.TopicID(rt.TopicID), index)
	}
	return h.Replicas.Partition(rt.Topic, index)
}

// appendPartition appends one partition's records and returns the last
// offset written.
func (h *Handler) appendPartition(version, acks int16, p *partition.Partition, t *replica.Topic, rp *kmsg.ProduceRequestTopicPartition, op *kmsg.ProduceResponseTopicPartition) (int64, error) {
	res, err := p.AppendRecords(rp.Records, partition.AppendOptions{Acks: acks, DenyZstd: version < 7})
	if err != nil {
		return 0, err
	}
	op.BaseOffset, op.LogAppendTime, op.LogStartOffset = res.BaseOffset, res.LogAppendTime, res.LogStartOffset
	if t.Metrics != nil && res.Records > 0 {
		t.Metrics.BytesIn.Add(float64(res.Bytes))
		t.Metrics.MessagesIn.Add(float64(res.Records))
	}
	return res.LastOffset, nil
}

// fillProduceError answers a refused partition as Kafka does: an error
// message and record errors only for problems with individual records, and
// the log start offset for the refusals Kafka makes while appending
// (record errors, producer sequence and epoch checks).
func fillProduceError(op *kmsg.ProduceResponseTopicPartition, err error, p *partition.Partition) {
	switch {
	case errors.Is(err, errInvalidAcks):
		op.ErrorCode = kerr.InvalidRequiredAcks.Code
	case errors.Is(err, errInternalTopic):
		op.ErrorCode = kerr.InvalidTopicException.Code
	default:
		op.ErrorCode = errorCode(err)
	}
	op.BaseOffset, op.LogAppendTime, op.LogStartOffset = -1, -1, -1
	var re *record.RecordErrors
	if errors.As(err, &re) {
		msg := re.Error()
		op.ErrorMessage = &msg
		for _, e := range re.Records {
			out := kmsg.NewProduceResponseTopicPartitionErrorRecord()
			out.RelativeOffset = e.Index
			m := e.Message
			out.ErrorMessage = &m
			op.ErrorRecords = append(op.ErrorRecords, out)
		}
	}
	if re != nil || errors.Is(err, producerstate.ErrOutOfOrderSequence) || errors.Is(err, producerstate.ErrInvalidProducerEpoch) {
		op.LogStartOffset = p.LogStartOffset()
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
