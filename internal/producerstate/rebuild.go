package producerstate

import (
	"fmt"

	"github.com/spoolhq/spool/internal/record"
)

// ReplayFunc reads the partition log back: it calls apply, in offset
// order, for every batch with offsets in [from, to). It may also pass
// batches that end at or below from (a reader that starts at a segment or
// index boundary); they are skipped.
type ReplayFunc func(from, to int64, apply func(record.Batch)) error

// Rebuild opens the producer state of a log holding offsets
// [logStart, logEnd): it deletes snapshots below logStart, loads the newest
// usable snapshot at or below logEnd (see LoadLatestSnapshot), and replays
// the batches after it. It reads files; call it while opening the
// partition or under its lock for truncation, never on the produce path.
// Callers then apply RemoveExpired, and usually write a snapshot at logEnd
// so that the next open replays nothing.
func Rebuild(dir string, logStart, logEnd int64, replay ReplayFunc) (*State, error) {
	if err := DeleteSnapshotsBefore(dir, logStart); err != nil {
		return nil, fmt.Errorf("rebuild producer state: %w", err)
	}
	s, _, err := LoadLatestSnapshot(dir, logEnd)
	if err != nil {
		return nil, fmt.Errorf("rebuild producer state: %w", err)
	}
	s.end = max(s.end, logStart)
	if err := s.replay(logEnd, replay); err != nil {
		return nil, fmt.Errorf("rebuild producer state from offset %d: %w", s.end, err)
	}
	return s, nil
}

// replay applies the log's batches from EndOffset to to.
func (s *State) replay(to int64, replay ReplayFunc) error {
	if s.end < to {
		err := replay(s.end, to, func(b record.Batch) {
			if b.NextOffset() > s.end {
				s.Append(b)
			}
		})
		if err != nil {
			return err
		}
	}
	s.end = to
	return nil
}

// TruncateTo rolls the state back after the log was truncated to offset
// (the new log end), deleting snapshots above it. Producer state cannot be
// undone batch by batch — an epoch bump or an evicted batch is lost — so,
// as Kafka does, it reloads the newest snapshot at or below offset and
// replays the log from there to offset. A state that holds no producer
// stays empty without reading anything. It reads files: see Rebuild. On
// error the state is left as it was, which no longer matches the log: the
// caller must treat the partition as failed (Kafka takes the log directory
// offline).
func (s *State) TruncateTo(dir string, logStart, offset int64, replay ReplayFunc) error {
	if err := DeleteSnapshotsAfter(dir, offset); err != nil {
		return fmt.Errorf("truncate producer state to %d: %w", offset, err)
	}
	if offset >= s.end {
		return nil
	}
	if len(s.producers) == 0 {
		s.end = offset
		return nil
	}
	ns, err := Rebuild(dir, logStart, offset, replay)
	if err != nil {
		return fmt.Errorf("truncate producer state to %d: %w", offset, err)
	}
	*s = *ns
	return nil
}

// Reset empties the state at offset and deletes every snapshot, for when
// the whole log is replaced (truncation below the log start, a follower
// starting over).
func (s *State) Reset(dir string, offset int64) error {
	if err := DeleteSnapshotsAfter(dir, -1); err != nil {
		return fmt.Errorf("reset producer state: %w", err)
	}
	*s = *New(offset)
	return nil
}
