package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/spoolhq/spool/internal/record"
)

// OffsetMetadata locates an offset in the log: the segment that holds it and
// the byte position where its batch starts (for the log end, where the next
// batch will go).
type OffsetMetadata struct {
	Offset      int64
	SegmentBase int64
	Position    int64
}

// AppendInfo describes a completed append.
type AppendInfo struct {
	FirstOffset int64
	LastOffset  int64
	// Position is where the batch starts in segment End.SegmentBase.
	Position int64
	// End is the new log end.
	End OffsetMetadata
	// Rolled says the batch opened a new segment.
	Rolled bool
	// FlushTo, when positive, is the offset the flush policy (flush.messages,
	// flush.ms) or a roll wants flushed: call FlushUpTo(FlushTo), outside any
	// lock of your own and preferably off the request path.
	FlushTo int64
}

// Log is one partition's log. All methods are safe for concurrent use.
type Log struct {
	dir    string
	now    func() time.Time
	logger *slog.Logger
	epochs *LeaderEpochCache

	// replaceMu serializes the log cleaner's segment replacement with
	// retention, DeleteRecords and truncation, the other changes to old
	// segments, so that a replacement never loses the segments it replaces
	// between its commit point and its swap. It is held across the
	// replacement's directory fsyncs; appends and reads never take it.
	replaceMu sync.Mutex

	// writeMu serializes appends and every change to the set of segments
	// (roll, retention, truncation, replacement, close). It is held across
	// file writes and renames but never across an fsync.
	writeMu sync.Mutex
	// cfg is guarded by writeMu.
	cfg Config

	// flushMu serializes flushes; appends and reads never take it.
	flushMu sync.Mutex

	// replaceHook, when set (by tests), runs at each step of
	// ReplaceSegments; an error stops the replacement there as a crash
	// would, leaving the files as they are.
	replaceHook func(step string) error

	// mu guards the log's shape. Fields marked (w) change only while writeMu
	// is held as well, so the appender may read them holding writeMu alone.
	mu struct {
		sync.Mutex
		segments      []*segment     // (w) by base offset; the last is active
		end           OffsetMetadata // (w) the log end offset
		logStart      int64          // (w)
		size          int64          // (w) sum of segment sizes
		recoveryPoint int64          // every offset below it is on stable storage
		lastFlush     time.Time
		truncations   uint64 // (w) bumped by truncation; a racing flush then keeps the recovery point
		dirDirty      bool   // a file was created since the directory was last fsynced
		closed        bool   // (w)
		pending       []pendingDelete
	}
}

// pendingDelete is a segment renamed .deleted whose files go at due.
type pendingDelete struct {
	seg *segment
	due time.Time
}

// Dir is the partition directory.
func (l *Log) Dir() string { return l.dir }

// LeaderEpochs is the partition's leader epoch cache.
func (l *Log) LeaderEpochs() *LeaderEpochCache { return l.epochs }

// Config returns the log's current configuration.
func (l *Log) Config() Config {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	return l.cfg
}

// SetConfig changes the configuration; it applies from the next append or
// retention pass.
func (l *Log) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("set config of log %s: %w", l.dir, err)
	}
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	l.cfg = cfg
	return nil
}

// LogEndOffset is the offset the next appended batch gets.
func (l *Log) LogEndOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.end.Offset
}

// EndOffsetMetadata is the log end with its segment and position; on a
// single node it is the upTo bound for Read.
func (l *Log) EndOffsetMetadata() OffsetMetadata {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.end
}

// LogStartOffset is the first offset a reader may ask for.
func (l *Log) LogStartOffset() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.logStart
}

// Size is the total size of the segment files in bytes.
func (l *Log) Size() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.size
}

// NumSegments is the number of segments, the active one included.
func (l *Log) NumSegments() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.mu.segments)
}

// RecoveryPoint is the offset below which everything is on stable storage;
// it goes to recovery-point-offset-checkpoint.
func (l *Log) RecoveryPoint() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.recoveryPoint
}

