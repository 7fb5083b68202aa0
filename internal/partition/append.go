package partition

import (
	"fmt"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/record"
)

// AppendResult describes records a producer appended.
type AppendResult struct {
	BaseOffset int64
	LastOffset int64
	// LogAppendTime is the broker's timestamp for LogAppendTime topics, -1
	// otherwise.
	LogAppendTime  int64
	LogStartOffset int64
	// Records and Bytes count what was appended (zero for a duplicate).
	Records int
	Bytes   int
	// Duplicate says the batch was a retry of one already in the log; the
	// offsets are the original's.
	Duplicate bool
}

// AppendOptions qualify a producer's append.
type AppendOptions struct {
	// Acks is the request's acks: -1 (all), 0 or 1.
	Acks int16
	// DenyZstd refuses zstd batches (Produce below v7).
	DenyZstd bool
	// FenceEpoch makes the append fail with ErrNotLeader unless this broker
	// leads in LeaderEpoch: a coordinator writes only in the epoch it
	// loaded its state in.
	FenceEpoch  bool
	LeaderEpoch int32
}

// AppendRecords validates one partition's records from a Produce request and
// appends them as the leader. The record bytes are changed in place (offsets,
// leader epoch, and timestamps for LogAppendTime topics) and not retained.
func (p *Partition) AppendRecords(records []byte, o AppendOptions) (AppendResult, error) {
	cfg := p.cfg.Load()
	now := p.now().UnixMilli()
	batch, err := record.Validate(records, validationPolicy(cfg, now, o.DenyZstd))
	if err != nil {
		return AppendResult{}, err
	}
	if codec, level, keep := targetCodec(cfg); !keep && batch.Codec() != codec {
		if batch, err = p.recompress(batch, codec, level, cfg.MaxMessageBytes); err != nil {
			return AppendResult{}, err
		}
	}
	res, snapshot, flushTo, advanced, err := p.appendLeader(batch, o, cfg.MinInsyncReplicas, now)
	if err != nil {
		return AppendResult{}, err
	}
	if snapshot != nil {
		if err := p.writeSnapshot(res.BaseOffset, snapshot); err != nil {
			p.logger.Warn("producer snapshot at segment roll failed", "err", err)
		}
	}
	if !res.Duplicate {
		p.endWatchers.notify()
	}
	if advanced {
		p.hwWatchers.notify()
	}
	if flushTo > 0 {
		if err := p.log.FlushUpTo(flushTo); err != nil {
			return AppendResult{}, fmt.Errorf("flush %s-%d: %w", p.topic, p.index, err)
		}
	}
	if cfg.MessageTimestampType == config.LogAppendTime && !res.Duplicate {
		res.LogAppendTime = now
	}
	return res, nil
}

func (p *Partition) recompress(b record.Batch, codec record.Codec, level int, maxMessageBytes int32) (record.Batch, error) {
	out, err := record.Recompress(b, codec, level, record.DefaultMaxDecompressedBytes)
	if err != nil {
		return nil, err
	}
	if len(out) > int(maxMessageBytes) {
		return nil, fmt.Errorf("batch of %d bytes after re-compression to %v exceeds max.message.bytes %d: %w",
			len(out), codec, maxMessageBytes, record.ErrMessageTooLarge)
	}
	return out, nil
}

// appendLeader does the ordered part of an append under the partition lock:
// producer checks, offset assignment, the write, the high watermark. When the
// write rolled a segment it returns the producer snapshot to write at the new
// segment's base, the offset the flush policy wants flushed, and whether
// the high watermark moved.
func (p *Partition) appendLeader(b record.Batch, o AppendOptions, minISR int32, now int64) (res AppendResult, snapshot []byte, flushTo int64, advanced bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.leader != p.nodeID || (o.FenceEpoch && p.mu.leaderEpoch != o.LeaderEpoch) {
		return res, nil, 0, false, ErrNotLeader
	}
	if o.Acks == -1 && len(p.mu.isr.committed) < effectiveMinISR(minISR, len(p.mu.replicas)) {
		return res, nil, 0, false, ErrNotEnoughReplicas
	}
	res.LogAppendTime = -1
	if b.ProducerID() >= 0 {
		dup, err := p.mu.producers.Check(b)
		if err != nil {
			return res, nil, 0, false, err
		}
		if dup != nil {
			// Kafka answers a retry with the original's offsets and its
			// stored timestamp as the append time.
			res.BaseOffset, res.LastOffset, res.Duplicate = dup.FirstOffset, dup.LastOffset, true
			res.LogAppendTime = dup.MaxTimestamp
			res.LogStartOffset = p.log.LogStartOffset()
			return res, nil, 0, false, nil
		}
	}
	base := p.log.LogEndOffset()
	b.SetBaseOffset(base)
	b.SetPartitionLeaderEpoch(p.mu.leaderEpoch)
	info, err := p.log.Append(b)
	if err != nil {
		return res, nil, 0, false, fmt.Errorf("append to %s-%d: %w", p.topic, p.index, err)
	}
	if info.Rolled {
		// The snapshot at the new segment's base holds the state before
		// this batch.
		if snapshot, err = p.mu.producers.MarshalSnapshot(base); err != nil {
			p.logger.Warn("encode producer snapshot failed", "err", err)
			snapshot = nil
		}
	}
	if b.ProducerID() >= 0 {
		p.mu.producers.Append(b)
	}
	advanced = p.advanceHighWatermarkLocked(now)
	res.BaseOffset, res.LastOffset = info.FirstOffset, info.LastOffset
	res.LogStartOffset = p.log.LogStartOffset()
	res.Records, res.Bytes = int(b.NumRecords()), len(b)
	return res, snapshot, info.FlushTo, advanced, nil
}
