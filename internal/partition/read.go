package partition

import (
	"errors"
	"fmt"

	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// FetchParams is one partition's part of a Fetch request.
type FetchParams struct {
	Offset             int64
	MaxBytes           int
	MinOneBatch        bool
	CurrentLeaderEpoch int32 // -1 when the client sent none
	ReadCommitted      bool
}

// ReadResult is what a fetch of one partition found. Slice must be
// released once written.
type ReadResult struct {
	Slice            *storage.FileSlice
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
}

// Bytes is the size of the records read.
func (r *ReadResult) Bytes() int {
	if r.Slice == nil {
		return 0
	}
	return r.Slice.Len()
}

// unknownOffsets is what Kafka answers a failed partition read with, an
// out-of-range offset included: the client lists offsets to learn more.
var unknownOffsets = ReadResult{HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1}

// Read reads records for a consumer, up to the high watermark.
func (p *Partition) Read(f FetchParams) (ReadResult, error) {
	if _, err := p.checkLeader(f.CurrentLeaderEpoch); err != nil {
		return unknownOffsets, err
	}
	hw := p.hw.Load()
	res := ReadResult{HighWatermark: hw.Offset, LastStableOffset: hw.Offset, LogStartOffset: p.log.LogStartOffset()}
	r, err := p.log.Read(f.Offset, f.MaxBytes, *hw, f.MinOneBatch)
	if err != nil {
		return unknownOffsets, err
	}
	if r.Slice.Len() > 0 {
		res.Slice = &r.Slice
	} else {
		r.Slice.Release()
	}
	return res, nil
}

// Special timestamps of ListOffsets.
const (
	LatestTimestamp        = -1
	EarliestTimestamp      = -2
	MaxTimestamp           = -3
	EarliestLocalTimestamp = -4
	LatestTieredTimestamp  = -5
)

// OffsetAndTimestamp answers ListOffsets for one partition; Offset -1 means
// no record matched.
type OffsetAndTimestamp struct {
	Timestamp   int64
	Offset      int64
	LeaderEpoch int32
}

var notFound = OffsetAndTimestamp{Timestamp: -1, Offset: -1, LeaderEpoch: -1}

// ListOffset finds the offset for a ListOffsets timestamp: one of the
// special values above, or the first record at or after a time.
func (p *Partition) ListOffset(timestamp int64, currentLeaderEpoch int32, readCommitted bool) (OffsetAndTimestamp, error) {
	epoch, err := p.checkLeader(currentLeaderEpoch)
	if err != nil {
		return notFound, err
	}
	fetchable := p.HighWatermark()
	if readCommitted {
		fetchable = p.LastStableOffset()
	}
	switch timestamp {
	case LatestTimestamp:
		return OffsetAndTimestamp{Timestamp: -1, Offset: fetchable, LeaderEpoch: epoch}, nil
	case EarliestTimestamp, EarliestLocalTimestamp:
		start := p.log.LogStartOffset()
		e, ok := p.log.LeaderEpochs().EpochForOffset(start)
		if !ok {
			e = -1
		}
		return OffsetAndTimestamp{Timestamp: -1, Offset: start, LeaderEpoch: e}, nil
	case LatestTieredTimestamp:
		// No tiered storage: Kafka answers "no offset".
		return notFound, nil
	case MaxTimestamp:
		return p.maxTimestampOffset(fetchable)
	}
	if timestamp < 0 {
		return notFound, fmt.Errorf("timestamp %d: %w", timestamp, ErrInvalidTimestamp)
	}
	return p.offsetForTime(timestamp, fetchable)
}

// ErrInvalidTimestamp: a negative ListOffsets timestamp with no meaning.
var ErrInvalidTimestamp = errors.New("unsupported special timestamp")

// offsetForTime finds the first record with a timestamp at or above ts and
// an offset below the fetchable bound.
func (p *Partition) offsetForTime(ts, fetchable int64) (OffsetAndTimestamp, error) {
	from := p.log.LogStartOffset()
	for {
		b, ok, err := p.log.OffsetForTimestamp(ts, from)
		if err != nil || !ok {
			return notFound, err
		}
		found, next, err := firstRecordAtOrAfter(b, ts, from)
		if err != nil {
			return notFound, err
		}
		if found.Offset >= 0 {
			if found.Offset >= fetchable {
				return notFound, nil
			}
			return found, nil
		}
		from = next
	}
}

// firstRecordAtOrAfter scans a batch for the first record at or after
// offset from with a timestamp of at least ts.
func firstRecordAtOrAfter(b record.Batch, ts, from int64) (OffsetAndTimestamp, int64, error) {
	var rd record.Reader
	defer rd.Close()
	rd.Reset(b, record.DefaultMaxDecompressedBytes)
	for rd.Next() {
		r := rd.Record()
		if r.Offset >= from && r.Timestamp >= ts {
			return OffsetAndTimestamp{Timestamp: r.Timestamp, Offset: r.Offset, LeaderEpoch: b.PartitionLeaderEpoch()}, 0, nil
		}
	}
	if err := rd.Err(); err != nil {
		return notFound, 0, fmt.Errorf("read batch at %d: %w", b.BaseOffset(), err)
	}
	return notFound, b.NextOffset(), nil
}

// maxTimestampOffset finds the record with the largest timestamp.
func (p *Partition) maxTimestampOffset(fetchable int64) (OffsetAndTimestamp, error) {
	b, ok, err := p.log.MaxTimestampBatch()
	if err != nil || !ok {
		return notFound, err
	}
	var rd record.Reader
	defer rd.Close()
	rd.Reset(b, record.DefaultMaxDecompressedBytes)
	best := notFound
	for rd.Next() {
		r := rd.Record()
		if r.Timestamp > best.Timestamp {
			best = OffsetAndTimestamp{Timestamp: r.Timestamp, Offset: r.Offset, LeaderEpoch: b.PartitionLeaderEpoch()}
		}
	}
	if err := rd.Err(); err != nil {
		return notFound, fmt.Errorf("read batch at %d: %w", b.BaseOffset(), err)
	}
	if best.Offset >= fetchable {
		return notFound, nil
	}
	return best, nil
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch: the largest epoch at or
// below epoch and the offset where it ended.
func (p *Partition) EndOffsetForEpoch(epoch, currentLeaderEpoch int32) (int32, int64, error) {
	if _, err := p.checkLeader(currentLeaderEpoch); err != nil {
		return -1, -1, err
	}
	e, end := p.log.EndOffsetForEpoch(epoch)
	return e, end, nil
}

// DeleteRecords moves the log start offset to offset (-1: the high
// watermark) and returns the new low watermark.
func (p *Partition) DeleteRecords(offset int64) (int64, error) {
	if _, err := p.checkLeader(-1); err != nil {
		return -1, err
	}
	hw := p.HighWatermark()
	if offset == -1 {
		offset = hw
	}
	if offset < 0 || offset > hw {
		return -1, fmt.Errorf("delete records before %d with high watermark %d: %w", offset, hw, ErrInvalidOffset)
	}
	start, err := p.log.DeleteRecordsBefore(offset, hw)
	if err != nil {
		return -1, fmt.Errorf("delete records of %s-%d: %w", p.topic, p.index, err)
	}
	return start, nil
}
