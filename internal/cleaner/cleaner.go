package cleaner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/storage"
)

// Partition is a hosted partition as the cleaner sees it;
// *partition.Partition implements it.
type Partition interface {
	Topic() string
	Index() int32
	Log() *storage.Log
	// Config is the topic's resolved config: cleanup.policy,
	// min.cleanable.dirty.ratio, min/max.compaction.lag.ms,
	// delete.retention.ms, segment.bytes, segment.index.bytes,
	// max.message.bytes.
	Config() config.Topic
	// LastStableOffset bounds the cleaning: no segment holding it or any
	// later offset is cleaned.
	LastStableOffset() int64
	// Producers are the partition's idempotent producers; the cleaner keeps
	// each one's last batch so that its sequence survives.
	Producers() []producerstate.Entry
}

// Options is what a Cleaner needs from its owner.
type Options struct {
	// Partitions lists the hosted partitions, compacted or not; it is
	// called once per pass and must not block on the cleaner.
	Partitions func() []Partition
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger; slog.Default when nil.
	Logger *slog.Logger
}

// Cleaner compacts the logs of compacted topics. Its methods are safe for
// concurrent use.
type Cleaner struct {
	cfg        Config
	partitions func() []Partition
	now        func() time.Time
	logger     *slog.Logger
	throttle   *throttler
	ckpt       *checkpoints

	// foreground is CleanOnce's worker, used by one call at a time.
	foreground struct {
		sync.Mutex
		w *worker
	}

	// stopAt, when set (by tests), runs at each step of a cleaning; an error
	// stops the cleaning there as a crash would.
	stopAt func(step string) error

	mu struct {
		sync.Mutex
		// changed is signalled when a partition stops being cleaned.
		changed *sync.Cond
		parts   map[storage.TopicPartition]*partState
		stats   Stats
		last    map[int]runStats // each worker's last cleaning
	}
}

// partState is what the cleaner knows of one partition.
type partState struct {
	job         *job // the cleaning in progress, nil if none
	pauses      int  // outstanding AbortAndPause calls
	uncleanable bool // a cleaning failed unexpectedly; skipped from now on
}

// job is one cleaning in progress.
type job struct {
	candidate
	abort atomic.Bool
}

// New returns a cleaner; Run starts its threads.
func New(cfg Config, o Options) (*Cleaner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("log cleaner: %w", err)
	}
	if o.Partitions == nil {
		return nil, errors.New("log cleaner: no partition source")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	c := &Cleaner{cfg: cfg, partitions: o.Partitions, now: o.Now, logger: o.Logger,
		throttle: newThrottler(cfg.MaxIOBytesPerSecond, o.Now), ckpt: newCheckpoints(o.Logger)}
	c.mu.changed = sync.NewCond(&c.mu.Mutex)
	c.mu.parts = map[storage.TopicPartition]*partState{}
	c.mu.last = map[int]runStats{}
	return c, nil
}

// Run cleans logs on Config.Threads goroutines until ctx ends, and returns
// once they all have stopped. A thread that finds nothing to clean waits
// Config.Backoff.
func (c *Cleaner) Run(ctx context.Context) {
	c.logger.Info("starting the log cleaner", "threads", c.cfg.Threads)
	var wg sync.WaitGroup
	for i := range c.cfg.Threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.loop(ctx, c.newWorker(i))
		}()
	}
	wg.Wait()
}

func (c *Cleaner) loop(ctx context.Context, w *worker) {
	for ctx.Err() == nil {
		cleaned, _ := c.pass(ctx, w)
		if !cleaned && sleepCtx(ctx, c.cfg.Backoff) != nil {
			return
		}
	}
}

// CleanOnce cleans the dirtiest log that needs it, if any, on the calling
// goroutine, and reports whether it cleaned one. The error is that
// cleaning's, if it failed.
func (c *Cleaner) CleanOnce(ctx context.Context) (bool, error) {
	c.foreground.Lock()
	defer c.foreground.Unlock()
	if c.foreground.w == nil {
		c.foreground.w = c.newWorker(-1)
	}
	return c.pass(ctx, c.foreground.w)
}

// pass picks the dirtiest log and cleans it.
func (c *Cleaner) pass(ctx context.Context, w *worker) (bool, error) {
	j := c.grab(ctx)
	if j == nil {
		return false, nil
	}
	end, err := w.clean(ctx, j)
	c.done(j, w, end, err)
	return err == nil, err
}

