package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"sync"
	"time"

	"github.com/spoolhq/spool/internal/record"
)

// segment is one <base>.log file with its indexes.
type segment struct {
	base int64
	dir  string
	file *fileHandle
	// interval is index.interval.bytes when the segment was made, for
	// index rebuilds.
	interval int64

	// loadMu serializes loading the indexes from disk, which does I/O; it is
	// never taken while holding mu.
	loadMu sync.Mutex

	mu struct {
		sync.Mutex
		size int64 // bytes written and visible to readers
		// idx holds the indexes and max timestamp; nil until loaded. The
		// active segment always has it.
		idx *indexBuilder
		// dirty: idx differs from the index files on disk.
		dirty bool
		// unsynced: index files were written but not fsynced.
		unsynced bool
		// firstTs is the max timestamp of the first batch, once read
		// (firstTsKnown), for max.compaction.lag.ms.
		firstTs      int64
		firstTsKnown bool
	}

	// app is the appender's state, guarded by Log.writeMu.
	app struct {
		created      time.Time
		jitterMs     int64
		rollTs       int64 // max timestamp of the first batch, for segment.ms
		rollTsKnown  bool
		exists       bool // the .log file exists on disk
		preallocated bool
	}
}

func newSegment(dir string, base, interval int64, now time.Time, jitterMs int64) *segment {
	s := &segment{base: base, dir: dir, interval: interval, file: newFileHandle(segmentPath(dir, base, logSuffix))}
	s.app.created = now
	s.app.jitterMs = jitterMs
	return s
}

func (s *segment) path(suffix string) string { return segmentPath(s.dir, s.base, suffix) }

func (s *segment) size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.size
}

// fits reports whether offset can be stored relative to the base in 32 bits.
func (s *segment) fits(offset int64) bool {
	rel := offset - s.base
	return rel >= 0 && rel <= math.MaxInt32
}

// withIndex runs fn with the loaded indexes under the segment's lock.
func (s *segment) withIndex(logger *slog.Logger, fn func(idx *indexBuilder)) error {
	if err := s.ensureIndex(logger); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s.mu.idx)
	return nil
}

// ensureIndex loads the index files of a segment that has not been used
// since the log opened, rebuilding them from the .log when they are missing
// or fail the sanity checks.
func (s *segment) ensureIndex(logger *slog.Logger) error {
	s.mu.Lock()
	loaded := s.mu.idx != nil
	s.mu.Unlock()
	if loaded {
		return nil
	}
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	s.mu.Lock()
	loaded, size := s.mu.idx != nil, s.mu.size
	s.mu.Unlock()
	if loaded {
		return nil
	}
	idx, err := s.readIndexFiles(size)
	rebuilt := false
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			logger.Warn("rebuilding segment index", "segment", s.path(logSuffix), "reason", err)
		}
		if idx, err = s.rebuildIndex(size); err != nil {
			return fmt.Errorf("rebuild index of segment %d: %w", s.base, err)
		}
		rebuilt = true
	}
	s.mu.Lock()
	s.mu.idx = idx
	s.mu.dirty = rebuilt
	s.mu.Unlock()
	if rebuilt {
		// Save the next open the work; no fsync, the sanity checks catch a
		// torn file.
		if err := s.writeIndexFiles(); err != nil {
			logger.Warn("write rebuilt index", "segment", s.path(logSuffix), "err", err)
		}
	}
	return nil
}

// readIndexFiles loads and checks .index and .timeindex.
func (s *segment) readIndexFiles(size int64) (*indexBuilder, error) {
	ib, err := os.ReadFile(s.path(indexSuffix))
	if err != nil {
		return nil, err
	}
	tb, err := os.ReadFile(s.path(timeIndexSuffix))
	if err != nil {
		return nil, err
	}
	idx, at, err := unmarshalOffsetIndex(s.base, ib, size)
	if err != nil {
		return nil, &CorruptionError{File: s.path(indexSuffix), Pos: at, Err: err}
	}
	tidx, at, err := unmarshalTimeIndex(s.base, tb)
	if err != nil {
		return nil, &CorruptionError{File: s.path(timeIndexSuffix), Pos: at, Err: err}
	}
	b := newIndexBuilder(s.base, s.interval)
	b.index, b.time = idx, tidx
	b.maxTs, b.maxTsOffset = tidx.last()
	b.bytesSinceEntry = size - idx.lastPosition()
	return b, nil
}

// rebuildIndex rebuilds both indexes from the batch headers of the first
// size bytes of the .log.
func (s *segment) rebuildIndex(size int64) (*indexBuilder, error) {
	b := newIndexBuilder(s.base, s.interval)
	err := s.scanHeaders(0, size, func(h record.Batch, pos int64) error {
		b.observe(pos, batchSize(h), h.LastOffset(), h.MaxTimestamp())
		return nil
	})
	return b, err
}

