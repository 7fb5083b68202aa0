package controller

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spoolhq/spool/internal/metadata"
)

// AlterPartitionRequest is a partition leader asking to change the ISR of
// partitions it leads (AlterPartition, API 56). Version is the request's
// API version: error codes differ before v2, topics are named before v2
// and by ID from v2, and broker epochs of new ISR members (KIP-903) come
// with v3.
type AlterPartitionRequest struct {
	BrokerID    int32
	BrokerEpoch int64
	Version     int16
	Topics      []AlterPartitionTopic
}

// AlterPartitionTopic names a topic by Name (v0-1) or TopicID (v2+).
type AlterPartitionTopic struct {
	Name       string
	TopicID    metadata.TopicID
	Partitions []AlterPartitionChange
}

// AlterPartitionChange is one partition's requested ISR, decided by the
// leader at LeaderEpoch and PartitionEpoch.
type AlterPartitionChange struct {
	Partition           int32
	LeaderEpoch         int32
	PartitionEpoch      int32
	NewISR              []ISRMember
	LeaderRecoveryState int8
}

// ISRMember is a replica in a requested ISR; BrokerEpoch -1 skips the
// broker epoch check.
type ISRMember struct {
	BrokerID    int32
	BrokerEpoch int64
}

// AlterPartitionTopicResult mirrors AlterPartitionTopic.
type AlterPartitionTopicResult struct {
	Name       string
	TopicID    metadata.TopicID
	Partitions []AlterPartitionResult
}

// AlterPartitionResult is one partition's outcome: Err, or the partition's
// state after the change.
type AlterPartitionResult struct {
	Partition           int32
	Err                 error
	Leader              int32
	LeaderEpoch         int32
	PartitionEpoch      int32
	ISR                 []int32
	LeaderRecoveryState int8
}

// AlterPartition validates and applies ISR changes the way Kafka's
// ReplicationControlManager.alterPartition does. A request-level error
// (the broker's epoch) is returned as the error; partition errors are in
// the results.
func (c *Controller) AlterPartition(ctx context.Context, req AlterPartitionRequest) ([]AlterPartitionTopicResult, error) {
	type outcome struct {
		topics []AlterPartitionTopicResult
		err    error
	}
	o, err := run(ctx, c, "AlterPartition", func(img *metadata.Image) ([]metadata.Record, outcome) {
		recs, topics, err := c.decideAlterPartition(img, req)
		return recs, outcome{topics, err}
	})
	if err == nil {
		err = o.err
	}
	if err != nil {
		return nil, err
	}
	return o.topics, nil
}

func (c *Controller) decideAlterPartition(img *metadata.Image, req AlterPartitionRequest) ([]metadata.Record, []AlterPartitionTopicResult, error) {
	if err := checkBrokerEpoch(img, req.BrokerID, req.BrokerEpoch); err != nil {
		if img.Broker(req.BrokerID) == nil {
			return nil, nil, newError(ErrBrokerIDNotRegistered, "%s", err.Error())
		}
		return nil, nil, err
	}
	var recs []metadata.Record
	out := make([]AlterPartitionTopicResult, 0, len(req.Topics))
	for _, rt := range req.Topics {
		res := AlterPartitionTopicResult{Name: rt.Name, TopicID: rt.TopicID}
		t := img.TopicByID(rt.TopicID)
		if req.Version < 2 {
			t = img.Topic(rt.Name)
		}
		for _, rp := range rt.Partitions {
			if t == nil {
				kind := ErrUnknownTopicID
				if req.Version < 2 {
					kind = ErrUnknownTopicOrPartition
				}
				res.Partitions = append(res.Partitions, AlterPartitionResult{Partition: rp.Partition, Err: &Error{Kind: kind}})
				continue
			}
			rec, r := c.alterOne(img, t, req, rp)
			if rec != nil {
				recs = append(recs, *rec)
			}
			res.Partitions = append(res.Partitions, r)
		}
		out = append(out, res)
	}
	return recs, out, nil
}

