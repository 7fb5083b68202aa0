package partition

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/spoolhq/spool/internal/storage"
)

// restoreHighWatermark starts the high watermark at the checkpointed value,
// clamped to the log's range.
func (p *Partition) restoreHighWatermark(hw int64, end storage.OffsetMetadata) error {
	hw = max(hw, p.log.LogStartOffset())
	if hw >= end.Offset {
		p.hw.Store(&end)
		return nil
	}
	at, err := p.offsetMetadata(hw, end)
	if err != nil {
		return fmt.Errorf("locate high watermark %d of %s-%d: %w", hw, p.topic, p.index, err)
	}
	p.hw.Store(&at)
	return nil
}

// offsetMetadata locates offset (a batch boundary) in the log: its segment
// and the position of the batch holding it.
func (p *Partition) offsetMetadata(offset int64, end storage.OffsetMetadata) (storage.OffsetMetadata, error) {
	if offset >= end.Offset {
		return end, nil
	}
	r, err := p.log.Read(offset, 0, end, false)
	if err != nil {
		return storage.OffsetMetadata{}, err
	}
	r.Slice.Release()
	if r.Start.SegmentBase < 0 {
		return storage.OffsetMetadata{}, fmt.Errorf("offset %d not found below the log end %d", offset, end.Offset)
	}
	return r.Start, nil
}

// advanceHighWatermarkLocked moves the high watermark up to the lowest log
// end of the replicas that count (see highWatermarkCandidate), never back,
// and not at all while the ISR is below min.insync.replicas (Kafka 4). It
// reports whether it moved; the caller wakes the high watermark's waiters
// after unlocking.
func (p *Partition) advanceHighWatermarkLocked(nowMs int64) bool {
	if p.mu.leader != p.nodeID {
		return false
	}
	minISR := effectiveMinISR(p.cfg.Load().MinInsyncReplicas, len(p.mu.replicas))
	if len(p.mu.isr.committed) < minISR {
		return false
	}
	end := p.log.EndOffsetMetadata()
	cand := highWatermarkCandidate(end, p.mu.followers, &p.mu.isr, nowMs, p.maxLagMs, p.brokers)
	if cand.Offset <= p.hw.Load().Offset {
		return false
	}
	if cand.SegmentBase < 0 {
		at, err := p.offsetMetadata(cand.Offset, end)
		if err != nil {
			p.logger.Warn("cannot locate the new high watermark", "offset", cand.Offset, "err", err)
			return false
		}
		cand = at
	}
	p.hw.Store(&cand)
	return true
}

// FollowerFetch is one partition's part of a follower's Fetch request.
type FollowerFetch struct {
	ReplicaID          int32
	BrokerEpoch        int64 // ReplicaState.ReplicaEpoch, -1 when not sent
	Offset             int64 // the follower's log end
	LogStartOffset     int64 // the follower's
	CurrentLeaderEpoch int32
	LastFetchedEpoch   int32 // -1 when not sent
	MaxBytes           int
	MinOneBatch        bool
}

// FollowerReadResult is a read for a follower: records up to the log end,
// or the point where the follower's log diverges from this one.
type FollowerReadResult struct {
	ReadResult
	// Diverging, when set, is the epoch and end offset the follower must
	// truncate to (the fetch's DivergingEpoch); there are no records then.
	Diverging *EpochEndOffset
}

// EpochEndOffset is a leader epoch and the offset where it ended.
type EpochEndOffset struct {
	Epoch     int32
	EndOffset int64
}

// ErrStaleBrokerEpoch: a follower's fetch carried an older broker epoch
// than the metadata's (the follower restarted since); NOT_LEADER_OR_FOLLOWER.
var ErrStaleBrokerEpoch = fmt.Errorf("fetch from a stale broker epoch: %w", ErrNotLeader)

