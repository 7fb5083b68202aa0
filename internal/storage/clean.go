package storage

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"sync"
	"time"

	"github.com/spoolhq/spool/internal/record"
)

// This file is the log cleaner's access to a log (package cleaner):
// references on the inactive segments to read them, a cleaned segment to
// write, and the crash-safe swap of a cleaned segment into the log in place
// of the segments it was made from. docs/format/log-segment.md describes the
// files and the steps.

// ErrSegmentsChanged means that the segments a cleaned segment was made
// from are no longer all in the log (retention, DeleteRecords or a
// truncation removed some meanwhile); the cleaned segment was discarded.
var ErrSegmentsChanged = errors.New("the segments to replace are no longer in the log")

// SegmentRef is a reference on one inactive segment, for the log cleaner. It
// keeps the segment's file readable, even after the segment leaves the log,
// until Release.
type SegmentRef struct {
	log     *Log
	seg     *segment
	next    int64
	size    int64
	release sync.Once
}

// InactiveSegments returns references on every segment but the active
// one, oldest first, and the active segment's base offset. Release each
// reference (ReleaseSegments).
func (l *Log) InactiveSegments() (refs []*SegmentRef, activeBase int64, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return nil, 0, ErrClosed
	}
	segs := l.mu.segments
	refs = make([]*SegmentRef, 0, len(segs)-1)
	for i, s := range segs[:len(segs)-1] {
		s.file.retain()
		refs = append(refs, &SegmentRef{log: l, seg: s, next: segs[i+1].base, size: s.size()})
	}
	return refs, segs[len(segs)-1].base, nil
}

// ReleaseSegments releases every reference.
func ReleaseSegments(refs []*SegmentRef) {
	for _, r := range refs {
		r.Release()
	}
}

// Release drops the reference; later calls do nothing.
func (r *SegmentRef) Release() {
	r.release.Do(func() { _ = r.seg.file.release() })
}

// BaseOffset is the segment's base offset.
func (r *SegmentRef) BaseOffset() int64 { return r.seg.base }

// NextOffset is the base offset of the segment that followed this one when
// the reference was taken: every offset of this segment is below it.
func (r *SegmentRef) NextOffset() int64 { return r.next }

// Size is the segment's size in bytes.
func (r *SegmentRef) Size() int64 { return r.size }

// LargestTimestamp is the segment's largest batch timestamp, or its file's
// modification time when no batch has one (what retention compares).
func (r *SegmentRef) LargestTimestamp() (int64, error) {
	return r.seg.largestTimestamp(r.log.logger)
}

// FirstBatchTimestamp is the max timestamp of the segment's first batch,
// -1 when it has none (max.compaction.lag.ms counts from it).
func (r *SegmentRef) FirstBatchTimestamp() (int64, error) { return r.seg.firstBatchTimestamp() }

// IndexSizes are the sizes the segment's offset and time index files have
// (or would have once written).
func (r *SegmentRef) IndexSizes() (offsetBytes, timeBytes int64, err error) {
	err = r.seg.withIndex(r.log.logger, func(idx *indexBuilder) {
		n := len(idx.time.entries)
		if last, _ := idx.time.last(); idx.maxTs > last {
			n++
		}
		offsetBytes = int64(len(idx.index.entries)) * offsetEntrySize
		timeBytes = int64(n) * timeEntrySize
	})
	return offsetBytes, timeBytes, err
}

// ModTime is the segment file's modification time.
func (r *SegmentRef) ModTime() (time.Time, error) {
	fi, err := os.Stat(r.seg.file.path())
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

// Batches calls fn with each whole batch of the segment from the one
// containing offset from on (an offset index lookup, then a sequential
// read through *buf, whose capacity is the read size). The batch is valid
// only during the call. Headers are checked; CRCs are not.
func (r *SegmentRef) Batches(from int64, buf *[]byte, fn func(record.Batch) error) error {
	return r.log.iterSegment(r.seg, from, r.size, buf, fn)
}

// CleanedSegment is a segment the log cleaner writes, <base>.log.cleaned
// with its index files, before ReplaceSegments swaps it into the log. It
// is not safe for concurrent use.
type CleanedSegment struct {
	dir  string
	base int64
	f    *os.File
	w    *bufio.Writer
	idx  *indexBuilder
	size int64
	next int64 // the offset after the last appended batch
}

// cleanedBufferSize is the write buffer of a cleaned segment.
const cleanedBufferSize = 256 << 10

// NewCleanedSegment starts a cleaned segment with the given base offset.
// Stray .cleaned files of an earlier attempt are removed first: recovery
// reads a .cleaned file below a .swap one as an unfinished split.
func (l *Log) NewCleanedSegment(base int64) (*CleanedSegment, error) {
	cfg := l.Config()
	if err := l.removeStrayCleaned(); err != nil {
		return nil, fmt.Errorf("new cleaned segment %d of log %s: %w", base, l.dir, err)
	}
	path := segmentPath(l.dir, base, logSuffix) + cleanedSuffix
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("new cleaned segment %d of log %s: %w", base, l.dir, err)
	}
	return &CleanedSegment{
		dir: l.dir, base: base, f: f, w: bufio.NewWriterSize(f, cleanedBufferSize),
		idx: newIndexBuilder(base, cfg.IndexIntervalBytes), next: base,
	}, nil
}

