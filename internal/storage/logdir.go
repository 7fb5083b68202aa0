package storage

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// metadataTopic is the KRaft metadata log's topic; its directory is not a
// partition log of ours.
const metadataTopic = "__cluster_metadata"

// DirOptions configures a LogDir.
type DirOptions struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger; slog.Default when nil.
	Logger *slog.Logger
	// Workers is how many logs Close flushes at once
	// (num.recovery.threads.per.data.dir); 1 when zero.
	Workers int
}

// LogDir is one log directory (an entry of log.dirs): its lock, marker and
// checkpoint files, and the partition logs in it. Logs open on first use,
// so a directory with thousands of partitions opens in the time it takes
// to list it. LogDir knows logs, not replicas: high watermarks, leadership
// and which partitions should exist belong to the layers above.
type LogDir struct {
	path    string
	now     func() time.Time
	logger  *slog.Logger
	workers int      // logs closed at once
	clean   bool     // the directory had the clean shutdown marker
	lock    *os.File // holds the .lock file's flock

	mu struct {
		sync.Mutex
		logs    map[TopicPartition]*Log
		opening map[TopicPartition]*openingLog
		// unopened are partition directories found on disk and not yet
		// opened, with their checkpointed offsets.
		unopened       map[TopicPartition]bool
		recoveryPoints map[TopicPartition]int64
		logStarts      map[TopicPartition]int64
		closed         bool
	}
}

// OpenLogDir locks the directory, consumes the clean shutdown marker,
// reads the checkpoints, removes partition directories left renamed
// "-delete", and lists the partition directories, opening none.
func OpenLogDir(path string, opts DirOptions) (d *LogDir, err error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, fmt.Errorf("open log dir %s: %w", path, err)
	}
	d = &LogDir{path: path, now: opts.Now, logger: opts.Logger.With("logDir", path), workers: opts.Workers}
	if d.lock, err = lockDir(path); err != nil {
		return nil, fmt.Errorf("open log dir %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			_ = unlockDir(d.lock)
		}
	}()
	if d.clean, _, err = ConsumeCleanShutdownMarker(path); err != nil {
		return nil, fmt.Errorf("open log dir %s: %w", path, err)
	}
	d.mu.logs = map[TopicPartition]*Log{}
	d.mu.opening = map[TopicPartition]*openingLog{}
	d.mu.recoveryPoints = d.readCheckpoint(RecoveryPointCheckpointFile)
	d.mu.logStarts = d.readCheckpoint(LogStartCheckpointFile)
	if d.mu.unopened, err = d.scan(); err != nil {
		return nil, fmt.Errorf("open log dir %s: %w", path, err)
	}
	if !d.clean && len(d.mu.unopened) > 0 {
		d.logger.Info("no clean shutdown marker: logs recover as they open", "logs", len(d.mu.unopened))
	}
	return d, nil
}

// readCheckpoint reads a checkpoint; like Kafka, an unreadable one counts
// as empty (so recovery starts from the beginning).
func (d *LogDir) readCheckpoint(name string) map[TopicPartition]int64 {
	m, err := ReadOffsetCheckpoint(filepath.Join(d.path, name))
	if err != nil {
		d.logger.Warn("ignoring an unreadable checkpoint", "file", name, "err", err)
		return map[TopicPartition]int64{}
	}
	return m
}

// scan lists the partition directories and removes "-delete" ones.
func (d *LogDir) scan() (map[TopicPartition]bool, error) {
	entries, err := os.ReadDir(d.path)
	if err != nil {
		return nil, err
	}
	found := map[TopicPartition]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		tp, kind, err := ParsePartitionDir(e.Name())
		switch {
		case err != nil:
			d.logger.Warn("ignoring a directory that is not a partition log", "dir", e.Name())
		case kind == DirDeleted:
			d.logger.Info("removing a deleted partition's directory", "dir", e.Name())
			if err := os.RemoveAll(filepath.Join(d.path, e.Name())); err != nil {
				return nil, err
			}
		case kind == DirLive && tp.Topic != metadataTopic:
			found[tp] = true
		}
	}
	return found, nil
}

// Path is the log directory.
func (d *LogDir) Path() string { return d.path }

// HadCleanShutdown reports whether the directory had the marker at open.
func (d *LogDir) HadCleanShutdown() bool { return d.clean }

