package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spoolhq/spool/internal/record"
)

// LeaderEpochCheckpointFile is the leader epoch cache's file name in a
// partition directory.
const LeaderEpochCheckpointFile = "leader-epoch-checkpoint"

// Open opens the partition log in dir, creating the directory if needed.
// After a clean shutdown (opts.CleanShutdown) it trusts the files: it lists
// the directory and reads only the last segment's index and tail. Otherwise
// it recovers: every batch from the segment holding opts.RecoveryPoint on is
// validated (length, magic, CRC, offsets) and the first bad or torn batch is
// cut off together with everything after it.
func Open(dir string, cfg Config, opts Options) (l *Log, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	opts = opts.withDefaults()
	if err := makeDir(dir); err != nil {
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	epochs, err := OpenLeaderEpochCache(filepath.Join(dir, LeaderEpochCheckpointFile))
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	l = &Log{dir: dir, now: opts.Now, logger: opts.Logger.With("log", dir), epochs: epochs, cfg: cfg}
	if err := l.load(opts); err != nil {
		return nil, fmt.Errorf("open log %s: %w", dir, err)
	}
	return l, nil
}

// load builds the segment list from the directory, recovering as needed.
func (l *Log) load(opts Options) error {
	if err := l.cleanTempFiles(); err != nil {
		return err
	}
	segs, err := l.listSegments()
	if err != nil {
		return err
	}
	var end int64
	if len(segs) > 0 {
		if opts.CleanShutdown {
			end, err = l.loadClean(segs)
		} else {
			segs, end, err = l.recover(segs, opts.RecoveryPoint)
		}
		if err != nil {
			return err
		}
	}
	if len(segs) > 0 && end < opts.LogStartOffset {
		l.logger.Warn("deleting all segments: the log end is below the log start offset",
			"end", end, "logStart", opts.LogStartOffset)
		if err := removeSegments(segs); err != nil {
			return err
		}
		segs = nil
		l.epochs.Clear()
	}
	now := l.now()
	if len(segs) == 0 {
		// Flushed offsets were handed out once; never reuse them.
		end = max(opts.LogStartOffset, opts.RecoveryPoint)
		segs = []*segment{l.newActiveLocked(end, now)}
	} else {
		active := segs[len(segs)-1]
		active.file.retain()
		active.app.created, active.app.exists, active.app.jitterMs = now, true, l.jitterLocked()
	}
	l.publishLoaded(segs, end, opts, now)
	return nil
}

// publishLoaded sets the log's state once its segments are known.
func (l *Log) publishLoaded(segs []*segment, end int64, opts Options, now time.Time) {
	active := segs[len(segs)-1]
	var size int64
	for _, s := range segs {
		size += s.size()
	}
	l.mu.segments = segs
	l.mu.size = size
	l.mu.end = OffsetMetadata{Offset: end, SegmentBase: active.base, Position: active.size()}
	l.mu.logStart = max(opts.LogStartOffset, segs[0].base)
	l.mu.recoveryPoint = min(opts.RecoveryPoint, end)
	if opts.CleanShutdown {
		l.mu.recoveryPoint = end
	}
	l.mu.lastFlush = now
	l.epochs.TruncateFromEnd(end)
	l.epochs.TruncateFromStart(l.mu.logStart)
}

// listSegments returns the directory's segments by base offset, with their
// sizes, and removes index files that have no .log.
func (l *Log) listSegments() ([]*segment, error) {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return nil, err
	}
	logs := map[int64]bool{}
	for _, e := range entries {
		if base, suffix, temp, ok := parseSegmentName(e.Name()); ok && temp == "" && suffix == logSuffix {
			logs[base] = true
		}
	}
	var segs []*segment
	for _, e := range entries {
		base, suffix, temp, ok := parseSegmentName(e.Name())
		if !ok || temp != "" || e.IsDir() {
			continue
		}
		if suffix != logSuffix {
			if !logs[base] {
				l.logger.Warn("removing an index file without a log file", "file", e.Name())
				if err := os.Remove(filepath.Join(l.dir, e.Name())); err != nil {
					return nil, err
				}
			}
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		s := newSegment(l.dir, base, l.cfg.IndexIntervalBytes, l.now(), 0)
		s.mu.size = info.Size()
		segs = append(segs, s)
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].base < segs[j].base })
	return segs, nil
}

// loadClean trusts the files: it loads the last segment's index and reads
// the batch headers after its last entry to find the log end. A tail that
// does not parse means the shutdown was not that clean: that segment is
// recovered.
func (l *Log) loadClean(segs []*segment) (int64, error) {
	last := segs[len(segs)-1]
	if err := last.ensureIndex(l.logger); err != nil {
		var ce *CorruptionError
		if !errors.As(err, &ce) {
			return 0, err
		}
	} else if end, err := l.scanTail(last); err == nil {
		return end, nil
	} else if !errors.As(err, new(*CorruptionError)) {
		return 0, err
	}
	l.logger.Warn("the last segment does not parse after a clean shutdown; recovering it", "segment", last.path(logSuffix))
	buf := make([]byte, 0, recoveryChunk)
	end, _, err := l.recoverSegment(last, &buf)
	return end, err
}

