package cleaner

import (
	"context"
	"math"
	"path/filepath"
	"sort"
	"time"

	"github.com/spoolhq/spool/internal/storage"
)

// candidate is a compacted log and its sections (Kafka's LogToClean).
type candidate struct {
	p   Partition
	tp  storage.TopicPartition
	dir string // the log directory, where the checkpoint lives
	// firstDirty is where the dirty section starts; firstUncleanable the
	// base of the first segment that may not be cleaned.
	firstDirty, firstUncleanable int64
	cleanBytes, cleanableBytes   int64
	// delay is how far the dirty section is past max.compaction.lag.ms.
	delay time.Duration
	// resetCheckpoint: the checkpoint was outside the log and is reset.
	resetCheckpoint bool
}

// ratio is the dirty ratio: cleanable bytes over all bytes considered.
func (c *candidate) ratio() float64 {
	total := c.cleanBytes + c.cleanableBytes
	if total == 0 {
		return 0
	}
	return float64(c.cleanableBytes) / float64(total)
}

// cleanable applies Kafka's rule: dirty enough, or overdue by
// max.compaction.lag.ms with something to clean.
func (c *candidate) cleanable() bool {
	if c.cleanBytes+c.cleanableBytes == 0 {
		return false
	}
	return c.delay > 0 && c.cleanableBytes > 0 || c.ratio() > c.p.Config().MinCleanableDirtyRatio
}

// grab picks the dirtiest log that needs cleaning and marks it in
// progress; nil if none does.
func (c *Cleaner) grab(ctx context.Context) *job {
	now := c.now()
	parts := c.eligible()
	var cands []*candidate
	var maxRatio float64
	var maxDelay time.Duration
	for _, p := range parts {
		if ctx.Err() != nil {
			return nil
		}
		cand, err := c.evaluate(p, now)
		if err != nil {
			c.markUncleanable(p, err)
			continue
		}
		if cand.resetCheckpoint {
			c.resetCheckpoint(cand)
		}
		maxRatio, maxDelay = max(maxRatio, cand.ratio()), max(maxDelay, cand.delay)
		if cand.cleanable() {
			cands = append(cands, cand)
		}
	}
	sort.SliceStable(cands, func(i, k int) bool { return cands[i].ratio() > cands[k].ratio() })
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.stats.MaxDirtyRatio, c.mu.stats.MaxCompactionDelay, c.mu.stats.LastRun = maxRatio, maxDelay, now
	for _, cand := range cands {
		if c.eligibleLocked(cand.tp) {
			j := &job{candidate: *cand}
			c.stateLocked(cand.tp).job = j
			return j
		}
	}
	return nil
}

// eligible lists the compacted partitions that may be cleaned now, and
// tells the checkpoints which partitions exist.
func (c *Cleaner) eligible() []Partition {
	all := c.partitions()
	live := make(map[storage.TopicPartition]bool, len(all))
	var out []Partition
	c.mu.Lock()
	for _, p := range all {
		tp := topicPartition(p)
		live[tp] = true
		if p.Config().CleanupPolicy.Compact && c.eligibleLocked(tp) {
			out = append(out, p)
		}
	}
	c.mu.Unlock()
	c.ckpt.setLive(live)
	return out
}

func topicPartition(p Partition) storage.TopicPartition {
	return storage.TopicPartition{Topic: p.Topic(), Partition: p.Index()}
}

func (c *Cleaner) markUncleanable(p Partition, err error) {
	tp := topicPartition(p)
	if !isUnexpected(err) {
		return
	}
	c.logger.Warn("cannot compute what to clean; the partition is marked uncleanable", "partition", tp, "err", err)
	c.mu.Lock()
	c.stateLocked(tp).uncleanable = true
	c.mu.Unlock()
}

func (c *Cleaner) resetCheckpoint(cand *candidate) {
	if err := c.ckpt.set(cand.dir, cand.tp, cand.firstDirty); err != nil {
		c.logger.Error("log cleaner checkpoint", "partition", cand.tp, "err", err)
	}
}