// SegmentInfo describes one segment, for tools and tests.
type SegmentInfo struct {
	BaseOffset int64
	Size       int64
	Path       string
}

// Segments lists the segments, oldest first.
func (l *Log) Segments() []SegmentInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]SegmentInfo, len(l.mu.segments))
	for i, s := range l.mu.segments {
		out[i] = SegmentInfo{BaseOffset: s.base, Size: s.size(), Path: s.path(logSuffix)}
	}
	return out
}

// EndOffsetForEpoch answers OffsetForLeaderEpoch: the largest epoch at or
// below epoch and the offset where it ended (the log end for the latest).
func (l *Log) EndOffsetForEpoch(epoch int32) (int32, int64) {
	return l.epochs.EndOffsetFor(epoch, l.LogEndOffset())
}

// Append writes b, whose base offset the caller has set to LogEndOffset()
// and whose contents it has validated. The bytes go to disk as they are, in
// one positional write; b is not retained.
func (l *Log) Append(b record.Batch) (AppendInfo, error) {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.mu.closed {
		return AppendInfo{}, ErrClosed
	}
	if len(b) < record.HeaderSize || int64(len(b)) != batchSize(b) {
		return AppendInfo{}, fmt.Errorf("append to log %s: buffer of %d bytes is not one whole batch", l.dir, len(b))
	}
	if leo := l.mu.end.Offset; b.BaseOffset() != leo {
		return AppendInfo{}, &UnexpectedOffsetError{Expected: leo, Got: b.BaseOffset()}
	}
	if int64(len(b)) > l.cfg.SegmentBytes {
		return AppendInfo{}, fmt.Errorf("append %d bytes to log %s: %w", len(b), l.dir, ErrBatchTooLarge)
	}
	now := l.now()
	seg := l.activeLocked()
	rolled := false
	if l.shouldRollLocked(seg, b, now) {
		var err error
		if seg, err = l.rollLocked(now); err != nil {
			return AppendInfo{}, err
		}
		rolled = true
	}
	pos, err := l.writeLocked(seg, b)
	if err != nil {
		return AppendInfo{}, err
	}
	return l.publishLocked(seg, b, pos, now, rolled), nil
}

func (l *Log) activeLocked() *segment { return l.mu.segments[len(l.mu.segments)-1] }

// writeLocked writes b at the end of the active segment and returns its
// position. A failed write is cut off again so the file ends at a batch.
func (l *Log) writeLocked(seg *segment, b record.Batch) (int64, error) {
	f, err := l.activeFileLocked(seg)
	if err != nil {
		return 0, err
	}
	pos := seg.size()
	if _, err := f.WriteAt(b, pos); err != nil {
		err = fmt.Errorf("append to segment %s: %w", f.Name(), err)
		if terr := f.Truncate(pos); terr != nil {
			err = errors.Join(err, fmt.Errorf("undo partial append: %w", terr))
		}
		return 0, err
	}
	return pos, nil
}

// activeFileLocked opens the active segment's file, creating it on the first
// write to a new segment.
func (l *Log) activeFileLocked(seg *segment) (*os.File, error) {
	if seg.app.exists {
		return seg.file.file(false)
	}
	f, err := seg.file.file(true)
	if err != nil {
		return nil, fmt.Errorf("create segment %d: %w", seg.base, err)
	}
	seg.app.exists = true
	l.mu.Lock()
	l.mu.dirDirty = true
	l.mu.Unlock()
	if l.cfg.Preallocate {
		if err := preallocate(f, l.cfg.SegmentBytes); err != nil {
			l.logger.Warn("preallocate segment", "segment", f.Name(), "err", err)
		} else {
			seg.app.preallocated = true
		}
	}
	return f, nil
}

