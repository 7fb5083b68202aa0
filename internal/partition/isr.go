package partition

import (
	"slices"

	"github.com/spoolhq/spool/internal/storage"
)

// This file is the leader's view of its followers and of the in-sync
// replica set, as Kafka's Partition and Replica keep them. It does no I/O
// and reads no clock: times come in as arguments, so tests replay any
// interleaving with a controlled clock.

// followerState is what the leader knows of one follower, from its fetches.
type followerState struct {
	// leo is the follower's log end: the offset of its last fetch (-1 until
	// it fetches in this leader epoch), with its position in the leader's
	// log (SegmentBase -1 when not known).
	leo      storage.OffsetMetadata
	logStart int64
	// lastFetchMs and lastFetchLeaderLEO are the time of the previous fetch
	// and the leader's log end then; lastCaughtUpMs is the last time the
	// follower had everything the leader had.
	lastFetchMs        int64
	lastFetchLeaderLEO int64
	lastCaughtUpMs     int64
	// brokerEpoch is the epoch the follower's fetches carry (-1: none).
	brokerEpoch int64
}

var unknownOffset = storage.OffsetMetadata{Offset: -1, SegmentBase: -1, Position: -1}

// newFollowerState is a follower's state when this broker becomes leader:
// nothing is known of its log, and a follower the metadata says is in sync
// counts as caught up now, so it is not dropped before it can fetch.
func newFollowerState(nowMs, leaderLEO int64, inSync bool) *followerState {
	f := &followerState{leo: unknownOffset, logStart: -1, lastFetchLeaderLEO: leaderLEO, brokerEpoch: -1}
	if inSync {
		f.lastCaughtUpMs = nowMs
	}
	return f
}

// updateFetch records a fetch at offset fetched (the follower's log end)
// received at nowMs, when the leader's log ended at leaderLEO. A follower
// that asked for everything the leader had is caught up now; one that asked
// for everything the leader had at its previous fetch was caught up then
// (so a follower chasing a busy leader stays in sync).
func (f *followerState) updateFetch(fetched storage.OffsetMetadata, logStart, nowMs, leaderLEO, brokerEpoch int64) {
	switch {
	case fetched.Offset >= leaderLEO:
		f.lastCaughtUpMs = max(f.lastCaughtUpMs, nowMs)
	case fetched.Offset >= f.lastFetchLeaderLEO:
		f.lastCaughtUpMs = max(f.lastCaughtUpMs, f.lastFetchMs)
	}
	f.leo, f.logStart = fetched, logStart
	f.lastFetchMs, f.lastFetchLeaderLEO = nowMs, leaderLEO
	f.brokerEpoch = brokerEpoch
}

// caughtUp: the follower has the leader's log end, or had it within maxLagMs.
func (f *followerState) caughtUp(leaderLEO, nowMs, maxLagMs int64) bool {
	return f.leo.Offset == leaderLEO || nowMs-f.lastCaughtUpMs <= maxLagMs
}

// ISRMember is one replica of a proposed ISR with the broker epoch its
// fetches carried (-1 when unknown), so the controller can refuse a member
// that restarted meanwhile (KIP-903).
type ISRMember struct {
	BrokerID    int32
	BrokerEpoch int64
}

// ISRChange is an ISR the leader proposes to the controller (AlterPartition):
// valid only against the partition's current leader and partition epochs.
type ISRChange struct {
	Topic          string
	TopicID        [16]byte
	Partition      int32
	LeaderEpoch    int32
	PartitionEpoch int32
	ISR            []ISRMember
}

// IDs are the proposed ISR's broker ids.
func (c *ISRChange) IDs() []int32 {
	ids := make([]int32, len(c.ISR))
	for i, m := range c.ISR {
		ids[i] = m.BrokerID
	}
	return ids
}

// isrState is the committed ISR and the change in flight, if any. While a
// change is in flight no other is proposed, and the high watermark and
// acks=all count the "maximal" ISR, committed ∪ proposed (KIP-497): a
// shrink counts only once committed, an expansion at once, which is the
// safe side of both.
type isrState struct {
	committed []int32
	pending   *ISRChange
}

func (s *isrState) maximal() []int32 {
	if s.pending == nil {
		return s.committed
	}
	out := slices.Clone(s.committed)
	for _, m := range s.pending.ISR {
		if !slices.Contains(out, m.BrokerID) {
			out = append(out, m.BrokerID)
		}
	}
	return out
}

func (s *isrState) inMaximal(id int32) bool {
	if slices.Contains(s.committed, id) {
		return true
	}
	if s.pending != nil {
		for _, m := range s.pending.ISR {
			if m.BrokerID == id {
				return true
			}
		}
	}
	return false
}

// BrokerStatus is what the metadata says of a broker, for ISR eligibility.
type BrokerStatus struct {
	Known        bool // registered
	Fenced       bool
	ShuttingDown bool // in controlled shutdown
	Epoch        int64
}

// BrokerView looks a broker up in the current metadata.
type BrokerView func(id int32) BrokerStatus

// eligible is Kafka's isReplicaIsrEligible: a follower may join the ISR if
// its broker is registered, not fenced, not shutting down, and its fetches
// carry the registered broker epoch (or none).
func eligible(view BrokerView, id int32, fetchEpoch int64) bool {
	if view == nil {
		return true
	}
	b := view(id)
	return b.Known && !b.Fenced && !b.ShuttingDown && (fetchEpoch == -1 || fetchEpoch == b.Epoch)
}

// highWatermarkCandidate is Kafka's maybeIncrementLeaderHW rule: the lowest
// log end among the replicas of the maximal ISR and the followers that are
// caught up and eligible but not in it yet (so a follower about to join is
// not left behind by the high watermark it must reach to join).
func highWatermarkCandidate(leaderEnd storage.OffsetMetadata, followers map[int32]*followerState, isr *isrState,
	nowMs, maxLagMs int64, view BrokerView) storage.OffsetMetadata {
	hw := leaderEnd
	for id, f := range followers {
		if f.leo.Offset >= hw.Offset {
			continue
		}
		if isr.inMaximal(id) || (f.caughtUp(leaderEnd.Offset, nowMs, maxLagMs) && eligible(view, id, f.brokerEpoch)) {
			hw = f.leo
		}
	}
	return hw
}

// outOfSync lists the committed ISR's followers that have not been caught
// up for more than maxLagMs (Kafka's getOutOfSyncReplicas); none while a
// change is in flight.
func outOfSync(self int32, followers map[int32]*followerState, isr *isrState, leaderLEO, nowMs, maxLagMs int64) []int32 {
	if isr.pending != nil {
		return nil
	}
	var out []int32
	for _, id := range isr.committed {
		if id == self {
			continue
		}
		f := followers[id]
		if f == nil || !f.caughtUp(leaderLEO, nowMs, maxLagMs) {
			out = append(out, id)
		}
	}
	return out
}

// effectiveMinISR is min.insync.replicas capped by the replication factor,
// as Kafka 4 counts it.
func effectiveMinISR(minISR int32, replicas int) int {
	return min(int(minISR), max(replicas, 1))
}
