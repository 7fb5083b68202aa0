package controller

import (
	"slices"

	"github.com/spoolhq/spool/internal/metadata"
)

// election is how a partition change may pick a leader, as Kafka's
// PartitionChangeBuilder.Election.
type election int

const (
	// electOnline keeps the current leader if it may stay, else takes the
	// first acceptable ISR member in replica order.
	electOnline election = iota
	// electPreferred moves leadership to the first replica when it is an
	// acceptable ISR member; otherwise it behaves as electOnline.
	electPreferred
	// electUnclean is electOnline that falls back to any acceptable
	// replica, outside the ISR, when no ISR member can lead.
	electUnclean
)

// partitionChange decides how one partition changes, the way Kafka's
// PartitionChangeBuilder does for a cluster without eligible leader
// replicas (KIP-966 off). The target fields, when nil, keep the
// partition's current value.
//
//   - A reassignment in progress (adding or removing replicas) completes
//     when the target ISR without the removed replicas is not empty and
//     holds every remaining replica: the removed replicas leave the
//     replicas and the ISR, and adding/removing are cleared.
//   - The leader is elected from the target ISR and replicas by the
//     election type; an unclean election sets the ISR to the new leader
//     alone and marks it RECOVERING; failing everything the partition has
//     no leader (-1).
//   - The ISR never becomes empty: an empty target keeps the current one.
//   - A change that drops a replica bumps the leader epoch (the leader
//     field is set, to the same leader if it stays), so that the removed
//     replica's fetches are fenced.
//   - Replaying the record bumps the partition epoch, and the leader epoch
//     when the leader field is set (metadata.version 4.0 bumps no epoch for
//     an ISR shrink alone).
type partitionChange struct {
	topic      metadata.TopicID
	part       *metadata.Partition
	acceptable func(broker int32) bool
	election   election

	targetISR      []int32
	targetReplicas []int32
	targetAdding   []int32
	targetRemoving []int32
	// recovery, when not NoRecoveryStateChange, is the leader recovery
	// state the change asks for (AlterPartition).
	recovery int8
}

// target is the partition state a change aims at.
type target struct {
	isr, replicas, adding, removing []int32
}

// build returns the record, or false if nothing changes.
func (c partitionChange) build() (metadata.PartitionChangeRecord, bool) {
	p := c.part
	rec := metadata.PartitionChangeRecord{
		TopicID: c.topic, Partition: p.ID,
		Leader: metadata.NoLeaderChange, LeaderRecoveryState: metadata.NoRecoveryStateChange,
	}
	tg := target{
		isr:      orCurrent(c.targetISR, p.ISR),
		replicas: orCurrent(c.targetReplicas, p.Replicas),
		adding:   orCurrent(c.targetAdding, p.AddingReplicas),
		removing: orCurrent(c.targetRemoving, p.RemovingReplicas),
	}
	tg = completeReassignment(tg)
	leader, unclean := c.elect(tg)
	if leader != p.Leader {
		rec.Leader = leader
		if unclean {
			rec.ISR = []int32{leader}
			if p.LeaderRecoveryState != metadata.Recovering {
				rec.LeaderRecoveryState = metadata.Recovering
			}
		}
	}
	if rec.Leader == metadata.NoLeaderChange && !containsAll(tg.replicas, p.Replicas) {
		rec.Leader = p.Leader // a removed replica must see a new leader epoch
	}
	if rec.ISR == nil && len(tg.isr) > 0 && !slices.Equal(tg.isr, p.ISR) {
		rec.ISR = slices.Clone(tg.isr)
	}
	if len(tg.replicas) > 0 && !slices.Equal(tg.replicas, p.Replicas) {
		rec.Replicas = slices.Clone(tg.replicas)
	}
	if !slices.Equal(tg.removing, p.RemovingReplicas) {
		rec.RemovingReplicas = append([]int32{}, tg.removing...)
	}
	if !slices.Equal(tg.adding, p.AddingReplicas) {
		rec.AddingReplicas = append([]int32{}, tg.adding...)
	}
	if c.recovery != metadata.NoRecoveryStateChange && c.recovery != p.LeaderRecoveryState &&
		rec.LeaderRecoveryState == metadata.NoRecoveryStateChange {
		rec.LeaderRecoveryState = c.recovery
	}
	if rec.Leader == metadata.NoLeaderChange && rec.ISR == nil && rec.Replicas == nil &&
		rec.AddingReplicas == nil && rec.RemovingReplicas == nil &&
		rec.LeaderRecoveryState == metadata.NoRecoveryStateChange {
		return rec, false
	}
	return rec, true
}