// done ends a cleaning: the checkpoint moves unless it failed or was
// aborted, and the partition is free again.
func (c *Cleaner) done(j *job, w *worker, end int64, err error) {
	switch {
	case err == nil && !j.abort.Load():
		if cerr := c.ckpt.set(j.dir, j.tp, end); cerr != nil {
			c.logger.Error("log cleaner checkpoint", "partition", j.tp, "err", cerr)
		}
		w.run.logDone(c.logger, j, end)
	case err == nil, errors.Is(err, errAborted), errors.Is(err, context.Canceled),
		errors.Is(err, storage.ErrSegmentsChanged), errors.Is(err, storage.ErrClosed):
		c.logger.Debug("log cleaning stopped", "partition", j.tp, "reason", err)
	default:
		c.logger.Warn("log cleaning failed; the partition is marked uncleanable", "partition", j.tp, "err", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.mu.parts[j.tp]; st != nil && st.job == j {
		st.job = nil
		st.uncleanable = st.uncleanable || isUnexpected(err)
	}
	if err == nil {
		c.mu.last[w.id] = w.run
		c.mu.stats.add(w.run)
	}
	c.mu.changed.Broadcast()
}

// isUnexpected tells a failure that marks a partition uncleanable (as
// Kafka's LogCleaningException does) from an interruption.
func isUnexpected(err error) bool {
	return err != nil && !errors.Is(err, errAborted) && !errors.Is(err, context.Canceled) &&
		!errors.Is(err, storage.ErrSegmentsChanged) && !errors.Is(err, storage.ErrClosed)
}

// errAborted stops a cleaning that AbortAndPause aborted.
var errAborted = errors.New("log cleaning aborted")

// AbortAndPause stops the cleaning of tp if one is in progress, waits until
// it has stopped, and keeps tp from being cleaned until a matching Resume
// (Kafka's abortAndPauseCleaning). Call it before deleting or truncating
// a log.
func (c *Cleaner) AbortAndPause(tp storage.TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stateLocked(tp)
	st.pauses++
	if st.job != nil {
		st.job.abort.Store(true)
	}
	for st.job != nil {
		c.mu.changed.Wait()
	}
}

// Resume undoes one AbortAndPause.
func (c *Cleaner) Resume(tp storage.TopicPartition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.mu.parts[tp]; st != nil && st.pauses > 0 {
		st.pauses--
	}
}

// Forget drops what the cleaner knows of a deleted partition: its state
// (pauses included) and its checkpoint entry. Call it after the log is
// gone, having paused it with AbortAndPause before.
func (c *Cleaner) Forget(tp storage.TopicPartition) error {
	c.mu.Lock()
	if st := c.mu.parts[tp]; st != nil && st.job != nil {
		st.job.abort.Store(true)
	}
	delete(c.mu.parts, tp)
	c.mu.Unlock()
	return c.ckpt.remove(tp)
}

// TruncateCheckpoint lowers tp's checkpoint to offset when it is above it:
// call it, paused, after truncating tp's log to offset, so that the data
// written there anew is cleaned.
func (c *Cleaner) TruncateCheckpoint(tp storage.TopicPartition, log *storage.Log, offset int64) error {
	return c.ckpt.lower(filepath.Dir(log.Dir()), tp, offset)
}

// Checkpoint returns tp's cleaner checkpoint in the log directory of log:
// where its dirty section starts.
func (c *Cleaner) Checkpoint(tp storage.TopicPartition, log *storage.Log) (int64, bool) {
	return c.ckpt.get(filepath.Dir(log.Dir()), tp)
}

func (c *Cleaner) stateLocked(tp storage.TopicPartition) *partState {
	st := c.mu.parts[tp]
	if st == nil {
		st = &partState{}
		c.mu.parts[tp] = st
	}
	return st
}

// eligibleLocked reports whether tp may be picked for cleaning.
func (c *Cleaner) eligibleLocked(tp storage.TopicPartition) bool {
	st := c.mu.parts[tp]
	return st == nil || st.job == nil && st.pauses == 0 && !st.uncleanable
}

// Stats are the cleaner's figures, for metrics (Kafka's names in the
// comments).
type Stats struct {
	// Cleanings counts the cleanings that finished.
	Cleanings int64
	// BytesRead and BytesWritten count what the cleanings read (the map
	// included) and wrote; MessagesRead and MessagesWritten the records.
	BytesRead, BytesWritten       int64
	MessagesRead, MessagesWritten int64
	// MaxDirtyRatio is the largest cleanable ratio found by the last
	// selection (max-dirty-percent).
	MaxDirtyRatio float64
	// MaxCompactionDelay is how far the most overdue log was past
	// max.compaction.lag.ms at the last selection (max-compaction-delay-secs).
	MaxCompactionDelay time.Duration
	// MaxCleanTime is the longest of the threads' last cleanings
	// (max-clean-time-secs).
	MaxCleanTime time.Duration
	// MaxBufferUtilization is the fullest offset map of the threads' last
	// cleanings (max-buffer-utilization-percent).
	MaxBufferUtilization float64
	// RecopyRatio is bytes written over bytes read by the threads' last
	// cleanings (cleaner-recopy-percent).
	RecopyRatio float64
	// UncleanablePartitions counts partitions whose cleaning failed
	// (uncleanable-partitions-count).
	UncleanablePartitions int
	// LastRun is when the last selection ran (time-since-last-run-ms).
	LastRun time.Time
}

func (s *Stats) add(r runStats) {
	s.Cleanings++
	s.BytesRead += r.bytesRead + r.mapBytesRead
	s.BytesWritten += r.bytesWritten
	s.MessagesRead += r.messagesRead
	s.MessagesWritten += r.messagesWritten
}

// Stats returns the current figures.
func (c *Cleaner) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.mu.stats
	var read, written int64
	for _, r := range c.mu.last {
		s.MaxCleanTime = max(s.MaxCleanTime, r.elapsed)
		s.MaxBufferUtilization = max(s.MaxBufferUtilization, r.bufferUtilization)
		read += r.bytesRead
		written += r.bytesWritten
	}
	if read > 0 {
		s.RecopyRatio = float64(written) / float64(read)
	}
	for _, st := range c.mu.parts {
		if st.uncleanable {
			s.UncleanablePartitions++
		}
	}
	return s
}

// step runs the crash hook of tests.
func (c *Cleaner) step(name string) error {
	if c.stopAt == nil {
		return nil
	}
	return c.stopAt(name)
}
