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
	from := start
	for {
		t, err := l.readTarget(start, upTo, from)
		if err != nil || t.seg == nil {
			return t.empty, err
		}
		res, found, err := t.read(l, start, maxBytes, minOneBatch)
		if err != nil || found {
			return res, err
		}
		// Nothing at or past start in that segment: go on from where the
		// next one began. Continuing by offset rather than by segment keeps
		// a read right across a compaction that merged segments meanwhile.
		from = t.next
	}
}

// readTarget is a segment to read from, with a reference taken on its file.
type readTarget struct {
	seg    *segment
	maxPos int64      // read no byte at or past this position
	next   int64      // the base of the segment after seg (the log end for the last)
	empty  ReadResult // the answer when seg is nil
}

// readTarget picks, under the lock, the segment to read start from: the one
// that holds offset from (start, or where the next segment began when the
// previous target held nothing at or past start).
func (l *Log) readTarget(start int64, upTo OffsetMetadata, from int64) (readTarget, error) {
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
	case start > upTo.Offset, from >= upTo.Offset, from >= l.mu.end.Offset:
		return empty, nil
	}
	i := l.floorSegmentLocked(from)
	if l.mu.segments[i].base > upTo.SegmentBase {
		return empty, nil
	}
	seg, next := l.mu.segments[i], l.nextBaseLocked(i)
	maxPos := seg.size()
	if seg.base == upTo.SegmentBase && upTo.Offset < next {
		// upTo is inside this segment. (When it is at the segment's end,
		// the position is not needed, and compaction may have rewritten
		// the segment since upTo was taken.)
		maxPos = min(maxPos, upTo.Position)
	}
	seg.file.retain()
	return readTarget{seg: seg, maxPos: maxPos, next: next}, nil
}

// nextBaseLocked is the base offset of the segment after the i-th, or the
// log end for the last one: every offset of the i-th segment is below it.
func (l *Log) nextBaseLocked(i int) int64 {
	if i+1 < len(l.mu.segments) {
		return l.mu.segments[i+1].base
	}
	return l.mu.end.Offset
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
