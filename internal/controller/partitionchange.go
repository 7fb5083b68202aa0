package controller

import (
	"slices"

	"github.com/spoolhq/spool/internal/metadata"
)

// partitionChange decides how one partition changes when its ISR should
// become targetISR and its leader may have to move, the way Kafka's
// PartitionChangeBuilder does for a cluster without eligible leader
// replicas (KIP-966 off):
//
//   - the current leader stays if it is in the target ISR and acceptable;
//     otherwise the first replica (in replica order) that is both becomes
//     leader; if none is, an unclean election (when enabled) takes the first
//     acceptable replica, sets the ISR to it alone and marks the leader
//     RECOVERING; failing that the partition has no leader (-1);
//   - the ISR never becomes empty: a target ISR without members keeps the
//     current one (the last member stays, though it cannot lead);
//   - replaying the record bumps the partition epoch, and the leader epoch
//     when the leader field is set (metadata.version 4.0 bumps no epoch for a
//     shrink alone).
type partitionChange struct {
	topic      metadata.TopicID
	part       *metadata.Partition
	targetISR  []int32
	acceptable func(broker int32) bool
	unclean    bool
	// recovery, when not NoRecoveryStateChange, is the leader recovery
	// state the change asks for (AlterPartition).
	recovery int8
}

// build returns the record, or false if nothing changes.
func (c partitionChange) build() (metadata.PartitionChangeRecord, bool) {
	p := c.part
	rec := metadata.PartitionChangeRecord{
		TopicID: c.topic, Partition: p.ID,
		Leader: metadata.NoLeaderChange, LeaderRecoveryState: metadata.NoRecoveryStateChange,
	}
	leader, unclean := c.elect()
	isrSet := false
	if leader != p.Leader {
		rec.Leader = leader
		if unclean {
			rec.ISR, isrSet = []int32{leader}, true
			if p.LeaderRecoveryState != metadata.Recovering {
				rec.LeaderRecoveryState = metadata.Recovering
			}
		}
	}
	if !isrSet && len(c.targetISR) > 0 && !slices.Equal(c.targetISR, p.ISR) {
		rec.ISR = slices.Clone(c.targetISR)
	}
	if c.recovery != metadata.NoRecoveryStateChange && c.recovery != p.LeaderRecoveryState &&
		rec.LeaderRecoveryState == metadata.NoRecoveryStateChange {
		rec.LeaderRecoveryState = c.recovery
	}
	if rec.Leader == metadata.NoLeaderChange && rec.ISR == nil && rec.LeaderRecoveryState == metadata.NoRecoveryStateChange {
		return rec, false
	}
	return rec, true
}

// elect picks the leader, reporting whether the election was unclean.
func (c partitionChange) elect() (int32, bool) {
	valid := func(r int32) bool { return slices.Contains(c.targetISR, r) && c.acceptable(r) }
	if c.part.Leader >= 0 && valid(c.part.Leader) {
		return c.part.Leader, false
	}
	for _, r := range c.part.Replicas {
		if valid(r) {
			return r, false
		}
	}
	if c.unclean {
		for _, r := range c.part.Replicas {
			if c.acceptable(r) {
				return r, true
			}
		}
	}
	return metadata.NoLeader, false
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
			c := partitionChange{topic: t.ID, part: p, acceptable: acceptable, unclean: uncleanFor(t.Name),
				targetISR: without(p.ISR, broker), recovery: metadata.NoRecoveryStateChange}
			if rec, ok := c.build(); ok {
				recs = append(recs, rec)
			}
		}
	}
	return recs
}

// electLeaderless gives a leader to every partition that has none, if one
// of its ISR is acceptable now (broker, being unfenced, counts as
// acceptable before its unfencing is replayed).
func electLeaderless(img *metadata.Image, broker int32, uncleanFor func(topic string) bool) []metadata.Record {
	acceptable := func(r int32) bool { return r == broker || usable(img, r) }
	var recs []metadata.Record
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if p.Leader != metadata.NoLeader {
				continue
			}
			c := partitionChange{topic: t.ID, part: p, acceptable: acceptable, unclean: uncleanFor(t.Name),
				targetISR: p.ISR, recovery: metadata.NoRecoveryStateChange}
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