// scanHeaders calls fn for each batch header in [from, to) of the file.
func (s *segment) scanHeaders(from, to int64, fn func(h record.Batch, pos int64) error) error {
	if from >= to {
		return nil
	}
	s.file.retain()
	defer s.file.release()
	f, err := s.file.file(false)
	if err != nil {
		return err
	}
	sc := newHeaderScanner(f, from, to)
	for {
		h, pos, ok, err := sc.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(h, pos); err != nil {
			return err
		}
	}
}

// writeIndexFiles writes the in-memory indexes to .index and .timeindex
// (without fsync) if they changed since they were last written.
func (s *segment) writeIndexFiles() error {
	if s.file.isDeleted() {
		return nil // its files carry the .deleted suffix now
	}
	s.mu.Lock()
	if s.mu.idx == nil || !s.mu.dirty {
		s.mu.Unlock()
		return nil
	}
	ib := s.mu.idx.index.marshal()
	tb := s.mu.idx.time.marshal(s.mu.idx.maxTs, s.mu.idx.maxTsOffset)
	s.mu.dirty = false
	s.mu.unsynced = true
	s.mu.Unlock()
	if err := os.WriteFile(s.path(indexSuffix), ib, 0o644); err != nil {
		return fmt.Errorf("write index of segment %d: %w", s.base, err)
	}
	if err := os.WriteFile(s.path(timeIndexSuffix), tb, 0o644); err != nil {
		return fmt.Errorf("write time index of segment %d: %w", s.base, err)
	}
	return nil
}

// syncIndexFiles fsyncs index files written since the last call.
func (s *segment) syncIndexFiles() error {
	s.mu.Lock()
	unsynced := s.mu.unsynced
	s.mu.unsynced = false
	s.mu.Unlock()
	if !unsynced {
		return nil
	}
	for _, suffix := range [...]string{indexSuffix, timeIndexSuffix} {
		if err := syncFile(s.path(suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// removeIndexFiles deletes index files that no longer match the .log (after
// a truncation); the next roll or close writes them again.
func (s *segment) removeIndexFiles() error {
	var errs []error
	for _, suffix := range [...]string{indexSuffix, timeIndexSuffix} {
		if err := os.Remove(s.path(suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	s.mu.Lock()
	s.mu.dirty = true
	s.mu.unsynced = false
	s.mu.Unlock()
	return errors.Join(errs...)
}

// renameDeleted gives every file of the segment the .deleted suffix.
func (s *segment) renameDeleted() error {
	errs := []error{s.file.markDeleted()}
	for _, suffix := range [...]string{indexSuffix, timeIndexSuffix, txnIndexSuffix} {
		p := s.path(suffix)
		if err := os.Rename(p, p+deletedSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeDeleted removes the .deleted files; the .log goes once no reader
// holds it.
func (s *segment) removeDeleted() error {
	errs := []error{s.file.markDue()}
	for _, suffix := range [...]string{indexSuffix, timeIndexSuffix, txnIndexSuffix} {
		if err := os.Remove(s.path(suffix) + deletedSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// maxTimestamp returns the segment's largest batch timestamp and the last
// offset of the first batch that has it; loading the indexes if needed.
func (s *segment) maxTimestamp(logger *slog.Logger) (ts, offset, pos int64, err error) {
	err = s.withIndex(logger, func(idx *indexBuilder) {
		ts, offset, pos = idx.maxTs, idx.maxTsOffset, idx.maxTsPos
	})
	return ts, offset, pos, err
}

// largestTimestamp is what retention and timestamp search compare against:
// the max timestamp, or the file's modification time when no batch has a
// timestamp (Kafka's LogSegment.largestTimestamp).
func (s *segment) largestTimestamp(logger *slog.Logger) (int64, error) {
	ts, _, _, err := s.maxTimestamp(logger)
	if err != nil || ts >= 0 {
		return ts, err
	}
	fi, err := os.Stat(s.file.path())
	if errors.Is(err, fs.ErrNotExist) {
		return noTimestamp, nil
	}
	if err != nil {
		return 0, err
	}
	return fi.ModTime().UnixMilli(), nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	return errors.Join(err, f.Close())
}

// firstBatchTimestamp is the max timestamp of the segment's first batch
// (Kafka's rolling-based timestamp), noTimestamp when it has none; read
// once and remembered, since only an active segment's first batch changes.
func (s *segment) firstBatchTimestamp() (int64, error) {
	s.mu.Lock()
	ts, known := s.mu.firstTs, s.mu.firstTsKnown
	s.mu.Unlock()
	if known {
		return ts, nil
	}
	ts = noTimestamp
	size := s.size()
	err := s.scanHeaders(0, size, func(h record.Batch, _ int64) error {
		ts = h.MaxTimestamp()
		return errStopScan
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return 0, err
	}
	s.mu.Lock()
	s.mu.firstTs, s.mu.firstTsKnown = ts, size > 0
	s.mu.Unlock()
	return ts, nil
}
