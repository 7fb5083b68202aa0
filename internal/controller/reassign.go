package controller

import (
	"context"
	"slices"

	"github.com/spoolhq/spool/internal/metadata"
)

// A partition reassignment moves a partition to a new set of replicas in
// Kafka's stages (ReplicationControlManager.changePartitionReassignment):
//
//  1. One PartitionChangeRecord sets the replicas to the target followed
//     by the replicas being removed, with AddingReplicas and
//     RemovingReplicas. The new replicas open the partition and fetch from
//     the leader as followers.
//  2. As they catch up, the leader adds them to the ISR (AlterPartition).
//  3. The change that gives the ISR every target replica completes the
//     reassignment (partitionChange.build): the removed replicas leave the
//     replicas and the ISR, adding/removing are cleared, the leader epoch
//     moves, and a new leader is elected if the old one was removed.
//
// A reassignment that only reorders or removes replicas completes in its
// first record. Cancelling (nil replicas) reverts to the replicas before
// the reassignment, dropping the added ones from the ISR.
//
// A new target for a partition already being reassigned counts as added
// every replica that was not there before the first reassignment, so that
// a cancel still returns to the original replicas; Kafka keeps the earlier
// adding list only when the new target adds nothing. Both agree when no
// reassignment is in progress.

// ReassignTopic asks for new replicas of some of a topic's partitions.
type ReassignTopic struct {
	Name       string
	Partitions []ReassignPartition
}

// ReassignPartition is one partition's target replicas, in preferred
// order; nil cancels the partition's reassignment.
type ReassignPartition struct {
	Partition int32
	Replicas  []int32
}

// ReassignTopicResult mirrors ReassignTopic; a partition's Err is nil when
// its reassignment was started, changed or cancelled.
type ReassignTopicResult struct {
	Name       string
	Partitions []ReassignPartitionResult
}

// ReassignPartitionResult is one partition's outcome.
type ReassignPartitionResult struct {
	Partition int32
	Err       error
}

// OngoingReassignment is a partition being reassigned.
type OngoingReassignment struct {
	Partition        int32
	Replicas         []int32
	AddingReplicas   []int32
	RemovingReplicas []int32
}

// OngoingTopicReassignments are a topic's partitions being reassigned.
type OngoingTopicReassignments struct {
	Name       string
	Partitions []OngoingReassignment
}

// AlterPartitionReassignments starts, changes or cancels reassignments, as
// Kafka's alterPartitionReassignments: every partition is answered, and
// the records of those that succeed are written in one batch.
// allowRFChange false (AlterPartitionReassignments v1, KIP-860) refuses a
// target with another number of replicas than the partition has.
func (c *Controller) AlterPartitionReassignments(ctx context.Context, topics []ReassignTopic, allowRFChange bool) ([]ReassignTopicResult, error) {
	return run(ctx, c, "AlterPartitionReassignments", func(img *metadata.Image) ([]metadata.Record, []ReassignTopicResult) {
		return c.decideReassign(img, topics, allowRFChange)
	})
}

func (c *Controller) decideReassign(img *metadata.Image, topics []ReassignTopic, allowRFChange bool) ([]metadata.Record, []ReassignTopicResult) {
	var recs []metadata.Record
	out := make([]ReassignTopicResult, 0, len(topics))
	ok, total := 0, 0
	for _, rt := range topics {
		res := ReassignTopicResult{Name: rt.Name, Partitions: []ReassignPartitionResult{}}
		for _, rp := range rt.Partitions {
			rec, err := c.reassignOne(img, rt.Name, rp, allowRFChange)
			if rec != nil {
				recs = append(recs, *rec)
				img = applyToImage(img, *rec) // a partition named twice sees the first change
			}
			if err == nil {
				ok++
			} else {
				c.log.Info("unable to alter partition reassignment", "topic", rt.Name, "partition", rp.Partition, "err", err)
			}
			total++
			res.Partitions = append(res.Partitions, ReassignPartitionResult{Partition: rp.Partition, Err: err})
		}
		out = append(out, res)
	}
	c.log.Info("altered partition reassignments", "succeeded", ok, "of", total)
	return recs, out
}