// Partitions lists the partitions with a log here, opened or not, sorted.
func (d *LogDir) Partitions() []TopicPartition {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]TopicPartition, 0, len(d.mu.logs)+len(d.mu.unopened))
	for tp := range d.mu.logs {
		out = append(out, tp)
	}
	for tp := range d.mu.unopened {
		out = append(out, tp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Topic != out[j].Topic {
			return out[i].Topic < out[j].Topic
		}
		return out[i].Partition < out[j].Partition
	})
	return out
}

// Has reports whether the partition has a log here, opened or not.
func (d *LogDir) Has(tp TopicPartition) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, open := d.mu.logs[tp]
	return open || d.mu.unopened[tp]
}

// NumPartitions counts the partitions with a log here, opened or not.
func (d *LogDir) NumPartitions() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.mu.logs) + len(d.mu.unopened)
}

// Get returns the partition's log if it is open.
func (d *LogDir) Get(tp TopicPartition) (*Log, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.mu.logs[tp]
	return l, ok
}

// Log returns the partition's log, opening it (with its checkpointed
// recovery point and log start offset) or creating it on first use.
// Opening after an unclean shutdown recovers the log, which reads its data;
// callers asking for the same partition meanwhile wait for that open, while
// other partitions open in parallel.
func (d *LogDir) Log(tp TopicPartition, cfg Config) (*Log, error) {
	d.mu.Lock()
	if d.mu.closed {
		d.mu.Unlock()
		return nil, ErrClosed
	}
	if l, ok := d.mu.logs[tp]; ok {
		d.mu.Unlock()
		return l, nil
	}
	if op, ok := d.mu.opening[tp]; ok {
		d.mu.Unlock()
		<-op.done
		return op.log, op.err
	}
	op := &openingLog{done: make(chan struct{})}
	d.mu.opening[tp] = op
	opts := Options{
		Now:            d.now,
		Logger:         d.logger,
		RecoveryPoint:  d.mu.recoveryPoints[tp],
		LogStartOffset: d.mu.logStarts[tp],
		CleanShutdown:  d.clean,
	}
	d.mu.Unlock()

	op.log, op.err = Open(filepath.Join(d.path, PartitionDirName(tp)), cfg, opts)
	d.mu.Lock()
	delete(d.mu.opening, tp)
	if op.err == nil && d.mu.closed {
		_ = op.log.Close()
		op.log, op.err = nil, ErrClosed
	}
	if op.err == nil {
		d.mu.logs[tp] = op.log
		delete(d.mu.unopened, tp)
	}
	d.mu.Unlock()
	close(op.done)
	return op.log, op.err
}

// openingLog is an open in progress that other callers wait for.
type openingLog struct {
	done chan struct{}
	log  *Log
	err  error
}