// evaluate measures a log's clean and dirty sections, as Kafka's
// LogCleanerManager.cleanableOffsets and LogToClean do.
func (c *Cleaner) evaluate(p Partition, now time.Time) (*candidate, error) {
	log := p.Log()
	refs, activeBase, err := log.InactiveSegments()
	if err != nil {
		return nil, err
	}
	defer storage.ReleaseSegments(refs)
	cand := &candidate{p: p, tp: topicPartition(p), dir: filepath.Dir(log.Dir())}
	cand.firstDirty, cand.resetCheckpoint = c.firstDirty(cand, log)
	uncleanable, err := uncleanableOffset(p, refs, activeBase, cand.firstDirty, now)
	if err != nil {
		return nil, err
	}
	cand.firstUncleanable = segmentBaseOf(refs, activeBase, max(cand.firstDirty, uncleanable))
	for _, r := range refs {
		if r.BaseOffset() < cand.firstDirty {
			cand.cleanBytes += r.Size()
		}
		if r.NextOffset() > min(cand.firstDirty, cand.firstUncleanable) && r.BaseOffset() < cand.firstUncleanable {
			cand.cleanableBytes += r.Size()
		}
	}
	cand.delay, err = compactionDelay(p, refs, cand.firstDirty, now)
	return cand, err
}

// firstDirty is where the dirty section starts: the checkpoint, or the log
// start offset when there is none or it lies outside the log (the log was
// truncated, or retention passed it).
func (c *Cleaner) firstDirty(cand *candidate, log *storage.Log) (int64, bool) {
	start, end := log.LogStartOffset(), log.LogEndOffset()
	ckpt, ok := c.ckpt.get(cand.dir, cand.tp)
	switch {
	case !ok:
		return start, false
	case ckpt < start:
		return start, true
	case ckpt > end:
		c.logger.Warn("the cleaner checkpoint is past the log end; cleaning from the log start",
			"partition", cand.tp, "checkpoint", ckpt, "end", end)
		return start, true
	}
	return ckpt, false
}

// uncleanableOffset is the first offset that may not be cleaned: the last
// stable offset, the active segment's base, or the base of the first dirty
// segment holding a record newer than min.compaction.lag.ms. Unlike Kafka,
// the cleaner also stays below the recovery point: a cleaned segment drops
// records superseded by later ones, and those must be on disk before the
// older ones go, or a power failure could lose both. (A segment is flushed
// when it rolls, so this rarely holds cleaning back.)
func uncleanableOffset(p Partition, refs []*storage.SegmentRef, activeBase, firstDirty int64, now time.Time) (int64, error) {
	bound := min(p.LastStableOffset(), activeBase, p.Log().RecoveryPoint())
	lag := max(p.Config().MinCompactionLagMs, 0)
	if lag == 0 {
		return bound, nil
	}
	for _, r := range refs {
		if r.NextOffset() <= firstDirty {
			continue
		}
		ts, err := r.LargestTimestamp()
		if err != nil {
			return 0, err
		}
		if ts > now.UnixMilli()-lag {
			return min(bound, r.BaseOffset()), nil
		}
	}
	return bound, nil
}

// segmentBaseOf is the base of the segment holding offset (the active one
// from its base on): cleaning stops at a segment boundary.
func segmentBaseOf(refs []*storage.SegmentRef, activeBase, offset int64) int64 {
	if offset >= activeBase {
		return activeBase
	}
	base := activeBase
	for i := len(refs) - 1; i >= 0; i-- {
		base = refs[i].BaseOffset()
		if base <= offset {
			break
		}
	}
	return base
}

// compactionDelay is how far the oldest dirty inactive segment's first
// batch is past max.compaction.lag.ms (0 if none is).
func compactionDelay(p Partition, refs []*storage.SegmentRef, firstDirty int64, now time.Time) (time.Duration, error) {
	earliest := int64(math.MaxInt64)
	for _, r := range refs {
		if r.NextOffset() <= firstDirty {
			continue
		}
		ts, err := r.FirstBatchTimestamp()
		if err != nil {
			return 0, err
		}
		if ts > 0 {
			earliest = min(earliest, ts)
		}
	}
	cleanUntil := now.UnixMilli() - max(p.Config().MaxCompactionLagMs, 0)
	if earliest < cleanUntil {
		return time.Duration(cleanUntil-earliest) * time.Millisecond, nil
	}
	return 0, nil
}