// publishLocked makes an appended batch visible: first the segment's size
// and indexes, then the log end that readers bound their reads by.
func (l *Log) publishLocked(seg *segment, b record.Batch, pos int64, now time.Time, rolled bool) AppendInfo {
	size := int64(len(b))
	seg.mu.Lock()
	seg.mu.size = pos + size
	seg.mu.idx.interval = l.cfg.IndexIntervalBytes
	seg.mu.idx.observe(pos, size, b.LastOffset(), b.MaxTimestamp())
	seg.mu.dirty = true
	seg.mu.Unlock()
	if pos == 0 {
		seg.app.rollTs, seg.app.rollTsKnown = b.MaxTimestamp(), true
	}
	if e := b.PartitionLeaderEpoch(); e >= 0 {
		l.epochs.observe(e, b.BaseOffset())
	}
	end := OffsetMetadata{Offset: b.NextOffset(), SegmentBase: seg.base, Position: pos + size}
	l.mu.Lock()
	l.mu.end = end
	l.mu.size += size
	flushTo := l.flushPolicyLocked(now)
	l.mu.Unlock()
	if rolled && flushTo < seg.base {
		flushTo = seg.base
	}
	return AppendInfo{
		FirstOffset: b.BaseOffset(),
		LastOffset:  b.LastOffset(),
		Position:    pos,
		End:         end,
		Rolled:      rolled,
		FlushTo:     flushTo,
	}
}

// flushPolicyLocked returns the log end when flush.messages or flush.ms
// says it is time to flush, else 0.
func (l *Log) flushPolicyLocked(now time.Time) int64 {
	end := l.mu.end.Offset
	if end <= l.mu.recoveryPoint {
		return 0
	}
	if end-l.mu.recoveryPoint >= l.cfg.FlushMessages || now.Sub(l.mu.lastFlush).Milliseconds() >= l.cfg.FlushMs {
		return end
	}
	return 0
}

// FlushDue reports whether flush.ms has passed since the last flush with
// data unflushed; a periodic task calls it (Kafka's log.flush.scheduler).
func (l *Log) FlushDue(now time.Time) bool {
	l.writeMu.Lock()
	flushMs := l.cfg.FlushMs
	l.writeMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.mu.end.Offset > l.mu.recoveryPoint && now.Sub(l.mu.lastFlush).Milliseconds() >= flushMs
}

// shouldRollLocked applies Kafka's roll rules to the active segment before
// b goes in: size, age (segment.ms less jitter, by batch timestamps), full
// indexes, or an offset too far from the base for 32 bits.
func (l *Log) shouldRollLocked(seg *segment, b record.Batch, now time.Time) bool {
	seg.mu.Lock()
	size := seg.mu.size
	full := len(seg.mu.idx.index.entries) >= l.cfg.maxIndexEntries() ||
		len(seg.mu.idx.time.entries) >= l.cfg.maxTimeEntries()
	seg.mu.Unlock()
	if size == 0 {
		// Nothing to roll away from: the batch goes first in this segment.
		return false
	}
	return size > l.cfg.SegmentBytes-int64(len(b)) ||
		l.timeWaitedLocked(seg, now, b.MaxTimestamp()) > l.cfg.SegmentMs-seg.app.jitterMs ||
		full || !seg.fits(b.LastOffset())
}

// timeWaitedLocked is the segment's age as Kafka measures it: the new
// batch's timestamp minus the first batch's, or wall-clock time since the
// segment was created when the first batch has no timestamp.
func (l *Log) timeWaitedLocked(seg *segment, now time.Time, batchMaxTs int64) int64 {
	if !seg.app.rollTsKnown {
		seg.app.rollTs, seg.app.rollTsKnown = noTimestamp, true
		_ = seg.scanHeaders(0, seg.size(), func(h record.Batch, _ int64) error {
			seg.app.rollTs = h.MaxTimestamp()
			return errStopScan
		})
	}
	if seg.app.rollTs >= 0 {
		return batchMaxTs - seg.app.rollTs
	}
	return now.Sub(seg.app.created).Milliseconds()
}

var errStopScan = errors.New("stop scan")