func (l *Log) removeStrayCleaned() error {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, _, temp, ok := parseSegmentName(e.Name()); ok && temp == cleanedSuffix {
			if err := l.remove(e.Name(), "stray cleaned file"); err != nil {
				return err
			}
		}
	}
	return nil
}

// BaseOffset is the cleaned segment's base offset.
func (c *CleanedSegment) BaseOffset() int64 { return c.base }

// Size is the bytes appended so far.
func (c *CleanedSegment) Size() int64 { return c.size }

// Append adds a batch after the previous one; its offsets must follow the
// previous batch's and fit the segment (31 bits above the base).
func (c *CleanedSegment) Append(b record.Batch) error {
	switch {
	case c.f == nil:
		return fmt.Errorf("append to cleaned segment %d: closed", c.base)
	case len(b) < record.HeaderSize || int64(len(b)) != batchSize(b):
		return fmt.Errorf("append to cleaned segment %d: buffer of %d bytes is not one whole batch", c.base, len(b))
	case b.BaseOffset() < c.next:
		return fmt.Errorf("append to cleaned segment %d: batch offset %d is below the next offset %d", c.base, b.BaseOffset(), c.next)
	case b.LastOffset()-c.base > math.MaxInt32:
		return fmt.Errorf("append to cleaned segment %d: offset %d does not fit the segment", c.base, b.LastOffset())
	case c.size+int64(len(b)) > math.MaxInt32:
		return fmt.Errorf("append to cleaned segment %d: the segment would pass 2 GiB", c.base)
	}
	if _, err := c.w.Write(b); err != nil {
		return fmt.Errorf("append to cleaned segment %d: %w", c.base, err)
	}
	c.idx.observe(c.size, int64(len(b)), b.LastOffset(), b.MaxTimestamp())
	c.size += int64(len(b))
	c.next = b.NextOffset()
	return nil
}