// scanTail reads the headers after the last index entry of the (active)
// segment: the last one gives the log end, and their timestamps complete
// the segment's max timestamp.
func (l *Log) scanTail(seg *segment) (int64, error) {
	end := seg.base
	var from int64
	seg.mu.Lock()
	from = seg.mu.idx.index.lastPosition()
	seg.mu.Unlock()
	err := seg.scanHeaders(from, seg.size(), func(h record.Batch, pos int64) error {
		end = h.NextOffset()
		seg.mu.Lock()
		if idx := seg.mu.idx; h.MaxTimestamp() > idx.maxTs {
			idx.maxTs, idx.maxTsOffset, idx.maxTsPos = h.MaxTimestamp(), h.LastOffset(), pos
		}
		seg.mu.Unlock()
		return nil
	})
	return end, err
}

// cleanTempFiles deals with what an interrupted operation leaves, as Kafka's
// LogLoader does: .deleted and .cleaned files are removed; .swap files
// (a finished compaction or split not yet swapped in) replace the segments
// they cover and lose their suffix, unless they belong to a split that did
// not finish (a .swap at or above the first .cleaned), which is removed.
func (l *Log) cleanTempFiles() error {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return err
	}
	minCleaned := int64(1<<63 - 1)
	var swaps []string
	for _, e := range entries {
		base, _, temp, ok := parseSegmentName(e.Name())
		switch {
		case !ok || e.IsDir():
		case temp == deletedSuffix:
			if err := l.remove(e.Name(), "stray deleted file"); err != nil {
				return err
			}
		case temp == cleanedSuffix:
			minCleaned = min(minCleaned, base)
			if err := l.remove(e.Name(), "stray cleaned file"); err != nil {
				return err
			}
		case temp == swapSuffix:
			swaps = append(swaps, e.Name())
		}
	}
	return l.completeSwaps(swaps, minCleaned)
}

func (l *Log) remove(name, why string) error {
	l.logger.Info("removing "+why, "file", name)
	if err := os.Remove(filepath.Join(l.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// completeSwaps finishes interrupted swaps: the segment files that the swap
// segments cover ([min swap base, max swap next offset)) go, then the .swap
// files are renamed into place.
func (l *Log) completeSwaps(swaps []string, minCleaned int64) error {
	var valid []string
	lo, hi := int64(1<<63-1), int64(-1)
	for _, name := range swaps {
		base, suffix, _, _ := parseSegmentName(name)
		if base >= minCleaned {
			if err := l.remove(name, "swap file of an unfinished split"); err != nil {
				return err
			}
			continue
		}
		valid = append(valid, name)
		if suffix != logSuffix {
			continue
		}
		next, err := nextOffsetOfFile(filepath.Join(l.dir, name), base)
		if err != nil {
			return err
		}
		lo, hi = min(lo, base), max(hi, next)
	}
	if len(valid) == 0 {
		return nil
	}
	if err := l.removeCovered(lo, hi); err != nil {
		return err
	}
	for _, name := range valid {
		l.logger.Info("completing an interrupted swap", "file", name)
		p := filepath.Join(l.dir, name)
		if err := os.Rename(p, p[:len(p)-len(swapSuffix)]); err != nil {
			return err
		}
	}
	return syncDir(l.dir)
}

// removeCovered removes the plain segment files with a base in [lo, hi).
func (l *Log) removeCovered(lo, hi int64) error {
	entries, err := os.ReadDir(l.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		base, _, temp, ok := parseSegmentName(e.Name())
		if ok && temp == "" && base >= lo && base < hi {
			if err := l.remove(e.Name(), "segment replaced by a swap file"); err != nil {
				return err
			}
		}
	}
	return nil
}

// nextOffsetOfFile returns the offset after the last batch of a segment
// file, reading its headers; base when it has none.
func nextOffsetOfFile(path string, base int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	next := base
	sc := newHeaderScanner(f, 0, fi.Size())
	for {
		h, _, ok, err := sc.next()
		if err != nil || !ok {
			return next, err
		}
		next = h.NextOffset()
	}
}

// removeSegments deletes segment files at load time, when no reader can
// hold them yet.
func removeSegments(segs []*segment) error {
	var errs []error
	for _, s := range segs {
		for _, suffix := range segmentSuffixes {
			if err := os.Remove(s.path(suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// makeDir creates dir if needed, fsyncing its parent so the new directory
// lasts.
func makeDir(dir string) error {
	if _, err := os.Stat(dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}