func (c *Controller) alterOne(img *metadata.Image, t *metadata.Topic, req AlterPartitionRequest, rp AlterPartitionChange) (*metadata.PartitionChangeRecord, AlterPartitionResult) {
	fail := func(kind error, format string, args ...any) (*metadata.PartitionChangeRecord, AlterPartitionResult) {
		c.log.Info("rejecting AlterPartition", "broker", req.BrokerID, "topic", t.Name, "partition", rp.Partition,
			"reason", fmt.Sprintf(format, args...))
		return nil, AlterPartitionResult{Partition: rp.Partition, Err: &Error{Kind: kind}}
	}
	p := t.Partition(rp.Partition)
	if p == nil {
		return fail(ErrUnknownTopicOrPartition, "unknown partition")
	}
	isr := make([]int32, len(rp.NewISR))
	for i, m := range rp.NewISR {
		isr[i] = m.BrokerID
	}
	switch {
	case rp.LeaderEpoch > p.LeaderEpoch || rp.PartitionEpoch > p.PartitionEpoch:
		// The leader knows newer state than ours: we are probably no longer
		// the active controller.
		return fail(ErrNotController, "request epochs %d/%d are ahead of %d/%d", rp.LeaderEpoch, rp.PartitionEpoch, p.LeaderEpoch, p.PartitionEpoch)
	case rp.LeaderEpoch < p.LeaderEpoch:
		return fail(ErrFencedLeaderEpoch, "leader epoch %d, not %d", rp.LeaderEpoch, p.LeaderEpoch)
	case req.BrokerID != p.Leader:
		return fail(ErrInvalidRequest, "the leader is %d", p.Leader)
	case rp.PartitionEpoch < p.PartitionEpoch:
		return fail(ErrInvalidUpdateVersion, "partition epoch %d, not %d", rp.PartitionEpoch, p.PartitionEpoch)
	case !validISR(p.Replicas, isr):
		return fail(ErrInvalidRequest, "invalid ISR %v for replicas %v", isr, p.Replicas)
	case !slices.Contains(isr, p.Leader):
		return fail(ErrInvalidRequest, "ISR %v does not include the leader", isr)
	case rp.LeaderRecoveryState == metadata.Recovering && len(isr) > 1:
		return fail(ErrInvalidRequest, "ISR %v has more than one replica while the leader recovers", isr)
	case p.LeaderRecoveryState == metadata.Recovered && rp.LeaderRecoveryState == metadata.Recovering:
		return fail(ErrInvalidRequest, "leader recovery state cannot go from RECOVERED to RECOVERING")
	}
	if why := ineligible(img, rp.NewISR); why != "" {
		kind := ErrIneligibleReplica
		if req.Version <= 1 {
			kind = ErrOperationNotAttempted
		}
		return fail(kind, "ineligible replicas in the new ISR: %s", why)
	}
	ch := partitionChange{topic: t.ID, part: p, targetISR: isr, acceptable: func(r int32) bool { return usable(img, r) },
		election: onlineOrUnclean(c.cfg.UncleanLeaderElection(img, t.Name)), recovery: rp.LeaderRecoveryState}
	rec, changed := ch.build()
	next := p
	if changed {
		next = applyChange(p, rec)
		// A change that completes a reassignment may move the leadership
		// away from the broker asking: it learns so from the error, and the
		// record is written all the same (Kafka's alterPartition).
		if rec.Leader != metadata.NoLeaderChange && rec.Leader != req.BrokerID {
			kind := ErrNewLeaderElected
			if req.Version <= 1 {
				kind = ErrFencedLeaderEpoch
			}
			return &rec, AlterPartitionResult{Partition: rp.Partition, Err: &Error{Kind: kind}}
		}
	}
	res := AlterPartitionResult{Partition: rp.Partition, Leader: next.Leader, LeaderEpoch: next.LeaderEpoch,
		PartitionEpoch: next.PartitionEpoch, ISR: next.ISR, LeaderRecoveryState: next.LeaderRecoveryState}
	if !changed {
		return nil, res
	}
	return &rec, res
}

// validISR reports whether isr is a non-empty set of distinct replicas.
func validISR(replicas, isr []int32) bool {
	if len(isr) == 0 {
		return false
	}
	seen := map[int32]bool{}
	for _, r := range isr {
		if seen[r] || !slices.Contains(replicas, r) {
			return false
		}
		seen[r] = true
	}
	return true
}

// ineligible describes the members of a requested ISR that may not join it:
// unregistered, shutting down, fenced, or registered under another epoch
// than the leader saw (KIP-903). "" if all are eligible.
func ineligible(img *metadata.Image, isr []ISRMember) string {
	var why []string
	for _, m := range isr {
		b := img.Broker(m.BrokerID)
		switch {
		case b == nil:
			why = append(why, fmt.Sprintf("%d not registered", m.BrokerID))
		case b.InControlledShutdown:
			why = append(why, fmt.Sprintf("%d shutting down", m.BrokerID))
		case b.Fenced:
			why = append(why, fmt.Sprintf("%d fenced", m.BrokerID))
		case m.BrokerEpoch != -1 && m.BrokerEpoch != b.Epoch:
			why = append(why, fmt.Sprintf("%d broker epoch mismatch: requested=%d VS expected=%d", m.BrokerID, m.BrokerEpoch, b.Epoch))
		}
	}
	return strings.Join(why, ", ")
}

// applyChange is the partition as a change record will leave it on
// replay.
func applyChange(p *metadata.Partition, rec metadata.PartitionChangeRecord) *metadata.Partition {
	n := *p
	if rec.ISR != nil {
		n.ISR = rec.ISR
	}
	if rec.Replicas != nil {
		n.Replicas = rec.Replicas
	}
	if rec.AddingReplicas != nil {
		n.AddingReplicas = rec.AddingReplicas
	}
	if rec.RemovingReplicas != nil {
		n.RemovingReplicas = rec.RemovingReplicas
	}
	if rec.Leader != metadata.NoLeaderChange {
		n.Leader = rec.Leader
		n.LeaderEpoch++
	}
	if rec.LeaderRecoveryState != metadata.NoRecoveryStateChange {
		n.LeaderRecoveryState = rec.LeaderRecoveryState
	}
	n.PartitionEpoch++
	return &n
}
