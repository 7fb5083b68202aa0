package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/spoolhq/spool/internal/record"
)

// recoveryChunk is how much of a segment recovery reads at a time; a batch
// larger than this gets a buffer of its own size.
const recoveryChunk = 1 << 20

// recover validates the segments from the one holding the recovery point
// on. The first segment with a bad or torn batch is cut there and every
// later segment is deleted. Empty segments at the end go too (except the
// first recovered one), so the log end is the offset after the last valid
// batch. It returns the segments left and the log end.
func (l *Log) recover(segs []*segment, recoveryPoint int64) ([]*segment, int64, error) {
	first := 0
	for i, s := range segs {
		if s.base <= recoveryPoint {
			first = i
		}
	}
	var ends []int64 // ends[i] is the log end after segs[first+i]
	buf := make([]byte, recoveryChunk)
	for i := first; i < len(segs); i++ {
		next, truncated, err := l.recoverSegment(segs[i], &buf)
		if err != nil {
			return nil, 0, err
		}
		ends = append(ends, next)
		if truncated > 0 && i+1 < len(segs) {
			rest := segs[i+1:]
			l.logger.Warn("deleting the segments after a corrupt one", "from", rest[0].base, "count", len(rest))
			if err := removeSegments(rest); err != nil {
				return nil, 0, err
			}
			segs = segs[:i+1]
			break
		}
	}
	for len(segs)-1 > first && segs[len(segs)-1].size() == 0 {
		empty := segs[len(segs)-1]
		l.logger.Info("removing an empty trailing segment", "segment", empty.path(logSuffix))
		if err := removeSegments([]*segment{empty}); err != nil {
			return nil, 0, err
		}
		segs, ends = segs[:len(segs)-1], ends[:len(ends)-1]
	}
	for _, s := range segs[first : len(segs)-1] {
		if err := s.writeIndexFiles(); err != nil {
			return nil, 0, err
		}
	}
	return segs, ends[len(ends)-1], nil
}

// recoverSegment reads every batch of seg, checking it and rebuilding the
// indexes (and the leader epoch cache) from it. At the first batch that is
// torn or fails a check the file is truncated, and the truncation reported.
// It returns the offset after the last valid batch and the bytes cut off.
func (l *Log) recoverSegment(seg *segment, buf *[]byte) (end, truncated int64, err error) {
	seg.file.retain()
	defer seg.file.release()
	f, err := seg.file.file(false)
	if err != nil {
		return 0, 0, fmt.Errorf("recover segment %d: %w", seg.base, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, fmt.Errorf("recover segment %d: %w", seg.base, err)
	}
	size := fi.Size()
	*buf = (*buf)[:0]
	r := segmentReader{f: f, size: size, buf: buf}
	idx := newIndexBuilder(seg.base, seg.interval)
	end = seg.base
	var pos int64
	var bad error
	for pos < size {
		b, err := r.batchAt(pos)
		if err == nil {
			err = checkBatch(b, seg.base, end)
		}
		if err != nil {
			if !errors.As(err, new(*invalidBatch)) {
				return 0, 0, fmt.Errorf("recover segment %d: %w", seg.base, err)
			}
			bad = err
			break
		}
		idx.observe(pos, int64(len(b)), b.LastOffset(), b.MaxTimestamp())
		if e := b.PartitionLeaderEpoch(); e >= 0 {
			l.epochs.observe(e, b.BaseOffset())
		}
		end = b.NextOffset()
		pos += int64(len(b))
	}
	if bad != nil {
		l.logger.Warn("truncating an invalid segment tail", "error", &CorruptionError{File: f.Name(), Pos: pos, Err: bad},
			"bytes", size-pos, "keptEnd", end)
		if err := f.Truncate(pos); err != nil {
			return 0, 0, fmt.Errorf("truncate segment %d: %w", seg.base, err)
		}
	}
	idx.time.maybeAppend(idx.maxTs, idx.maxTsOffset)
	seg.mu.Lock()
	seg.mu.size = pos
	seg.mu.idx = idx
	seg.mu.dirty = true
	seg.mu.Unlock()
	return end, size - pos, nil
}

// invalidBatch marks a batch that recovery cuts off, as opposed to an I/O
// error that stops the open.
type invalidBatch struct{ msg string }

func (e *invalidBatch) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &invalidBatch{msg: fmt.Sprintf(format, args...)}
}

// checkBatch is recovery's validation of one stored batch: v2 magic, CRC,
// offsets inside the segment and after the previous batch (next is the
// offset after it).
func checkBatch(b record.Batch, base, next int64) error {
	switch {
	case b.Magic() != 2:
		return invalid("batch magic %d is not 2", b.Magic())
	case b.CRC() != b.ComputeCRC():
		return invalid("batch CRC %08x does not match the computed %08x", b.CRC(), b.ComputeCRC())
	case b.LastOffsetDelta() < 0:
		return invalid("batch last offset delta %d is negative", b.LastOffsetDelta())
	case b.BaseOffset() < next:
		return invalid("batch base offset %d is below the expected %d", b.BaseOffset(), next)
	case b.LastOffset()-base > math.MaxInt32 || b.LastOffset() < b.BaseOffset():
		return invalid("batch last offset %d does not fit segment %d", b.LastOffset(), base)
	}
	return nil
}

// segmentReader reads whole batches of a file through a large buffer.
type segmentReader struct {
	f    io.ReaderAt
	size int64
	buf  *[]byte
	at   int64 // the buffer holds the file's bytes [at, at+len(*buf))
}

// batchAt returns the whole batch at pos, or an invalidBatch error when the
// bytes there cannot be one (torn, or a nonsense length).
func (r *segmentReader) batchAt(pos int64) (record.Batch, error) {
	if err := r.ensure(pos, record.LogOverhead); err != nil {
		return nil, err
	}
	length := int32(binary.BigEndian.Uint32((*r.buf)[pos-r.at+8:]))
	need := int64(length) + record.LogOverhead
	switch {
	case need < record.HeaderSize:
		return nil, invalid("batch length %d is below the header size", length)
	case pos+need > r.size:
		return nil, invalid("batch of %d bytes runs past the end of the file (%d bytes left)", need, r.size-pos)
	}
	if err := r.ensure(pos, need); err != nil {
		return nil, err
	}
	start := pos - r.at
	return record.Batch((*r.buf)[start : start+need : start+need]), nil
}

// ensure makes the buffer hold at least want bytes from pos, reading from
// pos when it does not.
func (r *segmentReader) ensure(pos, want int64) error {
	if pos >= r.at && pos+want <= r.at+int64(len(*r.buf)) {
		return nil
	}
	left := r.size - pos
	if left < want {
		return invalid("the file ends %d bytes after the last batch", left)
	}
	if int64(cap(*r.buf)) < want {
		*r.buf = make([]byte, want)
	}
	n := min(int64(cap(*r.buf)), left)
	*r.buf = (*r.buf)[:n]
	if _, err := r.f.ReadAt(*r.buf, pos); err != nil {
		*r.buf = (*r.buf)[:0]
		if errors.Is(err, io.EOF) {
			return invalid("the file ends inside a batch")
		}
		return err
	}
	r.at = pos
	return nil
}
