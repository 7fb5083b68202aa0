package storage

import (
	"errors"
	"fmt"
	"time"
)

// ApplyRetention deletes whole segments, oldest first, that the log start
// offset has passed, then (with cleanup.policy delete) those past
// retention.bytes and those whose newest timestamp is older than
// retention.ms. No segment holding offsets at or above highWatermark goes.
// When every segment must go, the active one is rolled first so that the
// log keeps an (empty) active segment. The log start offset moves to the
// first remaining segment. It also removes deleted files whose
// file.delete.delay.ms has passed. It returns how many segments it deleted.
func (l *Log) ApplyRetention(now time.Time, highWatermark int64) (int, error) {
	l.replaceMu.Lock()
	defer l.replaceMu.Unlock()
	// Loading old segments' time indexes is I/O; do it before taking the
	// lock that appends need.
	if err := l.loadTimestamps(); err != nil {
		return 0, fmt.Errorf("apply retention to log %s: %w", l.dir, err)
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.mu.closed {
		return 0, ErrClosed
	}
	purgeErr := l.purgeDueLocked(now)
	n, err := l.deleteLogStartBreachedLocked(now, highWatermark)
	if err == nil && l.cfg.deleteEnabled() {
		var m int
		m, err = l.deleteOldSegmentsLocked(now, highWatermark, "retention.bytes", l.sizeBreachLocked())
		n += m
		if err == nil {
			m, err = l.deleteOldSegmentsLocked(now, highWatermark, "retention.ms", l.timeBreach(now))
			n += m
		}
	}
	if err = errors.Join(err, purgeErr); err != nil {
		return n, fmt.Errorf("apply retention to log %s: %w", l.dir, err)
	}
	return n, nil
}

func (l *Log) loadTimestamps() error {
	l.mu.Lock()
	segs := append([]*segment(nil), l.mu.segments...)
	l.mu.Unlock()
	for _, s := range segs {
		if _, _, _, err := s.maxTimestamp(l.logger); err != nil {
			return err
		}
	}
	return nil
}

// DeleteRecordsBefore moves the log start offset up to offset (DeleteRecords)
// and deletes the segments wholly below it. The offset may not pass the
// high watermark or the log end. It returns the new log start offset.
func (l *Log) DeleteRecordsBefore(offset, highWatermark int64) (int64, error) {
	l.replaceMu.Lock()
	defer l.replaceMu.Unlock()
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.mu.closed {
		return 0, ErrClosed
	}
	if offset < 0 || offset > highWatermark || offset > l.mu.end.Offset {
		return 0, &OffsetOutOfRangeError{Offset: offset, LogStart: l.mu.logStart, LogEnd: min(highWatermark, l.mu.end.Offset)}
	}
	l.raiseLogStartLocked(offset)
	if _, err := l.deleteLogStartBreachedLocked(l.now(), highWatermark); err != nil {
		return 0, fmt.Errorf("delete records of log %s: %w", l.dir, err)
	}
	return l.mu.logStart, nil
}

// raiseLogStartLocked moves the log start offset up (never down).
func (l *Log) raiseLogStartLocked(offset int64) {
	l.mu.Lock()
	raised := offset > l.mu.logStart
	if raised {
		l.mu.logStart = offset
	}
	l.mu.Unlock()
	if raised {
		l.epochs.TruncateFromStart(offset)
	}
}

// deletePredicate says whether a segment may go; next is the segment after
// it, nil for the active one.
type deletePredicate func(seg, next *segment) (bool, error)

func (l *Log) deleteLogStartBreachedLocked(now time.Time, hw int64) (int, error) {
	breached := func(_, next *segment) (bool, error) {
		return next != nil && next.base <= l.mu.logStart, nil
	}
	return l.deleteOldSegmentsLocked(now, hw, "log start offset", breached)
}

// sizeBreachLocked deletes oldest segments while what stays is at least
// retention.bytes (Kafka's deleteRetentionSizeBreachedSegments).
func (l *Log) sizeBreachLocked() deletePredicate {
	limit := l.cfg.RetentionBytes
	diff := l.mu.size - limit
	return func(seg, _ *segment) (bool, error) {
		if limit < 0 || diff < 0 {
			return false, nil
		}
		size := seg.size()
		if diff-size < 0 {
			return false, nil
		}
		diff -= size
		return true, nil
	}
}

// timeBreach deletes segments whose newest timestamp (or file mtime when
// no batch has one) is more than retention.ms before now.
func (l *Log) timeBreach(now time.Time) deletePredicate {
	retention := l.cfg.RetentionMs
	return func(seg, _ *segment) (bool, error) {
		if retention < 0 {
			return false, nil
		}
		ts, err := seg.largestTimestamp(l.logger)
		return now.UnixMilli()-ts > retention, err
	}
}

// deleteOldSegmentsLocked deletes the longest run of oldest segments that
// pred accepts and that end at or below hw; an empty active segment stays.
func (l *Log) deleteOldSegmentsLocked(now time.Time, hw int64, reason string, pred deletePredicate) (int, error) {
	segs := l.mu.segments
	var n int
	for i, seg := range segs {
		var next *segment
		upper := l.mu.end.Offset
		if i+1 < len(segs) {
			next, upper = segs[i+1], segs[i+1].base
		}
		if hw < upper {
			break
		}
		ok, err := pred(seg, next)
		if err != nil {
			return 0, err
		}
		if !ok || (next == nil && seg.size() == 0) {
			break
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	return n, l.deleteSegmentsLocked(n, now, reason)
}

// deleteSegmentsLocked removes the n oldest segments from the log, moving
// the log start offset past them, and retires their files.
func (l *Log) deleteSegmentsLocked(n int, now time.Time, reason string) error {
	if n == len(l.mu.segments) {
		// A log always keeps an active segment: roll to an empty one first.
		if _, err := l.rollLocked(now); err != nil {
			return err
		}
	}
	doomed := append([]*segment(nil), l.mu.segments[:n]...)
	var freed int64
	for _, s := range doomed {
		freed += s.size()
	}
	l.mu.Lock()
	l.mu.segments = append(l.mu.segments[:0:0], l.mu.segments[n:]...)
	l.mu.size -= freed
	newStart := l.mu.segments[0].base
	l.mu.Unlock()
	l.raiseLogStartLocked(newStart)
	l.logger.Info("deleting segments", "reason", reason, "count", n,
		"from", doomed[0].base, "to", doomed[n-1].base, "bytes", freed)
	return l.retireLocked(doomed, now)
}

// retireLocked renames segments that left the log to .deleted and removes
// them now or, with file.delete.delay.ms, at a later ApplyRetention or
// Close. A reader holding one keeps it until it releases the slice.
func (l *Log) retireLocked(segs []*segment, now time.Time) error {
	var errs []error
	delay := time.Duration(l.cfg.FileDeleteDelayMs) * time.Millisecond
	for _, s := range segs {
		if err := s.renameDeleted(); err != nil {
			errs = append(errs, fmt.Errorf("rename segment %d: %w", s.base, err))
		}
		if delay <= 0 {
			errs = append(errs, s.removeDeleted())
			continue
		}
		l.mu.Lock()
		l.mu.pending = append(l.mu.pending, pendingDelete{seg: s, due: now.Add(delay)})
		l.mu.Unlock()
	}
	return errors.Join(errs...)
}

// purgeDueLocked removes deleted segments whose delay has passed.
func (l *Log) purgeDueLocked(now time.Time) error {
	l.mu.Lock()
	var due []*segment
	kept := l.mu.pending[:0]
	for _, p := range l.mu.pending {
		if now.Before(p.due) {
			kept = append(kept, p)
		} else {
			due = append(due, p.seg)
		}
	}
	l.mu.pending = kept
	l.mu.Unlock()
	var errs []error
	for _, s := range due {
		errs = append(errs, s.removeDeleted())
	}
	return errors.Join(errs...)
}
