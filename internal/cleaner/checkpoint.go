package cleaner

import (
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"sync"

	"github.com/spoolhq/spool/internal/storage"
)

// CheckpointFile is the cleaner's file in each log directory: per
// compacted partition, the first offset of the dirty section (everything
// below it was cleaned), in Kafka's offset checkpoint format
// (docs/format/checkpoints.md).
const CheckpointFile = "cleaner-offset-checkpoint"

// checkpoints keeps the cleaner checkpoints of the log directories. A
// directory's file is read when one of its partitions is first looked at,
// and rewritten (durably) whenever one of its entries changes. Its lock
// is held across that file I/O; nothing else is taken under it.
type checkpoints struct {
	logger *slog.Logger

	mu struct {
		sync.Mutex
		dirs map[string]map[storage.TopicPartition]int64
		// live are the partitions that exist; entries of others are
		// dropped when a file is written (Kafka keeps only logs it has).
		live map[storage.TopicPartition]bool
	}
}

func newCheckpoints(logger *slog.Logger) *checkpoints {
	c := &checkpoints{logger: logger}
	c.mu.dirs = map[string]map[storage.TopicPartition]int64{}
	return c
}

// get returns tp's checkpoint in dir.
func (c *checkpoints) get(dir string, tp storage.TopicPartition) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	off, ok := c.loadLocked(dir)[tp]
	return off, ok
}

// loadLocked returns dir's entries, reading its file the first time. An
// unreadable file counts as empty, as Kafka does: the logs are then cleaned
// from their start.
func (c *checkpoints) loadLocked(dir string) map[storage.TopicPartition]int64 {
	if m, ok := c.mu.dirs[dir]; ok {
		return m
	}
	m, err := storage.ReadOffsetCheckpoint(filepath.Join(dir, CheckpointFile))
	if err != nil {
		c.logger.Warn("ignoring an unreadable cleaner checkpoint", "dir", dir, "err", err)
		m = map[storage.TopicPartition]int64{}
	}
	c.mu.dirs[dir] = m
	return m
}

// setLive records which partitions exist.
func (c *checkpoints) setLive(live map[storage.TopicPartition]bool) {
	c.mu.Lock()
	c.mu.live = live
	c.mu.Unlock()
}

// set stores tp's checkpoint in dir and rewrites the file.
func (c *checkpoints) set(dir string, tp storage.TopicPartition, offset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.loadLocked(dir)
	if old, ok := m[tp]; ok && old == offset {
		return nil
	}
	m[tp] = offset
	return c.writeLocked(dir)
}

// lower sets tp's checkpoint to offset if it is above (after a truncation).
func (c *checkpoints) lower(dir string, tp storage.TopicPartition, offset int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.loadLocked(dir)
	if old, ok := m[tp]; !ok || old <= offset {
		return nil
	}
	m[tp] = offset
	return c.writeLocked(dir)
}

// remove drops tp's entry from every directory that has one.
func (c *checkpoints) remove(tp storage.TopicPartition) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for dir, m := range c.mu.dirs {
		if _, ok := m[tp]; ok {
			delete(m, tp)
			if err := c.writeLocked(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *checkpoints) writeLocked(dir string) error {
	m := c.mu.dirs[dir]
	if c.mu.live != nil {
		maps.DeleteFunc(m, func(tp storage.TopicPartition, _ int64) bool { return !c.mu.live[tp] })
	}
	if err := storage.WriteOffsetCheckpoint(filepath.Join(dir, CheckpointFile), m); err != nil {
		return fmt.Errorf("write cleaner checkpoint: %w", err)
	}
	return nil
}
