package storage

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"
)

// Config holds the topic-level settings that shape one partition log. The
// field comments name the Kafka topic config each field carries.
type Config struct {
	// SegmentBytes is segment.bytes: a segment rolls before a batch would
	// take it past this size. At most 2 GiB - 1, because index positions
	// are 32-bit.
	SegmentBytes int64
	// SegmentMs is segment.ms: a segment rolls once its first batch is this
	// old (measured by batch timestamps, as Kafka does).
	SegmentMs int64
	// SegmentJitterMs is segment.jitter.ms: each segment subtracts a random
	// amount below this from SegmentMs so that partitions do not all roll at
	// once.
	SegmentJitterMs int64
	// SegmentIndexBytes is segment.index.bytes: the most index bytes one
	// segment may have; a segment rolls when its offset index (8 bytes an
	// entry) or time index (12 bytes an entry) would pass it.
	SegmentIndexBytes int64
	// IndexIntervalBytes is index.interval.bytes: how many log bytes pass
	// between two index entries.
	IndexIntervalBytes int64
	// RetentionMs is retention.ms: segments whose newest timestamp is older
	// than this are deleted. Negative means no time limit.
	RetentionMs int64
	// RetentionBytes is retention.bytes: old segments are deleted while the
	// log stays at least this large without them. Negative means no limit.
	RetentionBytes int64
	// CleanupPolicy is cleanup.policy: "delete", "compact" or
	// "compact,delete". Retention by time and size applies only with delete.
	CleanupPolicy string
	// FlushMessages is flush.messages: Append asks for a flush once this
	// many offsets are unflushed.
	FlushMessages int64
	// FlushMs is flush.ms: Append asks for a flush once this long has passed
	// since the last one.
	FlushMs int64
	// FileDeleteDelayMs is file.delete.delay.ms: how long a deleted
	// segment's files stay on disk under the .deleted suffix.
	FileDeleteDelayMs int64
	// Preallocate is preallocate: reserve SegmentBytes of disk blocks when a
	// segment is created.
	Preallocate bool
}

// Kafka's default topic configuration.
const (
	DefaultSegmentBytes       = 1 << 30
	DefaultSegmentMs          = 7 * 24 * 60 * 60 * 1000
	DefaultSegmentIndexBytes  = 10 << 20
	DefaultIndexIntervalBytes = 4096
	DefaultRetentionMs        = 7 * 24 * 60 * 60 * 1000
	DefaultFileDeleteDelayMs  = 60000
)

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		SegmentBytes:       DefaultSegmentBytes,
		SegmentMs:          DefaultSegmentMs,
		SegmentIndexBytes:  DefaultSegmentIndexBytes,
		IndexIntervalBytes: DefaultIndexIntervalBytes,
		RetentionMs:        DefaultRetentionMs,
		RetentionBytes:     -1,
		CleanupPolicy:      "delete",
		FlushMessages:      math.MaxInt64,
		FlushMs:            math.MaxInt64,
		FileDeleteDelayMs:  DefaultFileDeleteDelayMs,
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.SegmentBytes <= 0 || c.SegmentBytes > math.MaxInt32 {
		errs = append(errs, fmt.Errorf("segment.bytes %d is outside [1, %d]", c.SegmentBytes, math.MaxInt32))
	}
	if c.SegmentMs <= 0 {
		errs = append(errs, fmt.Errorf("segment.ms %d must be positive", c.SegmentMs))
	}
	if c.SegmentJitterMs < 0 {
		errs = append(errs, fmt.Errorf("segment.jitter.ms %d must not be negative", c.SegmentJitterMs))
	}
	if c.SegmentIndexBytes < timeEntrySize || c.SegmentIndexBytes > math.MaxInt32 {
		errs = append(errs, fmt.Errorf("segment.index.bytes %d is outside [%d, %d]", c.SegmentIndexBytes, timeEntrySize, math.MaxInt32))
	}
	if c.IndexIntervalBytes < 0 {
		errs = append(errs, fmt.Errorf("index.interval.bytes %d must not be negative", c.IndexIntervalBytes))
	}
	if c.FlushMessages <= 0 {
		errs = append(errs, fmt.Errorf("flush.messages %d must be positive", c.FlushMessages))
	}
	if c.FlushMs < 0 {
		errs = append(errs, fmt.Errorf("flush.ms %d must not be negative", c.FlushMs))
	}
	if c.FileDeleteDelayMs < 0 {
		errs = append(errs, fmt.Errorf("file.delete.delay.ms %d must not be negative", c.FileDeleteDelayMs))
	}
	if _, err := parseCleanupPolicy(c.CleanupPolicy); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// deleteEnabled reports whether retention by time and size applies.
func (c Config) deleteEnabled() bool {
	del, _ := parseCleanupPolicy(c.CleanupPolicy)
	return del
}

func parseCleanupPolicy(p string) (del bool, err error) {
	for _, part := range strings.Split(p, ",") {
		switch strings.TrimSpace(part) {
		case "delete":
			del = true
		case "compact":
		default:
			return false, fmt.Errorf("cleanup.policy %q is not delete, compact or both", p)
		}
	}
	return del, nil
}

// maxIndexEntries is how many offset index entries a segment may hold.
func (c Config) maxIndexEntries() int { return int(c.SegmentIndexBytes / offsetEntrySize) }

// maxTimeEntries is how many time index entries a segment may hold before it
// rolls; like Kafka, one slot stays free for the entry written at the roll.
func (c Config) maxTimeEntries() int { return int(c.SegmentIndexBytes/timeEntrySize) - 1 }

// Options carries what a log needs from its surroundings rather than from
// topic configuration.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// RecoveryPoint is the partition's entry in
	// recovery-point-offset-checkpoint: every offset below it was flushed.
	RecoveryPoint int64
	// LogStartOffset is the partition's entry in log-start-offset-checkpoint.
	LogStartOffset int64
	// CleanShutdown is true when the log directory had the clean shutdown
	// marker: the files are trusted and nothing is re-validated.
	CleanShutdown bool
	// Logger receives recovery and deletion reports; slog.Default when nil.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