// ReadFollower serves a follower's fetch as Kafka's leader does: it checks
// that the follower's last fetched epoch agrees with this log (else answers
// where they diverge), reads up to the log end, records the follower's
// progress, and may advance the high watermark and propose an ISR
// expansion. The result carries the high watermark after that update.
func (p *Partition) ReadFollower(f FollowerFetch) (FollowerReadResult, error) {
	fail := FollowerReadResult{ReadResult: unknownOffsets}
	if err := p.checkFollowerFetch(f); err != nil {
		return fail, err
	}
	end := p.log.EndOffsetMetadata()
	if f.LastFetchedEpoch >= 0 {
		div, err := p.divergence(f)
		if err != nil {
			return fail, err
		}
		if div != nil {
			hw := p.HighWatermark()
			return FollowerReadResult{ReadResult: ReadResult{HighWatermark: hw, LastStableOffset: hw,
				LogStartOffset: p.log.LogStartOffset()}, Diverging: div}, nil
		}
	}
	r, err := p.log.Read(f.Offset, f.MaxBytes, end, f.MinOneBatch)
	if err != nil {
		return fail, err
	}
	change, advanced, err := p.recordFollowerFetch(f, r.Start, end.Offset)
	if err != nil {
		r.Slice.Release()
		return fail, err
	}
	if advanced {
		p.hwWatchers.notify()
	}
	if change != nil {
		p.submitISR(p, *change)
	}
	hw := p.HighWatermark()
	res := FollowerReadResult{ReadResult: ReadResult{HighWatermark: hw, LastStableOffset: hw, LogStartOffset: p.log.LogStartOffset()}}
	if r.Slice.Len() > 0 {
		res.Slice = &r.Slice
	} else {
		r.Slice.Release()
	}
	return res, nil
}

func (p *Partition) checkFollowerFetch(f FollowerFetch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkEpochLocked(f.CurrentLeaderEpoch); err != nil {
		return err
	}
	if p.mu.leader != p.nodeID {
		return ErrNotLeader
	}
	if _, ok := p.mu.followers[f.ReplicaID]; !ok {
		return fmt.Errorf("broker %d is not a follower of %s-%d: %w", f.ReplicaID, p.topic, p.index, ErrNotLeader)
	}
	return nil
}

// divergence compares the follower's last fetched epoch with this log's
// epochs (Kafka's Partition.readRecords): nil when they agree.
func (p *Partition) divergence(f FollowerFetch) (*EpochEndOffset, error) {
	epoch, endOffset := p.log.EndOffsetForEpoch(f.LastFetchedEpoch)
	if epoch == storage.UndefinedEpoch || endOffset == storage.UndefinedEpochOffset {
		return nil, &storage.OffsetOutOfRangeError{Offset: f.Offset, LogStart: p.log.LogStartOffset(), LogEnd: p.log.LogEndOffset()}
	}
	if start := p.log.LogStartOffset(); f.Offset < start {
		return nil, &storage.OffsetOutOfRangeError{Offset: f.Offset, LogStart: start, LogEnd: p.log.LogEndOffset()}
	}
	if epoch < f.LastFetchedEpoch || endOffset < f.Offset {
		return &EpochEndOffset{Epoch: epoch, EndOffset: endOffset}, nil
	}
	return nil, nil
}

// recordFollowerFetch updates the follower's state after a read at its log
// end, then the high watermark, and prepares an ISR expansion if the
// follower qualifies.
func (p *Partition) recordFollowerFetch(f FollowerFetch, at storage.OffsetMetadata, leaderLEO int64) (*ISRChange, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fs, ok := p.mu.followers[f.ReplicaID]
	if !ok || p.mu.leader != p.nodeID {
		return nil, false, ErrNotLeader // leadership changed during the read
	}
	if f.BrokerEpoch != -1 && p.brokers != nil {
		if b := p.brokers(f.ReplicaID); b.Known && b.Epoch > f.BrokerEpoch {
			return nil, false, ErrStaleBrokerEpoch
		}
	}
	nowMs := p.now().UnixMilli()
	fs.updateFetch(at, f.LogStartOffset, nowMs, leaderLEO, f.BrokerEpoch)
	change := p.maybeExpandISRLocked(f.ReplicaID, fs)
	return change, p.advanceHighWatermarkLocked(nowMs), nil
}

// maybeExpandISRLocked proposes adding a follower that has reached the high
// watermark and the start of this leader epoch (Kafka's needsExpandIsr).
func (p *Partition) maybeExpandISRLocked(id int32, fs *followerState) *ISRChange {
	if p.submitISR == nil || p.mu.isr.pending != nil || slices.Contains(p.mu.isr.committed, id) ||
		!eligible(p.brokers, id, fs.brokerEpoch) {
		return nil
	}
	if fs.leo.Offset < p.hw.Load().Offset || fs.leo.Offset < p.mu.leaderEpochStart {
		return nil
	}
	isr := append(slices.Clone(p.mu.isr.committed), id)
	p.logger.Info("expanding ISR", "from", p.mu.isr.committed, "to", isr, "follower_end", fs.leo.Offset)
	return p.proposeLocked(isr)
}

