package storage

import (
	"errors"
	"fmt"
	"os"
)

// Flush fsyncs everything appended so far; see FlushUpTo.
func (l *Log) Flush() error {
	return l.FlushUpTo(l.LogEndOffset())
}

// FlushUpTo fsyncs the segments that hold offsets below offset (and any
// index files written for them, the directory when files were created, the
// leader epoch checkpoint), then moves the recovery point to offset. It
// holds no lock that appends or reads take while it waits for the disk, so
// appends go on during the fsync.
func (l *Log) FlushUpTo(offset int64) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	segs, offset, gen, dirDirty, err := l.flushTargets(offset)
	if err != nil || segs == nil {
		return err
	}
	err = l.syncSegments(segs)
	if err == nil && dirDirty {
		err = syncDir(l.dir)
	}
	if err == nil {
		err = l.epochs.Flush()
	}
	if err != nil {
		l.mu.Lock()
		l.mu.dirDirty = l.mu.dirDirty || dirDirty
		l.mu.Unlock()
		return fmt.Errorf("flush log %s: %w", l.dir, err)
	}
	l.markFlushed(offset, gen)
	return nil
}

// markFlushed moves the recovery point to offset after a flush that began
// at truncation generation gen. A truncation during the fsync may have
// removed what was flushed; then the old recovery point stands (truncation
// lowered it if needed).
func (l *Log) markFlushed(offset int64, gen uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if gen == l.mu.truncations && offset > l.mu.recoveryPoint && offset <= l.mu.end.Offset {
		l.mu.recoveryPoint = offset
	}
	l.mu.lastFlush = l.now()
}

// flushTargets picks, under the lock, the segments with data in
// [recovery point, offset) and takes a reference on each.
func (l *Log) flushTargets(offset int64) (segs []*segment, to int64, gen uint64, dirDirty bool, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return nil, 0, 0, false, ErrClosed
	}
	to = min(offset, l.mu.end.Offset)
	if to <= l.mu.recoveryPoint {
		return nil, to, 0, false, nil
	}
	first, last := l.floorSegmentLocked(l.mu.recoveryPoint), l.floorSegmentLocked(to-1)
	segs = make([]*segment, 0, last-first+1)
	for _, s := range l.mu.segments[first : last+1] {
		if s.size() > 0 {
			s.file.retain()
			segs = append(segs, s)
		}
	}
	dirDirty, l.mu.dirDirty = l.mu.dirDirty, false
	return segs, to, l.mu.truncations, dirDirty, nil
}

// syncSegments fsyncs each segment's .log and new index files and drops the
// references flushTargets took.
func (l *Log) syncSegments(segs []*segment) error {
	var errs []error
	for _, s := range segs {
		f, err := s.file.file(false)
		if err == nil {
			err = f.Sync()
		}
		if err == nil {
			err = s.syncIndexFiles()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("sync segment %d: %w", s.base, err))
		}
		if err := s.file.release(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close writes the active segment's indexes and the leader epoch checkpoint
// and releases the log's files; it does not fsync the data (call Flush
// first, or use FlushAndClose). Reads holding a FileSlice keep their file
// open until they release it.
func (l *Log) Close() error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	return l.closeLocked()
}

func (l *Log) closeLocked() error {
	if l.mu.closed {
		return ErrClosed
	}
	active := l.activeLocked()
	errs := []error{active.writeIndexFiles(), l.trimPreallocationLocked(active), l.epochs.Flush()}
	l.mu.Lock()
	l.mu.closed = true
	pending := l.mu.pending
	l.mu.pending = nil
	l.mu.Unlock()
	for _, p := range pending {
		errs = append(errs, p.seg.removeDeleted())
	}
	errs = append(errs, active.file.release())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close log %s: %w", l.dir, err)
	}
	return nil
}

// FlushAndClose is the clean shutdown of one log: everything is fsynced,
// the indexes included, so that the next open may trust the files. It
// returns the final log end offset, which is also the recovery point.
func (l *Log) FlushAndClose() (int64, error) {
	// Holding writeMu across the fsync is fine here: the log is going away
	// and no append may slip in between the flush and the close.
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.mu.closed {
		return 0, ErrClosed
	}
	end := l.mu.end.Offset
	if err := l.FlushUpTo(end); err != nil {
		return 0, err
	}
	active := l.activeLocked()
	if err := l.closeLocked(); err != nil {
		return 0, err
	}
	if err := active.syncIndexFiles(); err != nil {
		return 0, fmt.Errorf("close log %s: %w", l.dir, err)
	}
	if err := syncDir(l.dir); err != nil {
		return 0, fmt.Errorf("close log %s: %w", l.dir, err)
	}
	return end, nil
}

// syncDir fsyncs a directory so that renames and new files in it last.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}
