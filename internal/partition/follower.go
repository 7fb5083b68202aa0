package partition

import (
	"errors"
	"fmt"

	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// ErrCorruptReplicatedBatch: a batch from the leader failed its checks
// (magic, CRC); the follower fetches it again.
var ErrCorruptReplicatedBatch = errors.New("corrupt batch from the leader")

// FollowerPosition is where a follower fetches next: its log end and the
// epoch of its last batch (-1 for an empty log).
type FollowerPosition struct {
	FetchOffset      int64
	LastFetchedEpoch int32
	LogStartOffset   int64
}

// FollowerPosition returns the follower's log end and latest epoch.
func (p *Partition) FollowerPosition() FollowerPosition {
	epoch := storage.UndefinedEpoch
	if e, ok := p.log.LeaderEpochs().Latest(); ok {
		epoch = e.Epoch
	}
	return FollowerPosition{FetchOffset: p.log.LogEndOffset(), LastFetchedEpoch: epoch, LogStartOffset: p.log.LogStartOffset()}
}

// LocalEndOffsetForEpoch is OffsetForLeaderEpoch on this replica's own log,
// whatever its role: the largest epoch at or below epoch and where it ended.
func (p *Partition) LocalEndOffsetForEpoch(epoch int32) (int32, int64) {
	return p.log.EndOffsetForEpoch(epoch)
}

// FollowerAppend is what AppendAsFollower wrote.
type FollowerAppend struct {
	Batches int
	Bytes   int
	// LogEnd is the log end after the append.
	LogEnd int64
}

// AppendAsFollower appends batches fetched from the leader of leaderEpoch,
// as they are: offsets, leader epochs and producer fields as the leader
// wrote them. Each batch's framing, magic and CRC are checked (nothing
// else: the leader validated the records); a torn batch at the end is left
// for the next fetch. The leader epoch cache follows the batches, and the
// producer state is updated without sequence checks. It fails with
// ErrNotLeader if this broker is not a follower in leaderEpoch.
func (p *Partition) AppendAsFollower(records []byte, leaderEpoch int32) (FollowerAppend, error) {
	n, batches, err := checkReplicated(records)
	if err != nil {
		return FollowerAppend{}, fmt.Errorf("append to %s-%d as follower: %w", p.topic, p.index, err)
	}
	if n == 0 {
		return FollowerAppend{LogEnd: p.log.LogEndOffset()}, nil
	}
	p.mu.Lock()
	if p.mu.leader == p.nodeID || p.mu.leaderEpoch != leaderEpoch {
		p.mu.Unlock()
		return FollowerAppend{}, fmt.Errorf("append to %s-%d as follower of epoch %d: %w", p.topic, p.index, leaderEpoch, ErrNotLeader)
	}
	info, err := p.log.AppendReplicated(records[:n])
	if err != nil {
		p.mu.Unlock()
		return FollowerAppend{}, fmt.Errorf("append to %s-%d as follower: %w", p.topic, p.index, err)
	}
	for rest := records[:n]; len(rest) > 0; {
		b, after, _ := record.Peek(rest)
		p.mu.producers.Append(b) // without a producer id it only moves the state's end
		rest = after
	}
	var snapshot []byte
	if info.Rolled {
		if snapshot, err = p.mu.producers.MarshalSnapshot(info.End.Offset); err != nil {
			p.logger.Warn("encode producer snapshot failed", "err", err)
			snapshot = nil
		}
	}
	p.mu.Unlock()
	if snapshot != nil {
		if err := p.writeSnapshot(info.End.Offset, snapshot); err != nil {
			p.logger.Warn("producer snapshot at segment roll failed", "err", err)
		}
	}
	if info.FlushTo > 0 {
		if err := p.log.FlushUpTo(info.FlushTo); err != nil {
			return FollowerAppend{}, fmt.Errorf("flush %s-%d: %w", p.topic, p.index, err)
		}
	}
	return FollowerAppend{Batches: batches, Bytes: n, LogEnd: info.End.Offset}, nil
}

// checkReplicated checks the whole batches at the start of buf and returns
// their length; a torn last batch is not counted.
func checkReplicated(buf []byte) (n, batches int, err error) {
	for rest := buf; len(rest) > 0; {
		b, after, err := record.Peek(rest)
		if errors.Is(err, record.ErrShortBatch) {
			break
		}
		if err != nil {
			return 0, 0, fmt.Errorf("batch at byte %d: %w: %v", n, ErrCorruptReplicatedBatch, err)
		}
		if b.Magic() != 2 || b.CRC() != b.ComputeCRC() {
			return 0, 0, fmt.Errorf("batch at offset %d: %w: bad magic or CRC", b.BaseOffset(), ErrCorruptReplicatedBatch)
		}
		n += len(b)
		batches++
		rest = after
	}
	return n, batches, nil
}

// SetFollowerHighWatermark takes the high watermark the leader sent,
// bounded by this log's end, and the leader's log start offset, which this
// log follows once its high watermark has passed it.
func (p *Partition) SetFollowerHighWatermark(leaderHW, leaderLogStart int64) error {
	end := p.log.EndOffsetMetadata()
	hw := max(min(leaderHW, end.Offset), p.log.LogStartOffset())
	if hw != p.hw.Load().Offset {
		at, err := p.offsetMetadata(hw, end)
		if err != nil {
			return fmt.Errorf("high watermark %d of %s-%d: %w", hw, p.topic, p.index, err)
		}
		p.hw.Store(&at)
	}
	if start := min(leaderLogStart, hw); start > p.log.LogStartOffset() {
		if _, err := p.log.DeleteRecordsBefore(start, hw); err != nil {
			return fmt.Errorf("follow the leader's log start %d on %s-%d: %w", start, p.topic, p.index, err)
		}
	}
	return nil
}

// TruncateTo cuts the follower's log at offset (the end of the last epoch
// it shares with the leader): the log durably, then the producer state
// rebuilt to match and the high watermark lowered if needed.
func (p *Partition) TruncateTo(offset int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.leader == p.nodeID {
		return fmt.Errorf("truncate %s-%d: %w", p.topic, p.index, ErrIsLeader)
	}
	if _, err := p.log.TruncateTo(offset); err != nil {
		return fmt.Errorf("truncate %s-%d: %w", p.topic, p.index, err)
	}
	end := p.log.EndOffsetMetadata()
	if err := p.mu.producers.TruncateTo(p.log.Dir(), p.log.LogStartOffset(), end.Offset, p.replay); err != nil {
		return fmt.Errorf("truncate producer state of %s-%d: %w", p.topic, p.index, err)
	}
	if p.hw.Load().Offset > end.Offset {
		p.hw.Store(&end)
	}
	return nil
}

// TruncateFullyAndStartAt empties the follower's log and starts it at
// offset, the leader's log start, when the follower is too far behind.
func (p *Partition) TruncateFullyAndStartAt(offset int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.leader == p.nodeID {
		return fmt.Errorf("truncate %s-%d: %w", p.topic, p.index, ErrIsLeader)
	}
	if err := p.log.TruncateFullyAndStartAt(offset); err != nil {
		return fmt.Errorf("truncate %s-%d: %w", p.topic, p.index, err)
	}
	if err := p.mu.producers.Reset(p.log.Dir(), offset); err != nil {
		return fmt.Errorf("reset producer state of %s-%d: %w", p.topic, p.index, err)
	}
	end := p.log.EndOffsetMetadata()
	p.hw.Store(&end)
	return nil
}

// ErrIsLeader: a follower operation on the partition's leader.
var ErrIsLeader = errors.New("this broker leads the partition")