// OpenAll opens every partition log found on disk, recovering them if the
// shutdown was not clean.
func (d *LogDir) OpenAll(cfgFor func(TopicPartition) Config) error {
	d.mu.Lock()
	var tps []TopicPartition
	for tp := range d.mu.unopened {
		tps = append(tps, tp)
	}
	d.mu.Unlock()
	var errs []error
	for _, tp := range tps {
		if _, err := d.Log(tp, cfgFor(tp)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// DeleteLog removes a partition's log: it is closed, its directory renamed
// "<tp>.<id>-delete" (so a crash midway leaves a name OpenLogDir cleans up)
// and removed. Readers holding FileSlices keep reading their open files.
func (d *LogDir) DeleteLog(tp TopicPartition) error {
	d.mu.Lock()
	l := d.mu.logs[tp]
	delete(d.mu.logs, tp)
	delete(d.mu.unopened, tp)
	delete(d.mu.recoveryPoints, tp)
	delete(d.mu.logStarts, tp)
	d.mu.Unlock()
	if l != nil {
		if err := l.Close(); err != nil && !errors.Is(err, ErrClosed) {
			d.logger.Warn("close deleted log", "partition", tp, "err", err)
		}
	}
	var unique UUID
	_, _ = rand.Read(unique[:])
	from := filepath.Join(d.path, PartitionDirName(tp))
	to := filepath.Join(d.path, DeletedDirName(tp, unique))
	if err := os.Rename(from, to); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("delete log %s: %w", tp, err)
	}
	if err := syncDir(d.path); err != nil {
		return fmt.Errorf("delete log %s: %w", tp, err)
	}
	if err := os.RemoveAll(to); err != nil {
		return fmt.Errorf("delete log %s: %w", tp, err)
	}
	return nil
}

// openLogs returns the open logs.
func (d *LogDir) openLogs() map[TopicPartition]*Log {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[TopicPartition]*Log, len(d.mu.logs))
	for tp, l := range d.mu.logs {
		out[tp] = l
	}
	return out
}

// Checkpoint writes recovery-point-offset-checkpoint and
// log-start-offset-checkpoint: the open logs' current values, and the
// values read at open for logs not opened since.
func (d *LogDir) Checkpoint() error {
	rps, starts := d.offsets()
	return errors.Join(
		WriteOffsetCheckpoint(filepath.Join(d.path, RecoveryPointCheckpointFile), rps),
		WriteOffsetCheckpoint(filepath.Join(d.path, LogStartCheckpointFile), starts),
	)
}

func (d *LogDir) offsets() (rps, starts map[TopicPartition]int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	rps, starts = map[TopicPartition]int64{}, map[TopicPartition]int64{}
	for tp := range d.mu.unopened {
		if v, ok := d.mu.recoveryPoints[tp]; ok {
			rps[tp] = v
		}
		if v, ok := d.mu.logStarts[tp]; ok {
			starts[tp] = v
		}
	}
	for tp, l := range d.mu.logs {
		rps[tp] = l.RecoveryPoint()
		starts[tp] = l.LogStartOffset()
	}
	return rps, starts
}

// ReadReplicationCheckpoint reads replication-offset-checkpoint (the high
// watermarks, which the replica layer owns).
func (d *LogDir) ReadReplicationCheckpoint() (map[TopicPartition]int64, error) {
	return ReadOffsetCheckpoint(filepath.Join(d.path, ReplicationCheckpointFile))
}

// WriteReplicationCheckpoint writes replication-offset-checkpoint.
func (d *LogDir) WriteReplicationCheckpoint(hw map[TopicPartition]int64) error {
	return WriteOffsetCheckpoint(filepath.Join(d.path, ReplicationCheckpointFile), hw)
}

// ApplyRetention runs retention over the open logs (a log that was never
// opened has not changed since it was last retained). highWatermark gives
// each partition's high watermark.
func (d *LogDir) ApplyRetention(now time.Time, highWatermark func(TopicPartition) int64) (int, error) {
	var n int
	var errs []error
	for tp, l := range d.openLogs() {
		m, err := l.ApplyRetention(now, highWatermark(tp))
		n += m
		if err != nil && !errors.Is(err, ErrClosed) {
			errs = append(errs, err)
		}
	}
	return n, errors.Join(errs...)
}

// FlushDue flushes the open logs whose flush.ms has passed (Kafka's
// log.flush.scheduler.interval.ms task).
func (d *LogDir) FlushDue(now time.Time) error {
	var errs []error
	for _, l := range d.openLogs() {
		if l.FlushDue(now) {
			if err := l.Flush(); err != nil && !errors.Is(err, ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Close is the directory's clean shutdown: every open log is flushed and
// closed, the checkpoints are written, and the clean shutdown marker is
// written if every log here is known to be consistent (the directory was
// clean at open, or every log in it was opened and so recovered).
func (d *LogDir) Close(brokerEpoch int64) error {
	d.mu.Lock()
	if d.mu.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	d.mu.closed = true
	allRecovered := len(d.mu.unopened) == 0
	d.mu.Unlock()
	errs, flushed := d.closeLogs()
	errs = append(errs, d.Checkpoint())
	if err := errors.Join(errs...); err == nil && flushed && (d.clean || allRecovered) {
		errs = append(errs, WriteCleanShutdownMarker(d.path, brokerEpoch))
	}
	errs = append(errs, unlockDir(d.lock))
	return errors.Join(errs...)
}

// closeLogs flushes and closes every open log, Workers at a time (fsyncs of
// different files proceed in parallel on most disks), and reports whether
// every log ended flushed.
func (d *LogDir) closeLogs() (errs []error, flushed bool) {
	type job struct {
		tp  TopicPartition
		log *Log
	}
	jobs := make(chan job)
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	flushed = true
	for range max(d.workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				_, err := j.log.FlushAndClose()
				// A log someone closed without a flush cannot be vouched for.
				unflushed := j.log.RecoveryPoint() < j.log.LogEndOffset()
				mu.Lock()
				if err != nil && !errors.Is(err, ErrClosed) {
					errs = append(errs, fmt.Errorf("close log %s: %w", j.tp, err))
				}
				if unflushed {
					d.logger.Warn("a log was closed unflushed: no clean shutdown marker", "partition", j.tp)
					flushed = false
				}
				mu.Unlock()
			}
		}()
	}
	for tp, l := range d.openLogs() {
		jobs <- job{tp, l}
	}
	close(jobs)
	wg.Wait()
	return errs, flushed
}