func (c *Controller) reassignOne(img *metadata.Image, topic string, rp ReassignPartition, allowRFChange bool) (*metadata.PartitionChangeRecord, error) {
	t := img.Topic(topic)
	if t == nil {
		return nil, newError(ErrUnknownTopicOrPartition, "Unable to find a topic named %s.", topic)
	}
	p := t.Partition(rp.Partition)
	if p == nil {
		return nil, newError(ErrUnknownTopicOrPartition, "Unable to find partition %s:%d.", topic, rp.Partition)
	}
	unclean := c.cfg.UncleanLeaderElection(img, topic)
	var ch partitionChange
	if rp.Replicas == nil {
		if !reassigning(p) {
			return nil, newError(ErrNoReassignmentInProgress, "No partition reassignment is in progress.")
		}
		replicas, isr, needsUnclean := revertReassignment(p)
		if needsUnclean && !unclean {
			return nil, newError(ErrInvalidReplicaAssignment, "Unable to revert partition assignment for %s:%d "+
				"because it would require an unclean leader election.", topic, p.ID)
		}
		ch = partitionChange{targetISR: isr, targetReplicas: replicas, targetAdding: []int32{}, targetRemoving: []int32{},
			election: onlineOrUnclean(unclean)}
	} else {
		if err := validateAssignment(img, rp.Replicas); err != nil {
			return nil, err
		}
		original := withoutAll(p.Replicas, p.AddingReplicas)
		if !allowRFChange && len(original) != len(rp.Replicas) {
			return nil, newError(ErrInvalidReplicationFactor, "The replication factor is changed from %d to %d "+
				"but allowReplicationFactorChange is false.", len(original), len(rp.Replicas))
		}
		removing := slices.Sorted(slices.Values(withoutAll(p.Replicas, rp.Replicas)))
		replicas := append(slices.Clone(rp.Replicas), removing...)
		adding := slices.Sorted(slices.Values(withoutAll(replicas, original)))
		ch = partitionChange{targetReplicas: replicas, targetAdding: adding, targetRemoving: removing, election: electOnline}
	}
	ch.topic, ch.part, ch.recovery = t.ID, p, metadata.NoRecoveryStateChange
	ch.acceptable = func(r int32) bool { return usable(img, r) }
	rec, changed := ch.build()
	if !changed {
		return nil, nil
	}
	return &rec, nil
}

// validateAssignment checks target replicas as Kafka's
// validateManualPartitionAssignment: not empty, registered brokers, each
// once.
func validateAssignment(img *metadata.Image, replicas []int32) error {
	if len(replicas) == 0 {
		return newError(ErrInvalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
	}
	sorted := slices.Sorted(slices.Values(replicas))
	for i, id := range sorted {
		if img.Broker(id) == nil {
			return newError(ErrInvalidReplicaAssignment, "The manual partition assignment includes broker %d, "+
				"but no such broker is registered.", id)
		}
		if i > 0 && sorted[i-1] == id {
			return newError(ErrInvalidReplicaAssignment, "The manual partition assignment includes the broker %d "+
				"more than once.", id)
		}
	}
	return nil
}

// reassigning reports whether p has a reassignment in progress.
func reassigning(p *metadata.Partition) bool {
	return len(p.AddingReplicas) > 0 || len(p.RemovingReplicas) > 0
}

// revertReassignment is the replicas and ISR a cancelled reassignment
// leaves (Kafka's PartitionReassignmentRevert): the replicas without the
// added ones, the ISR without them too; if that empties the ISR, the first
// remaining replica alone, which needs an unclean election.
func revertReassignment(p *metadata.Partition) (replicas, isr []int32, unclean bool) {
	replicas = withoutAll(p.Replicas, p.AddingReplicas)
	isr = withoutAll(p.ISR, p.AddingReplicas)
	if len(isr) == 0 && len(replicas) > 0 {
		return replicas, []int32{replicas[0]}, true
	}
	return replicas, isr, false
}

// ListPartitionReassignments lists the reassignments in progress: of every
// topic when topics is nil, else of the named partitions (unknown ones are
// left out), as Kafka's listPartitionReassignments.
func (c *Controller) ListPartitionReassignments(topics []ElectTopic) ([]OngoingTopicReassignments, error) {
	if !c.Active() {
		return nil, newError(ErrNotController, "This node is not the active controller.")
	}
	return listReassignments(c.cfg.Log.Image(), topics), nil
}

func listReassignments(img *metadata.Image, topics []ElectTopic) []OngoingTopicReassignments {
	var out []OngoingTopicReassignments
	add := func(t *metadata.Topic, ids []int32) {
		ot := OngoingTopicReassignments{Name: t.Name}
		for _, id := range ids {
			if p := t.Partition(id); p != nil && reassigning(p) {
				ot.Partitions = append(ot.Partitions, OngoingReassignment{Partition: id, Replicas: p.Replicas,
					AddingReplicas: p.AddingReplicas, RemovingReplicas: p.RemovingReplicas})
			}
		}
		if len(ot.Partitions) > 0 {
			out = append(out, ot)
		}
	}
	if topics == nil {
		for _, t := range img.Topics() {
			ids := make([]int32, 0, t.NumPartitions())
			for _, p := range t.Partitions() {
				ids = append(ids, p.ID)
			}
			add(t, ids)
		}
		return out
	}
	for _, rt := range topics {
		if t := img.Topic(rt.Name); t != nil {
			add(t, rt.Partitions)
		}
	}
	return out
}
