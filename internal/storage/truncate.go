package storage

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spoolhq/spool/internal/record"
)

// TruncateTo removes everything from offset on (a follower diverging from
// its leader). The cut falls at a batch boundary: a batch that holds offset
// goes whole, so the new log end is offset or, when offset is inside a
// batch, that batch's base offset. It reports whether anything was removed.
// Readers holding a FileSlice over removed bytes get a short read.
func (l *Log) TruncateTo(offset int64) (bool, error) {
	if offset < 0 {
		return false, fmt.Errorf("truncate log %s: negative offset %d", l.dir, offset)
	}
	truncated, err := l.truncateTo(offset)
	if err != nil {
		return truncated, fmt.Errorf("truncate log %s to %d: %w", l.dir, offset, err)
	}
	return truncated, nil
}

func (l *Log) truncateTo(offset int64) (bool, error) {
	l.replaceMu.Lock()
	defer l.replaceMu.Unlock()
	seg, truncated, err := l.truncateWriteLocked(offset)
	if err != nil || !truncated {
		return truncated, err
	}
	return true, l.syncTruncation(seg)
}

// truncateWriteLocked makes the cut under writeMu. It returns the segment
// that is now active with a reference taken on its file, for
// syncTruncation.
func (l *Log) truncateWriteLocked(offset int64) (*segment, bool, error) {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.mu.closed {
		return nil, false, ErrClosed
	}
	if offset >= l.mu.end.Offset {
		// The epoch cache may still name an epoch that never got a batch.
		l.epochs.TruncateFromEnd(l.mu.end.Offset)
		return nil, false, nil
	}
	if l.mu.segments[0].base > offset {
		err := l.truncateFullyLocked(offset)
		return l.retainActiveLocked(), true, err
	}
	keep := l.floorSegmentLocked(offset) + 1
	seg := l.mu.segments[keep-1]
	if err := seg.ensureIndex(l.logger); err != nil {
		return nil, false, err
	}
	pos, newEnd, err := cutPoint(seg, offset, l)
	if err != nil {
		return nil, false, err
	}
	if err := l.cutSegmentLocked(seg, pos, newEnd); err != nil {
		return nil, false, err
	}
	err = l.dropTailLocked(keep, seg, newEnd)
	return l.retainActiveLocked(), true, err
}

func (l *Log) retainActiveLocked() *segment {
	seg := l.activeLocked()
	seg.file.retain()
	return seg
}

// syncTruncation makes a truncation durable before it returns, so that a
// crash never brings back records a follower cut off to match its leader:
// the cut segment's file, then the directory (renames of the segments
// after it), then the leader epoch checkpoint, so that the checkpoint on
// disk never names fewer epochs than the data on disk holds. It runs under
// replaceMu only; appends go on meanwhile. It drops the reference
// truncateWriteLocked took.
func (l *Log) syncTruncation(seg *segment) error {
	f, err := seg.file.file(false)
	if err == nil {
		err = f.Sync()
	} else if errors.Is(err, fs.ErrNotExist) {
		err = nil // an emptied log whose file the next append creates
	}
	if err == nil {
		err = syncDir(l.dir)
	}
	if err == nil {
		err = l.epochs.Flush()
	}
	return errors.Join(err, seg.file.release())
}

// cutPoint finds where truncating seg to offset cuts the file and what the
// log end becomes.
func cutPoint(seg *segment, offset int64, l *Log) (pos, newEnd int64, err error) {
	size := seg.size()
	seg.file.retain()
	defer seg.file.release()
	f, err := seg.file.file(false)
	if err != nil {
		return 0, 0, err
	}
	first, found, err := findBatch(seg, f, offset, size, l.logger)
	if err != nil {
		return 0, 0, err
	}
	if !found {
		return size, offset, nil // offset is in a gap after the segment's last batch
	}
	return first.pos, min(offset, first.base), nil
}