// Roll closes the active segment and starts a new one at the log end, unless
// the active segment is empty.
func (l *Log) Roll() error {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.mu.closed {
		return ErrClosed
	}
	if l.activeLocked().size() == 0 {
		return nil
	}
	_, err := l.rollLocked(l.now())
	return err
}

// rollLocked turns the active segment into an inactive one (final time index
// entry, index files written, preallocation trimmed, descriptor released)
// and starts a new segment at the log end.
func (l *Log) rollLocked(now time.Time) (*segment, error) {
	old := l.activeLocked()
	newBase := l.mu.end.Offset
	if err := l.deactivateLocked(old); err != nil {
		return nil, fmt.Errorf("roll segment %d: %w", old.base, err)
	}
	for _, suffix := range segmentSuffixes {
		p := segmentPath(l.dir, newBase, suffix)
		if err := os.Remove(p); err == nil {
			l.logger.Warn("removed a stale file in the way of a new segment", "file", p)
		}
	}
	seg := l.newActiveLocked(newBase, now)
	// The file is created now, not by the first write, so that the log's
	// end survives a restart even if retention deletes every older segment.
	if _, err := l.activeFileLocked(seg); err != nil {
		_ = seg.file.release()
		return nil, fmt.Errorf("roll segment %d: %w", old.base, err)
	}
	l.mu.Lock()
	l.mu.segments = append(l.mu.segments, seg)
	l.mu.end = OffsetMetadata{Offset: newBase, SegmentBase: newBase}
	l.mu.Unlock()
	if err := old.file.release(); err != nil {
		l.logger.Warn("close rolled segment", "segment", old.base, "err", err)
	}
	l.logger.Debug("rolled segment", "base", newBase)
	return seg, nil
}

// deactivateLocked prepares the active segment to stop taking appends.
func (l *Log) deactivateLocked(seg *segment) error {
	seg.mu.Lock()
	seg.mu.idx.time.maybeAppend(seg.mu.idx.maxTs, seg.mu.idx.maxTsOffset)
	seg.mu.Unlock()
	if err := seg.writeIndexFiles(); err != nil {
		return err
	}
	return l.trimPreallocationLocked(seg)
}

// trimPreallocationLocked gives back the blocks reserved past the data.
func (l *Log) trimPreallocationLocked(seg *segment) error {
	if !seg.app.preallocated {
		return nil
	}
	f, err := seg.file.file(false)
	if err != nil {
		return err
	}
	seg.app.preallocated = false
	return f.Truncate(seg.size())
}

// newActiveLocked makes an empty segment that the log holds as active.
func (l *Log) newActiveLocked(base int64, now time.Time) *segment {
	seg := newSegment(l.dir, base, l.cfg.IndexIntervalBytes, now, l.jitterLocked())
	seg.mu.idx = newIndexBuilder(base, l.cfg.IndexIntervalBytes)
	seg.file.retain()
	return seg
}

// jitterLocked draws a segment's roll jitter as Kafka does: uniform below
// min(segment.jitter.ms, segment.ms).
func (l *Log) jitterLocked() int64 {
	j := min(l.cfg.SegmentJitterMs, l.cfg.SegmentMs)
	if j <= 0 {
		return 0
	}
	return rand.Int64N(j)
}

// floorSegmentLocked returns the index of the segment that would hold
// offset: the last one whose base is at or below it (0 if none is).
func (l *Log) floorSegmentLocked(offset int64) int {
	segs := l.mu.segments
	i := sort.Search(len(segs), func(i int) bool { return segs[i].base > offset })
	return max(i-1, 0)
}

// Delete closes the log and removes its directory.
func (l *Log) Delete() error {
	if err := l.Close(); err != nil && !errors.Is(err, ErrClosed) {
		return err
	}
	if err := os.RemoveAll(l.dir); err != nil {
		return fmt.Errorf("delete log %s: %w", l.dir, err)
	}
	return syncDir(filepath.Dir(l.dir))
}