// proposeLocked records an ISR change as in flight and returns it to send.
func (p *Partition) proposeLocked(isr []int32) *ISRChange {
	c := &ISRChange{Topic: p.topic, TopicID: p.topicID, Partition: p.index,
		LeaderEpoch: p.mu.leaderEpoch, PartitionEpoch: p.mu.partitionEpoch}
	for _, id := range isr {
		epoch := int64(-1)
		if id == p.nodeID {
			if p.brokerEpoch != nil {
				epoch = p.brokerEpoch()
			}
		} else if fs := p.mu.followers[id]; fs != nil {
			epoch = fs.brokerEpoch
		}
		c.ISR = append(c.ISR, ISRMember{BrokerID: id, BrokerEpoch: epoch})
	}
	p.mu.isr.pending = c
	return c
}

// MaybeShrinkISR proposes removing the in-sync followers that have not
// caught up for replica.lag.time.max.ms (Kafka's isr-expiration task calls
// it every half of that). It reports whether it proposed a change.
func (p *Partition) MaybeShrinkISR(now time.Time) bool {
	p.mu.Lock()
	var change *ISRChange
	if p.mu.leader == p.nodeID && p.submitISR != nil {
		leo := p.log.LogEndOffset()
		if out := outOfSync(p.nodeID, p.mu.followers, &p.mu.isr, leo, now.UnixMilli(), p.maxLagMs); len(out) > 0 {
			isr := slices.DeleteFunc(slices.Clone(p.mu.isr.committed), func(id int32) bool { return slices.Contains(out, id) })
			p.logger.Info("shrinking ISR", "from", p.mu.isr.committed, "to", isr, "out_of_sync", out, "end", leo,
				"high_watermark", p.HighWatermark())
			change = p.proposeLocked(isr)
		}
	}
	p.mu.Unlock()
	if change != nil {
		p.submitISR(p, *change)
	}
	return change != nil
}

// CompleteISRChange applies the controller's answer to a proposed change:
// the partition's new committed state. An answer for a change that is no
// longer the one in flight, for another leader epoch, or older than what the
// partition knows is ignored.
func (p *Partition) CompleteISRChange(sent ISRChange, leaderEpoch, partitionEpoch int32, isr []int32) {
	p.mu.Lock()
	advanced := false
	pend := p.mu.isr.pending
	if pend != nil && pend.LeaderEpoch == sent.LeaderEpoch && pend.PartitionEpoch == sent.PartitionEpoch &&
		slices.Equal(pend.IDs(), sent.IDs()) && leaderEpoch == p.mu.leaderEpoch && partitionEpoch >= p.mu.partitionEpoch {
		p.mu.isr = isrState{committed: slices.Clone(isr)}
		p.mu.partitionEpoch = partitionEpoch
		advanced = p.advanceHighWatermarkLocked(p.now().UnixMilli())
	}
	p.mu.Unlock()
	// A shrink may let the high watermark move, and acks=all waiters check
	// the ISR size again in any case.
	if advanced || pend != nil {
		p.hwWatchers.notify()
	}
}

// FailISRChange gives up a change in flight. With reset (the controller
// did not apply it: OPERATION_NOT_ATTEMPTED, INELIGIBLE_REPLICA) the
// committed state stands and a new change may be proposed; otherwise (a
// stale leader or partition epoch) the change stays in flight until new
// metadata settles it, as Kafka does.
func (p *Partition) FailISRChange(sent ISRChange, reset bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pend := p.mu.isr.pending
	if reset && pend != nil && pend.PartitionEpoch == sent.PartitionEpoch && slices.Equal(pend.IDs(), sent.IDs()) {
		p.mu.isr.pending = nil
	}
}

// ISRInFlight reports whether an ISR change awaits the controller.
func (p *Partition) ISRInFlight() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.isr.pending != nil
}

// Committed reports whether the record at offset is committed (the high
// watermark passed it); with acks=all it then also checks that the ISR did
// not shrink below min.insync.replicas meanwhile (Kafka's
// checkEnoughReplicasReachOffset). It fails with ErrNotLeader once this
// broker stops leading.
func (p *Partition) Committed(offset int64) (bool, error) {
	if p.HighWatermark() <= offset {
		if !p.IsLeader() {
			return false, ErrNotLeader
		}
		return false, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.leader != p.nodeID {
		return false, ErrNotLeader
	}
	if len(p.mu.isr.maximal()) < effectiveMinISR(p.cfg.Load().MinInsyncReplicas, len(p.mu.replicas)) {
		return true, ErrNotEnoughReplicasAfterAppend
	}
	return true, nil
}

// ErrNotEnoughReplicasAfterAppend: acks=all records were written but the ISR
// shrank below min.insync.replicas before they committed.
var ErrNotEnoughReplicasAfterAppend = errors.New("the ISR shrank below min.insync.replicas after the append")