// Abort closes the cleaned segment and removes its files (.cleaned, or
// .swap if a replacement failed before its commit point).
func (c *CleanedSegment) Abort() error {
	var errs []error
	if c.f != nil {
		errs = append(errs, c.f.Close())
		c.f = nil
	}
	for _, suffix := range cleanedSuffixes {
		for _, temp := range [...]string{cleanedSuffix, swapSuffix} {
			err := os.Remove(segmentPath(c.dir, c.base, suffix) + temp)
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// cleanedSuffixes are the files of a cleaned segment, in the order they
// are renamed: the .log first, so that a .log that lost its .swap suffix is
// never mistaken for a segment the swap replaces.
var cleanedSuffixes = [...]string{logSuffix, indexSuffix, timeIndexSuffix}

// finish makes the cleaned files durable: the data, then both index files,
// each fsynced. The .log gets modTime (unless zero) so that time-based
// retention of batches without timestamps sees the original age.
func (c *CleanedSegment) finish(modTime time.Time) error {
	c.idx.time.maybeAppend(c.idx.maxTs, c.idx.maxTsOffset)
	logPath := segmentPath(c.dir, c.base, logSuffix) + cleanedSuffix
	err := c.w.Flush()
	if err == nil && !modTime.IsZero() {
		err = os.Chtimes(logPath, modTime, modTime)
	}
	if err == nil {
		err = c.f.Sync()
	}
	err = errors.Join(err, c.f.Close())
	c.f = nil
	if err != nil {
		return fmt.Errorf("finish cleaned segment %d: %w", c.base, err)
	}
	files := []struct {
		suffix string
		data   []byte
	}{
		{indexSuffix, c.idx.index.marshal()},
		{timeIndexSuffix, c.idx.time.marshal(c.idx.maxTs, c.idx.maxTsOffset)},
	}
	for _, f := range files {
		if err := writeSynced(segmentPath(c.dir, c.base, f.suffix)+cleanedSuffix, f.data); err != nil {
			return fmt.Errorf("finish cleaned segment %d: %w", c.base, err)
		}
	}
	return nil
}

// writeSynced writes a new file and fsyncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// renameAll renames the cleaned segment's files from one temporary suffix
// to another ("" for the plain names), in cleanedSuffixes order.
func (c *CleanedSegment) renameAll(l *Log, from, to string) error {
	for _, suffix := range cleanedSuffixes {
		p := segmentPath(c.dir, c.base, suffix)
		if err := os.Rename(p+from, p+to); err != nil {
			return err
		}
		if err := l.hook(fmt.Sprintf("rename %s%s to %s%s", suffix, from, suffix, to)); err != nil {
			return err
		}
	}
	return nil
}

// segment makes the in-memory segment for the swapped-in files, its file
// still under the .swap name, its indexes already loaded.
func (c *CleanedSegment) segment(now time.Time) *segment {
	s := newSegment(c.dir, c.base, c.idx.interval, now, 0)
	s.file = newFileHandle(segmentPath(c.dir, c.base, logSuffix) + swapSuffix)
	s.mu.size = c.size
	s.mu.idx = c.idx
	s.app.exists = true
	return s
}

// ReplaceSegments puts cleaned in the log in place of old, contiguous
// inactive segments whose records it holds (what is left of them after
// compaction: the same offsets, fewer of them), or, with cleaned nil,
// removes old from the log. The swap is atomic for readers: the segment
// list changes under the log's lock, and readers holding FileSlices of
// the old segments read them to the end. On disk it is crash-safe: the
// cleaned files are fsynced and renamed .swap (the commit point: from
// then on, recovery finishes the swap), the old segments are renamed
// .deleted, and the .swap suffix is dropped, with the directory fsynced
// between the steps and no lock held that appends or reads take. If the
// old segments are no longer all in the log, cleaned is discarded and the
// error is ErrSegmentsChanged. cleaned must not be used afterwards.
func (l *Log) ReplaceSegments(cleaned *CleanedSegment, old []*SegmentRef) error {
	if err := l.replaceSegments(cleaned, old); err != nil {
		return fmt.Errorf("replace segments of log %s: %w", l.dir, err)
	}
	return nil
}

func (l *Log) replaceSegments(cleaned *CleanedSegment, old []*SegmentRef) error {
	if len(old) == 0 {
		return errors.New("no segments to replace")
	}
	if cleaned != nil {
		if cleaned.base != old[0].seg.base {
			_ = cleaned.Abort()
			return fmt.Errorf("cleaned segment %d does not start where segment %d does", cleaned.base, old[0].seg.base)
		}
		modTime, _ := old[len(old)-1].ModTime()
		if err := cleaned.finish(modTime); err != nil {
			_ = cleaned.Abort()
			return err
		}
		if err := l.hook("cleaned files synced"); err != nil {
			return err
		}
	}
	l.replaceMu.Lock()
	defer l.replaceMu.Unlock()
	if err := l.checkReplaceable(old); err != nil {
		if cleaned != nil {
			_ = cleaned.Abort()
		}
		return err
	}
	if cleaned == nil {
		return l.dropSegments(old)
	}
	return l.swapIn(cleaned, old)
}

// checkReplaceable reports whether old are still contiguous inactive
// segments of the log.
func (l *Log) checkReplaceable(old []*SegmentRef) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.mu.closed {
		return ErrClosed
	}
	if _, ok := l.indexOfLocked(old); !ok {
		return ErrSegmentsChanged
	}
	return nil
}

// indexOfLocked finds old in the segment list: the index of the first,
// with all following in order and none of them active.
func (l *Log) indexOfLocked(old []*SegmentRef) (int, bool) {
	segs := l.mu.segments
	for i, s := range segs {
		if s != old[0].seg {
			continue
		}
		if i+len(old) >= len(segs) {
			return 0, false
		}
		for k, r := range old {
			if segs[i+k] != r.seg {
				return 0, false
			}
		}
		return i, true
	}
	return 0, false
}

// swapIn is ReplaceSegments' swap, under replaceMu.
func (l *Log) swapIn(c *CleanedSegment, old []*SegmentRef) error {
	if err := c.renameAll(l, cleanedSuffix, swapSuffix); err != nil {
		return l.undoSwap(c, err)
	}
	if err := syncDir(l.dir); err != nil {
		return l.undoSwap(c, err)
	}
	if err := l.hook("swap files synced"); err != nil {
		return err
	}
	seg := c.segment(l.now())
	if err := l.install(seg, old); err != nil {
		return err
	}
	if err := syncDir(l.dir); err != nil {
		return err
	}
	if err := l.hook("deleted files synced"); err != nil {
		return err
	}
	if err := l.dropSwapSuffix(seg); err != nil {
		return err
	}
	return syncDir(l.dir)
}

// undoSwap discards a cleaned segment whose swap failed before the list
// changed; a crash test's simulated crash leaves the files as they are.
func (l *Log) undoSwap(c *CleanedSegment, err error) error {
	if errors.Is(err, errHookStop) {
		return err
	}
	return errors.Join(err, c.Abort())
}

// install puts seg in the log's list in place of old and retires old.
func (l *Log) install(seg *segment, old []*SegmentRef) error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	l.mu.Lock()
	i, ok := l.indexOfLocked(old)
	if l.mu.closed || !ok {
		// Only Close gets past replaceMu; the next open finishes the swap.
		l.mu.Unlock()
		return ErrClosed
	}
	doomed, freed := l.removeLocked(i, len(old), seg)
	l.mu.size += seg.size()
	l.mu.Unlock()
	l.logger.Info("swapped in a cleaned segment", "base", seg.base, "replaced", len(doomed),
		"bytesBefore", freed, "bytesAfter", seg.size())
	return l.retireStepsLocked(doomed)
}

// removeLocked takes the n segments from index i out of the list, putting
// with (if not nil) in their place, and returns them with their size.
func (l *Log) removeLocked(i, n int, with *segment) ([]*segment, int64) {
	segs := l.mu.segments
	doomed := append([]*segment(nil), segs[i:i+n]...)
	next := make([]*segment, 0, len(segs)-n+1)
	next = append(next, segs[:i]...)
	if with != nil {
		next = append(next, with)
	}
	next = append(next, segs[i+n:]...)
	var freed int64
	for _, s := range doomed {
		freed += s.size()
	}
	l.mu.segments = next
	l.mu.size -= freed
	return doomed, freed
}

// retireStepsLocked retires segments one at a time, as retireLocked does,
// running the crash hook after each.
func (l *Log) retireStepsLocked(doomed []*segment) error {
	now := l.now()
	for _, s := range doomed {
		if err := l.retireLocked([]*segment{s}, now); err != nil {
			return err
		}
		if err := l.hook(fmt.Sprintf("retire segment %d", s.base)); err != nil {
			return err
		}
	}
	return nil
}

// dropSwapSuffix gives the swapped-in files their plain names: the .log
// under its handle's lock (readers may be opening it), then the indexes.
func (l *Log) dropSwapSuffix(seg *segment) error {
	if err := seg.file.rename(seg.path(logSuffix)); err != nil {
		return err
	}
	if err := l.hook("rename .log.swap to .log"); err != nil {
		return err
	}
	for _, suffix := range cleanedSuffixes[1:] {
		p := seg.path(suffix)
		if err := os.Rename(p+swapSuffix, p); err != nil {
			return err
		}
		if err := l.hook(fmt.Sprintf("rename %s.swap to %s", suffix, suffix)); err != nil {
			return err
		}
	}
	return nil
}

// dropSegments is ReplaceSegments without a cleaned segment, under
// replaceMu: the old segments leave the log and are retired. Removing the
// first segments moves the log start offset to the next one.
func (l *Log) dropSegments(old []*SegmentRef) error {
	l.writeMu.Lock()
	l.mu.Lock()
	i, ok := l.indexOfLocked(old)
	if l.mu.closed || !ok {
		l.mu.Unlock()
		l.writeMu.Unlock()
		return ErrSegmentsChanged
	}
	doomed, freed := l.removeLocked(i, len(old), nil)
	first := l.mu.segments[0].base
	l.mu.Unlock()
	if i == 0 {
		l.raiseLogStartLocked(first)
	}
	l.logger.Info("deleted segments emptied by cleaning", "from", doomed[0].base, "count", len(doomed), "bytes", freed)
	err := l.retireStepsLocked(doomed)
	l.writeMu.Unlock()
	if err != nil {
		return err
	}
	return syncDir(l.dir)
}

// errHookStop marks an error returned by the crash hook.
var errHookStop = errors.New("stopped by the replace hook")

// hook runs the test hook for a step of ReplaceSegments.
func (l *Log) hook(step string) error {
	if l.replaceHook == nil {
		return nil
	}
	if err := l.replaceHook(step); err != nil {
		return fmt.Errorf("%s: %w: %w", step, errHookStop, err)
	}
	return nil
}
