package storage

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// UndefinedEpoch and UndefinedEpochOffset are Kafka's answers when no epoch
// is known (OffsetForLeaderEpoch's UNDEFINED_EPOCH(_OFFSET)).
const (
	UndefinedEpoch       int32 = -1
	UndefinedEpochOffset int64 = -1
)

// EpochEntry says that leader epoch Epoch wrote its first batch at
// StartOffset.
type EpochEntry struct {
	Epoch       int32
	StartOffset int64
}

// LeaderEpochCache maps leader epochs to the offset where each began,
// persisted in leader-epoch-checkpoint (Kafka's LeaderEpochFileCache).
// Entries strictly increase in both epoch and start offset.
//
// Changes made on the append path (a batch with a new epoch) and by
// truncation stay in memory until Flush, which the log calls before it moves
// its recovery point, so an entry missing from the file always covers
// offsets that recovery rescans. Assign, called when a leader takes over,
// writes the file at once as Kafka does.
type LeaderEpochCache struct {
	path string
	// writeMu serializes file writes, which happen outside mu so that the
	// append path never waits for an fsync.
	writeMu sync.Mutex
	mu      struct {
		sync.Mutex
		entries []EpochEntry
		dirty   bool
	}
}

// OpenLeaderEpochCache reads the checkpoint at path (empty if missing).
func OpenLeaderEpochCache(path string) (*LeaderEpochCache, error) {
	lines, err := readCheckpointLines(path)
	if err != nil {
		return nil, err
	}
	c := &LeaderEpochCache{path: path}
	for _, line := range lines {
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("read checkpoint %s: malformed line %q", path, line)
		}
		epoch, err1 := strconv.ParseInt(f[0], 10, 32)
		start, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || epoch < 0 || start < 0 {
			return nil, fmt.Errorf("read checkpoint %s: malformed line %q", path, line)
		}
		c.assignLocked(EpochEntry{Epoch: int32(epoch), StartOffset: start})
	}
	c.mu.dirty = false
	return c, nil
}

// Assign records that epoch starts at startOffset and writes the file
// durably if that changed anything. Entries that the new one contradicts (a
// later or equal epoch, or a start at or after startOffset) are dropped.
func (c *LeaderEpochCache) Assign(epoch int32, startOffset int64) error {
	if epoch < 0 || startOffset < 0 {
		return fmt.Errorf("assign leader epoch %d at %d: negative", epoch, startOffset)
	}
	c.mu.Lock()
	changed := c.assignLocked(EpochEntry{Epoch: epoch, StartOffset: startOffset})
	c.mu.Unlock()
	if !changed {
		return nil
	}
	return c.Flush()
}

// observe is the append path's assignment: only a newer epoch counts, and
// the file waits for the next Flush.
func (c *LeaderEpochCache) observe(epoch int32, startOffset int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.mu.entries); n > 0 && c.mu.entries[n-1].Epoch >= epoch {
		return
	}
	c.assignLocked(EpochEntry{Epoch: epoch, StartOffset: startOffset})
}

func (c *LeaderEpochCache) assignLocked(e EpochEntry) bool {
	es := c.mu.entries
	if n := len(es); n > 0 && es[n-1].Epoch == e.Epoch && es[n-1].StartOffset <= e.StartOffset {
		return false
	}
	n := len(es)
	for n > 0 && (es[n-1].Epoch >= e.Epoch || es[n-1].StartOffset >= e.StartOffset) {
		n--
	}
	c.mu.entries = append(es[:n], e)
	c.mu.dirty = true
	return true
}

// Entries returns a copy of the entries, oldest first.
func (c *LeaderEpochCache) Entries() []EpochEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]EpochEntry(nil), c.mu.entries...)
}

// Latest returns the newest entry.
func (c *LeaderEpochCache) Latest() (EpochEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.mu.entries); n > 0 {
		return c.mu.entries[n-1], true
	}
	return EpochEntry{}, false
}

// Earliest returns the oldest entry.
func (c *LeaderEpochCache) Earliest() (EpochEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.mu.entries) > 0 {
		return c.mu.entries[0], true
	}
	return EpochEntry{}, false
}

// EpochForOffset returns the epoch that wrote offset.
func (c *LeaderEpochCache) EpochForOffset(offset int64) (int32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	es := c.mu.entries
	i := sort.Search(len(es), func(i int) bool { return es[i].StartOffset > offset })
	if i == 0 {
		return UndefinedEpoch, false
	}
	return es[i-1].Epoch, true
}

// EndOffsetFor answers OffsetForLeaderEpoch as Kafka does: the largest epoch
// at or below the requested one, and the start offset of the epoch after it
// (logEndOffset when the requested epoch is the latest). A requested epoch
// below every known one gets itself back with the first known start offset.
func (c *LeaderEpochCache) EndOffsetFor(epoch int32, logEndOffset int64) (int32, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	es := c.mu.entries
	if epoch == UndefinedEpoch || len(es) == 0 {
		return UndefinedEpoch, UndefinedEpochOffset
	}
	if es[len(es)-1].Epoch == epoch {
		return epoch, logEndOffset
	}
	higher := sort.Search(len(es), func(i int) bool { return es[i].Epoch > epoch })
	switch {
	case higher == len(es):
		return UndefinedEpoch, UndefinedEpochOffset
	case higher == 0:
		return epoch, es[0].StartOffset
	}
	return es[higher-1].Epoch, es[higher].StartOffset
}

// TruncateFromEnd drops the entries that start at or after endOffset.
func (c *LeaderEpochCache) TruncateFromEnd(endOffset int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	es := c.mu.entries
	n := len(es)
	for n > 0 && es[n-1].StartOffset >= endOffset {
		n--
	}
	if n < len(es) {
		c.mu.entries, c.mu.dirty = es[:n], true
	}
}

// TruncateFromStart drops the entries wholly before startOffset; the last of
// them that starts at or before it is kept, moved to startOffset.
func (c *LeaderEpochCache) TruncateFromStart(startOffset int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	es := c.mu.entries
	i := sort.Search(len(es), func(i int) bool { return es[i].StartOffset > startOffset })
	if i == 0 {
		return
	}
	if i == 1 && es[0].StartOffset == startOffset {
		return
	}
	kept := append([]EpochEntry{{Epoch: es[i-1].Epoch, StartOffset: startOffset}}, es[i:]...)
	c.mu.entries, c.mu.dirty = kept, true
}

// Clear drops every entry; Flush writes the empty file.
func (c *LeaderEpochCache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.entries, c.mu.dirty = nil, true
}

// Flush writes the checkpoint durably if it changed since the last write.
func (c *LeaderEpochCache) Flush() error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.mu.Lock()
	if !c.mu.dirty {
		c.mu.Unlock()
		return nil
	}
	lines := make([]string, len(c.mu.entries))
	for i, e := range c.mu.entries {
		lines[i] = fmt.Sprintf("%d %d", e.Epoch, e.StartOffset)
	}
	c.mu.dirty = false
	c.mu.Unlock()
	if err := writeCheckpointLines(c.path, lines); err != nil {
		c.mu.Lock()
		c.mu.dirty = true
		c.mu.Unlock()
		return fmt.Errorf("write leader epoch checkpoint %s: %w", c.path, err)
	}
	return nil
}
