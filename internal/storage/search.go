package storage

import (
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/spoolhq/spool/internal/record"
)

// Batches calls fn with every batch from the one containing offset from to
// the log end as it was at the call, oldest first, until fn returns an
// error (which Batches returns). The batch passed to fn is only valid during
// the call. It serves rebuilding producer state, dump tools and scans.
func (l *Log) Batches(from int64, fn func(record.Batch) error) error {
	buf := make([]byte, 0, 256<<10)
	for {
		seg, end, next, err := l.iterTarget(from)
		if err != nil || seg == nil {
			return err
		}
		err = l.iterSegment(seg, from, end, &buf, fn)
		if rerr := seg.file.release(); err == nil {
			err = rerr
		}
		if err != nil || next < 0 {
			return err
		}
		// Go on by offset, not by segment, so that a compaction merging
		// segments meanwhile neither hides batches nor repeats them.
		from = max(from, next)
	}
}

// iterTarget picks the segment holding from for Batches and takes a
// reference on it; end is its size at that moment and next the base of
// the segment after it (-1 for the last segment).
func (l *Log) iterTarget(from int64) (seg *segment, end, next int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return nil, 0, 0, ErrClosed
	}
	i := l.floorSegmentLocked(from)
	seg = l.mu.segments[i]
	next = -1
	if i+1 < len(l.mu.segments) {
		next = l.mu.segments[i+1].base
	}
	seg.file.retain()
	return seg, seg.size(), next, nil
}

// iterSegment reads seg's batches in [index hint for from, end) in chunks.
func (l *Log) iterSegment(seg *segment, from, end int64, buf *[]byte, fn func(record.Batch) error) error {
	if end == 0 {
		return nil
	}
	f, err := seg.file.file(false)
	if err != nil {
		return fmt.Errorf("read segment %d: %w", seg.base, err)
	}
	var pos int64
	if err := seg.withIndex(l.logger, func(idx *indexBuilder) { pos = idx.index.lookup(from) }); err != nil {
		return err
	}
	*buf = (*buf)[:0]
	r := segmentReader{f: f, size: end, buf: buf}
	for pos < end {
		b, err := r.batchAt(pos)
		if err == nil {
			err = checkHeader(b, end-pos)
		}
		if err != nil {
			return &CorruptionError{File: f.Name(), Pos: pos, Err: err}
		}
		if b.LastOffset() >= from {
			if err := fn(b); err != nil {
				return err
			}
		}
		pos += int64(len(b))
	}
	return nil
}

// OffsetForTimestamp finds the first batch, among those ending at or after
// both startOffset and the log start offset, whose max timestamp is at or
// above ts (ListOffsets by timestamp). The caller picks the exact record in
// it; should no record there qualify (the log start offset cuts the batch),
// it asks again from the batch's next offset. The batch is a copy. Like
// Kafka, the search looks only in the first segment whose largest timestamp
// reaches ts.
func (l *Log) OffsetForTimestamp(ts, startOffset int64) (record.Batch, bool, error) {
	return l.retryGone(func() (record.Batch, bool, error) { return l.offsetForTimestamp(ts, startOffset) })
}

func (l *Log) offsetForTimestamp(ts, startOffset int64) (record.Batch, bool, error) {
	segs, logStart, err := l.snapshot()
	if err != nil {
		return nil, false, err
	}
	startOffset = max(startOffset, logStart)
	for _, seg := range segs {
		largest, err := seg.largestTimestamp(l.logger)
		if err != nil {
			return nil, false, l.goneOr(seg, err)
		}
		if largest < ts {
			continue
		}
		var from int64
		if err := seg.withIndex(l.logger, func(idx *indexBuilder) {
			_, off := idx.time.lookup(ts)
			from = idx.index.lookup(max(off, startOffset))
		}); err != nil {
			return nil, false, l.goneOr(seg, err)
		}
		return l.copyFirst(seg, from, func(h record.Batch) bool {
			return h.MaxTimestamp() >= ts && h.LastOffset() >= startOffset
		})
	}
	return nil, false, nil
}

