package storage

import (
	"fmt"
	"log/slog"
	"os"
)

// ReadResult is what Read found.
type ReadResult struct {
	// Slice holds whole batches; it is empty when there is nothing to read
	// below the bound. Release it when done.
	Slice FileSlice
	// FirstOffset is the base offset of the first batch in Slice, which may
	// be below the requested offset (the batch contains it); -1 when empty.
	FirstOffset int64
	// Start locates the read: the requested offset, the segment and the
	// position of the batch holding it (Kafka's fetch offset metadata).
	// SegmentBase and Position are -1 when unknown.
	Start OffsetMetadata
}

// Read returns the batches from the one containing offset start on: whole
// batches, at most maxBytes of them, or the first batch whatever its size
// when minOneBatch (KIP-74). A read never crosses a segment boundary and
// never passes upTo, the high watermark's position (on a single node,
// EndOffsetMetadata()). start == LogEndOffset() gives an empty result; a
// start outside [LogStartOffset(), LogEndOffset()] an OffsetOutOfRangeError.
func (l *Log) Read(start int64, maxBytes int, upTo OffsetMetadata, minOneBatch bool) (ReadResult, error) {
	if maxBytes < 0 {
		return ReadResult{}, fmt.Errorf("read log %s: negative max bytes %d", l.dir, maxBytes)
	}
	after := int64(-1)
	for {
		t, err := l.readTarget(start, upTo, after)
		if err != nil || t.seg == nil {
			return t.empty, err
		}
		res, found, err := t.read(l, start, maxBytes, minOneBatch)
		if err != nil || found {
			return res, err
		}
		after = t.seg.base
	}
}

// readTarget is a segment to read from, with a reference taken on its file.
type readTarget struct {
	seg    *segment
	maxPos int64      // read no byte at or past this position
	empty  ReadResult // the answer when seg is nil
}

// readTarget picks, under the lock, the segment to read start from: the one
// that holds it, or the one after `after` when that held nothing at or past
// start.
func (l *Log) readTarget(start int64, upTo OffsetMetadata, after int64) (readTarget, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return readTarget{}, ErrClosed
	}
	if start < l.mu.logStart || start > l.mu.end.Offset {
		return readTarget{}, &OffsetOutOfRangeError{Offset: start, LogStart: l.mu.logStart, LogEnd: l.mu.end.Offset}
	}
	empty := readTarget{empty: ReadResult{FirstOffset: -1, Start: OffsetMetadata{Offset: start, SegmentBase: -1, Position: -1}}}
	switch {
	case start == l.mu.end.Offset:
		empty.empty.Start = l.mu.end
		return empty, nil
	case start == upTo.Offset:
		empty.empty.Start = upTo
		return empty, nil
	case start > upTo.Offset:
		return empty, nil
	}
	i := l.floorSegmentLocked(start)
	if after >= 0 {
		i = l.segmentAfterLocked(after)
	}
	if i >= len(l.mu.segments) || l.mu.segments[i].base > upTo.SegmentBase {
		return empty, nil
	}
	seg := l.mu.segments[i]
	maxPos := seg.size()
	if seg.base == upTo.SegmentBase {
		maxPos = min(maxPos, upTo.Position)
	}
	seg.file.retain()
	return readTarget{seg: seg, maxPos: maxPos}, nil
}

// segmentAfterLocked returns the index of the first segment whose base is
// above base (len(segments) if none is).
func (l *Log) segmentAfterLocked(base int64) int {
	for i, s := range l.mu.segments {
		if s.base > base {
			return i
		}
	}
	return len(l.mu.segments)
}

// read finds the batch holding start in the target segment and slices whole
// batches from it. found is false when no batch at or past start lies below
// maxPos in this segment. The target's file reference passes to the slice
// or is released.
func (t readTarget) read(l *Log, start int64, maxBytes int, minOneBatch bool) (res ReadResult, found bool, err error) {
	seg := t.seg
	keep := false
	defer func() {
		if !keep {
			seg.file.release()
		}
	}()
	f, err := seg.file.file(false)
	if err != nil {
		return ReadResult{}, false, fmt.Errorf("read segment %d: %w", seg.base, err)
	}
	first, found, err := findBatch(seg, f, start, t.maxPos, l.logger)
	if err != nil || !found {
		return ReadResult{}, false, err
	}
	fpos := first.pos
	res = ReadResult{FirstOffset: -1, Start: OffsetMetadata{Offset: start, SegmentBase: seg.base, Position: fpos}}
	limit := fpos + int64(maxBytes)
	if minOneBatch {
		limit = max(limit, fpos+first.size)
	}
	end, err := wholeBatchesEnd(seg, f, fpos, min(limit, t.maxPos), t.maxPos, l.logger)
	if err != nil || end == fpos {
		return res, true, err
	}
	keep = true
	res.FirstOffset = first.base
	res.Slice = FileSlice{h: seg.file, f: f, pos: fpos, size: end - fpos}
	return res, true, nil
}

// batchAt locates a batch: its position, size and base offset.
type batchAt struct {
	pos, size, base int64
}

// findBatch locates the first batch in the segment whose last offset is at
// or past offset, starting from the offset index's hint and stopping at
// maxPos; found is false when there is none.
func findBatch(seg *segment, f *os.File, offset, maxPos int64, logger *slog.Logger) (b batchAt, found bool, err error) {
	var from int64
	if err := seg.withIndex(logger, func(idx *indexBuilder) { from = idx.index.lookup(offset) }); err != nil {
		return batchAt{}, false, err
	}
	sc := newHeaderScanner(f, from, maxPos)
	for {
		h, pos, ok, err := sc.next()
		if err != nil || !ok {
			return batchAt{}, false, err
		}
		if h.LastOffset() >= offset {
			return batchAt{pos: pos, size: batchSize(h), base: h.BaseOffset()}, true, nil
		}
	}
}

// wholeBatchesEnd returns the last batch boundary at or below limit, from
// fpos on. The offset index jumps close to limit; headers do the rest.
func wholeBatchesEnd(seg *segment, f *os.File, fpos, limit, maxPos int64, logger *slog.Logger) (int64, error) {
	pos := fpos
	if err := seg.withIndex(logger, func(idx *indexBuilder) {
		pos = max(pos, idx.index.floorPosition(limit))
	}); err != nil {
		return 0, err
	}
	sc := newHeaderScanner(f, pos, maxPos)
	for {
		h, at, ok, err := sc.next()
		if err != nil || !ok {
			return at, err
		}
		if at+batchSize(h) > limit {
			return at, nil
		}
	}
}