// completeReassignment is tg with its reassignment completed, if the ISR
// allows (Kafka's PartitionReassignmentReplicas.maybeCompleteReassignment).
func completeReassignment(tg target) target {
	if len(tg.adding) == 0 && len(tg.removing) == 0 {
		return tg
	}
	isr, replicas := tg.isr, tg.replicas
	if len(tg.removing) > 0 {
		isr = withoutAll(tg.isr, tg.removing)
		replicas = withoutAll(tg.replicas, tg.removing)
		if len(isr) == 0 || len(replicas) == 0 {
			return tg
		}
	}
	if !containsAll(isr, replicas) {
		return tg
	}
	return target{isr: isr, replicas: replicas, adding: []int32{}, removing: []int32{}}
}

// elect picks the leader for tg, reporting whether the election was
// unclean.
func (c partitionChange) elect(tg target) (int32, bool) {
	valid := func(r int32) bool { return slices.Contains(tg.isr, r) && c.acceptable(r) }
	if c.election == electPreferred && len(tg.replicas) > 0 && valid(tg.replicas[0]) {
		return tg.replicas[0], false
	}
	if c.part.Leader >= 0 && valid(c.part.Leader) {
		return c.part.Leader, false
	}
	for _, r := range tg.replicas {
		if valid(r) {
			return r, false
		}
	}
	if c.election == electUnclean {
		for _, r := range tg.replicas {
			if c.acceptable(r) {
				return r, true
			}
		}
	}
	return metadata.NoLeader, false
}

// onlineOrUnclean is the election for a topic: unclean where the topic
// allows it.
func onlineOrUnclean(unclean bool) election {
	if unclean {
		return electUnclean
	}
	return electOnline
}

// moveAway decides the changes that take broker off every partition whose
// ISR it is in (fencing, controlled shutdown): it leaves the ISR unless it
// is the last member, and loses leadership. uncleanFor reports whether a
// topic allows unclean leader election.
func moveAway(img *metadata.Image, broker int32, uncleanFor func(topic string) bool) []metadata.Record {
	acceptable := func(r int32) bool { return r != broker && usable(img, r) }
	var recs []metadata.Record
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if !slices.Contains(p.ISR, broker) {
				continue
			}
			c := partitionChange{topic: t.ID, part: p, acceptable: acceptable, election: onlineOrUnclean(uncleanFor(t.Name)),
				targetISR: without(p.ISR, broker), recovery: metadata.NoRecoveryStateChange}
			if rec, ok := c.build(); ok {
				recs = append(recs, rec)
			}
		}
	}
	return recs
}

// electLeaderless gives a leader from its ISR to every partition that has
// none, if one of its ISR is acceptable now (broker, being unfenced,
// counts as acceptable before its unfencing is replayed). Unclean
// elections of leaderless partitions are the periodic task's
// (electUncleanLeaders), as in Kafka 4.
func electLeaderless(img *metadata.Image, broker int32) []metadata.Record {
	acceptable := func(r int32) bool { return r == broker || usable(img, r) }
	var recs []metadata.Record
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if p.Leader != metadata.NoLeader {
				continue
			}
			c := partitionChange{topic: t.ID, part: p, acceptable: acceptable, election: electOnline,
				recovery: metadata.NoRecoveryStateChange}
			if rec, ok := c.build(); ok {
				recs = append(recs, rec)
			}
		}
	}
	return recs
}

// leads reports whether broker leads any partition.
func leads(img *metadata.Image, broker int32) bool {
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if p.Leader == broker {
				return true
			}
		}
	}
	return false
}

func without(s []int32, x int32) []int32 {
	out := make([]int32, 0, len(s))
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// withoutAll is s without the members of xs, in s's order.
func withoutAll(s, xs []int32) []int32 {
	out := make([]int32, 0, len(s))
	for _, v := range s {
		if !slices.Contains(xs, v) {
			out = append(out, v)
		}
	}
	return out
}

// containsAll reports whether every member of sub is in s.
func containsAll(s, sub []int32) bool {
	for _, v := range sub {
		if !slices.Contains(s, v) {
			return false
		}
	}
	return true
}

// orCurrent is target, or cur when target is nil (unchanged).
func orCurrent(target, cur []int32) []int32 {
	if target == nil {
		return cur
	}
	return target
}
