package broker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/replica"
)

// alterPartition sends partition leaders' ISR changes to the active
// controller over the broker-to-controller channel (AlterPartition v3,
// with the members' broker epochs, KIP-903). It is the replica manager's
// ISRUpdater.
type alterPartition struct{ b *Broker }

// alterPartitionTimeout bounds one attempt; the replica manager retries.
const alterPartitionTimeout = 10 * time.Second

func (a alterPartition) AlterPartition(ctx context.Context, c partition.ISRChange) (replica.ISRState, error) {
	b := a.b
	if b.ch == nil {
		return replica.ISRState{}, errors.New("no controller channel yet")
	}
	req := kmsg.NewPtrAlterPartitionRequest()
	req.Version = 3
	req.BrokerID, req.BrokerEpoch = b.cfg.NodeID, b.ownEpoch()
	rt := kmsg.NewAlterPartitionRequestTopic()
	rt.Topic, rt.TopicID = c.Topic, c.TopicID
	rp := kmsg.NewAlterPartitionRequestTopicPartition()
	rp.Partition, rp.LeaderEpoch, rp.PartitionEpoch = c.Partition, c.LeaderEpoch, c.PartitionEpoch
	for _, m := range c.ISR {
		e := kmsg.NewAlterPartitionRequestTopicPartitionNewEpochISR()
		e.BrokerID, e.BrokerEpoch = m.BrokerID, m.BrokerEpoch
		rp.NewEpochISR = append(rp.NewEpochISR, e)
	}
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	ctx, cancel := context.WithTimeout(ctx, alterPartitionTimeout)
	defer cancel()
	resp, err := b.ch.Send(ctx, req)
	if err != nil {
		return replica.ISRState{}, fmt.Errorf("AlterPartition %s-%d: %w", c.Topic, c.Partition, err)
	}
	r := resp.(*kmsg.AlterPartitionResponse)
	if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
		return replica.ISRState{}, fmt.Errorf("AlterPartition %s-%d: %w", c.Topic, c.Partition, err)
	}
	for _, t := range r.Topics {
		for _, p := range t.Partitions {
			if p.Partition != c.Partition {
				continue
			}
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return replica.ISRState{}, fmt.Errorf("AlterPartition %s-%d: %w: %w", c.Topic, c.Partition, isrOutcome(err), err)
			}
			return replica.ISRState{Leader: p.LeaderID, LeaderEpoch: p.LeaderEpoch, PartitionEpoch: p.PartitionEpoch, ISR: p.ISR}, nil
		}
	}
	return replica.ISRState{}, fmt.Errorf("AlterPartition %s-%d: the response does not name the partition", c.Topic, c.Partition)
}

// isrOutcome sorts AlterPartition's partition errors as Kafka's leader
// does: stale state waits for metadata, a refusal resets to the committed
// ISR, anything else is retried.
func isrOutcome(err error) error {
	switch {
	case errors.Is(err, kerr.OperationNotAttempted), errors.Is(err, kerr.IneligibleReplica):
		return replica.ErrISRRejected
	case errors.Is(err, kerr.FencedLeaderEpoch), errors.Is(err, kerr.InvalidUpdateVersion),
		errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.UnknownTopicID), errors.Is(err, kerr.NewLeaderElected):
		return replica.ErrISRStale
	}
	return errors.New("retriable")
}

// ownEpoch is this broker's epoch as the committed metadata has it (-1
// before its registration is replayed); the replica fetchers send it.
func (b *Broker) ownEpoch() int64 {
	if b.quorum == nil {
		return -1
	}
	if br := b.quorum.Image().Broker(b.cfg.NodeID); br != nil {
		return br.Epoch
	}
	return -1
}