// MaxTimestampBatch returns (a copy of) the first batch holding the log's
// largest timestamp, for ListOffsets -3 (MAX_TIMESTAMP).
func (l *Log) MaxTimestampBatch() (record.Batch, bool, error) {
	return l.retryGone(l.maxTimestampBatch)
}

func (l *Log) maxTimestampBatch() (record.Batch, bool, error) {
	segs, _, err := l.snapshot()
	if err != nil {
		return nil, false, err
	}
	var best *segment
	bestTs, bestOff, bestPos := int64(noTimestamp-1), int64(0), int64(-1)
	for _, seg := range segs {
		if seg.size() == 0 {
			continue
		}
		ts, off, pos, err := seg.maxTimestamp(l.logger)
		if err != nil {
			return nil, false, l.goneOr(seg, err)
		}
		if ts > bestTs {
			best, bestTs, bestOff, bestPos = seg, ts, off, pos
		}
	}
	if best == nil {
		return nil, false, nil
	}
	from := bestPos
	if from < 0 {
		if err := best.withIndex(l.logger, func(idx *indexBuilder) { from = idx.index.lookup(bestOff) }); err != nil {
			return nil, false, l.goneOr(best, err)
		}
	}
	return l.copyFirst(best, from, func(h record.Batch) bool { return h.MaxTimestamp() == bestTs })
}

// snapshot copies the segment list and the log start offset.
func (l *Log) snapshot() ([]*segment, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return nil, 0, ErrClosed
	}
	return append([]*segment(nil), l.mu.segments...), l.mu.logStart, nil
}

// errSegmentGone means a search met a segment that left the log after the
// search took its snapshot (retention, or compaction swapping segments).
var errSegmentGone = errors.New("segment left the log")

// retryGone runs a search again, on a fresh snapshot, when it met a
// segment that left the log meanwhile.
func (l *Log) retryGone(search func() (record.Batch, bool, error)) (record.Batch, bool, error) {
	for attempt := 0; ; attempt++ {
		b, ok, err := search()
		if !errors.Is(err, errSegmentGone) || attempt == 3 {
			return b, ok, err
		}
	}
}

// goneOr is errSegmentGone when seg has left the log, else err.
func (l *Log) goneOr(seg *segment, err error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.isLiveLocked(seg) {
		return errSegmentGone
	}
	return err
}

// isLiveLocked reports whether seg is in the segment list.
func (l *Log) isLiveLocked(seg *segment) bool {
	segs := l.mu.segments
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base >= seg.base })
	return i < len(segs) && segs[i] == seg
}

// copyFirst scans seg's headers from position from and returns a copy of the
// first batch that match accepts.
func (l *Log) copyFirst(seg *segment, from int64, match func(h record.Batch) bool) (record.Batch, bool, error) {
	l.mu.Lock()
	if l.mu.closed {
		l.mu.Unlock()
		return nil, false, ErrClosed
	}
	if !l.isLiveLocked(seg) {
		l.mu.Unlock()
		return nil, false, errSegmentGone
	}
	seg.file.retain()
	l.mu.Unlock()
	defer seg.file.release()
	f, err := seg.file.file(false)
	if err != nil {
		return nil, false, fmt.Errorf("read segment %d: %w", seg.base, err)
	}
	sc := newHeaderScanner(f, from, seg.size())
	for {
		h, pos, ok, err := sc.next()
		if err != nil || !ok {
			return nil, false, err
		}
		if !match(h) {
			continue
		}
		b := make(record.Batch, batchSize(h))
		if _, err := f.ReadAt(b, pos); err != nil && err != io.EOF {
			return nil, false, fmt.Errorf("read segment %d: %w", seg.base, err)
		}
		return b, true, nil
	}
}