// cutSegmentLocked truncates seg's file at pos and its indexes to match.
func (l *Log) cutSegmentLocked(seg *segment, pos, newEnd int64) error {
	seg.file.retain()
	defer seg.file.release()
	f, err := seg.file.file(false)
	if err != nil {
		return err
	}
	if err := f.Truncate(pos); err != nil {
		return err
	}
	seg.mu.Lock()
	freed := seg.mu.size - pos
	seg.mu.size = pos
	seg.mu.firstTsKnown = false
	idx := seg.mu.idx
	idx.index.truncateToPosition(pos)
	idx.time.truncateToOffset(newEnd)
	idx.maxTs, idx.maxTsOffset = idx.time.last()
	idx.maxTsPos = -1
	idx.bytesSinceEntry = pos - idx.index.lastPosition()
	from := idx.index.lookup(idx.maxTsOffset)
	seg.mu.Unlock()
	l.mu.Lock()
	l.mu.size -= freed
	l.mu.Unlock()
	// Index entries stop at the last indexed batch; a later batch may
	// still hold a larger timestamp (Kafka's readLargestTimestamp).
	err = seg.scanHeaders(from, pos, func(h record.Batch, at int64) error {
		seg.mu.Lock()
		if h.MaxTimestamp() > idx.maxTs {
			idx.maxTs, idx.maxTsOffset, idx.maxTsPos = h.MaxTimestamp(), h.LastOffset(), at
		}
		seg.mu.Unlock()
		return nil
	})
	return errors.Join(err, seg.removeIndexFiles())
}

// dropTailLocked makes seg, the keep-th segment, the active one and
// retires the segments after it.
func (l *Log) dropTailLocked(keep int, seg *segment, newEnd int64) error {
	now := l.now()
	old := l.activeLocked()
	doomed := append([]*segment(nil), l.mu.segments[keep:]...)
	var freed int64
	for _, s := range doomed {
		freed += s.size()
	}
	if seg != old {
		seg.file.retain() // the log's hold on its active segment
		seg.app.created, seg.app.exists = now, true
		seg.app.jitterMs = l.jitterLocked()
	}
	seg.app.rollTsKnown = false
	size := seg.size()
	l.mu.Lock()
	l.mu.segments = l.mu.segments[:keep:keep]
	l.mu.size -= freed
	l.mu.end = OffsetMetadata{Offset: newEnd, SegmentBase: seg.base, Position: size}
	l.mu.logStart = min(l.mu.logStart, newEnd)
	l.mu.recoveryPoint = min(l.mu.recoveryPoint, newEnd)
	l.mu.truncations++
	l.mu.Unlock()
	l.epochs.TruncateFromEnd(newEnd)
	err := l.retireLocked(doomed, now)
	if seg != old {
		err = errors.Join(err, old.file.release())
	}
	l.logger.Info("truncated log", "end", newEnd, "segmentsDeleted", len(doomed))
	return err
}

// TruncateFullyAndStartAt deletes every segment and starts an empty log at
// offset, which also becomes the log start offset.
func (l *Log) TruncateFullyAndStartAt(offset int64) error {
	if offset < 0 {
		return fmt.Errorf("truncate log %s: negative offset %d", l.dir, offset)
	}
	l.replaceMu.Lock()
	l.writeMu.Lock()
	err := l.truncateFullyLocked(offset)
	l.writeMu.Unlock()
	l.replaceMu.Unlock()
	if err == nil {
		// Kafka writes the emptied epoch cache at once; the fsync waits
		// until appends are free to go on.
		err = l.epochs.Flush()
	}
	if err != nil {
		return fmt.Errorf("truncate log %s fully to %d: %w", l.dir, offset, err)
	}
	return nil
}

func (l *Log) truncateFullyLocked(offset int64) error {
	if l.mu.closed {
		return ErrClosed
	}
	now := l.now()
	old := l.activeLocked()
	doomed := l.mu.segments
	err := l.retireLocked(doomed, now)
	seg := l.newActiveLocked(offset, now)
	if _, cerr := l.activeFileLocked(seg); cerr != nil {
		// Keep the log usable: the file is created by the first append.
		err = errors.Join(err, cerr)
	}
	l.mu.Lock()
	l.mu.segments = []*segment{seg}
	l.mu.size = 0
	l.mu.end = OffsetMetadata{Offset: offset, SegmentBase: offset}
	l.mu.logStart = offset
	l.mu.recoveryPoint = min(l.mu.recoveryPoint, offset)
	l.mu.truncations++
	l.mu.Unlock()
	l.epochs.Clear()
	l.logger.Info("truncated log fully", "start", offset, "segmentsDeleted", len(doomed))
	return errors.Join(err, old.file.release())
}
