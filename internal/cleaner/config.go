package cleaner

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/spoolhq/spool/internal/config"
)

// Config holds the broker-level settings of the log cleaner. The field
// comments name the Kafka key of each; topic-level settings come with each
// partition's config.Topic.
type Config struct {
	// Threads is log.cleaner.threads: how many logs are cleaned at once.
	Threads int
	// DedupeBufferSize is log.cleaner.dedupe.buffer.size: the memory of all
	// threads' offset maps together; each thread gets an equal share, at
	// most 2 GiB as in Kafka.
	DedupeBufferSize int64
	// DedupeBufferLoadFactor is log.cleaner.io.buffer.load.factor: how full
	// an offset map may get before the rest of the dirty section waits for
	// the next cleaning.
	DedupeBufferLoadFactor float64
	// IOBufferSize is log.cleaner.io.buffer.size: the read buffers of all
	// threads together (a batch larger than a buffer still fits: the buffer
	// grows for it).
	IOBufferSize int
	// MaxIOBytesPerSecond is log.cleaner.io.max.bytes.per.second: the bytes
	// all threads read and write per second; +Inf or <= 0 is no limit.
	MaxIOBytesPerSecond float64
	// Backoff is log.cleaner.backoff.ms: how long a thread waits when no log
	// needs cleaning.
	Backoff time.Duration
}

// entrySize is the memory one offset map entry takes.
const entrySize = 24

// Kafka's defaults.
const (
	DefaultDedupeBufferSize = 128 << 20
	DefaultLoadFactor       = 0.9
	DefaultIOBufferSize     = 512 << 10
	DefaultBackoff          = 15 * time.Second
)

// DefaultConfig returns Kafka's defaults.
func DefaultConfig() Config {
	return Config{
		Threads:                1,
		DedupeBufferSize:       DefaultDedupeBufferSize,
		DedupeBufferLoadFactor: DefaultLoadFactor,
		IOBufferSize:           DefaultIOBufferSize,
		MaxIOBytesPerSecond:    math.Inf(1),
		Backoff:                DefaultBackoff,
	}
}

// FromBroker takes the cleaner settings of a broker config.
func FromBroker(b *config.Broker) Config {
	return Config{
		Threads:                int(b.LogCleanerThreads),
		DedupeBufferSize:       b.LogCleanerDedupeBufferSize,
		DedupeBufferLoadFactor: b.LogCleanerIOBufferLoadFactor,
		IOBufferSize:           int(b.LogCleanerIOBufferSize),
		MaxIOBytesPerSecond:    b.LogCleanerIOMaxBytesPerSecond,
		Backoff:                time.Duration(b.LogCleanerBackoffMs) * time.Millisecond,
	}
}

// Validate reports settings the cleaner cannot work with. As in Kafka, an
// offset map must hold at least one entry, or cleaning would never progress.
func (c Config) Validate() error {
	var errs []error
	if c.Threads < 1 {
		errs = append(errs, fmt.Errorf("log.cleaner.threads %d must be at least 1", c.Threads))
	}
	if c.DedupeBufferLoadFactor <= 0 || c.DedupeBufferLoadFactor > 1 {
		errs = append(errs, fmt.Errorf("log.cleaner.io.buffer.load.factor %v is outside (0, 1]", c.DedupeBufferLoadFactor))
	}
	if c.Threads >= 1 && float64(c.mapMemory()/entrySize)*c.DedupeBufferLoadFactor <= 1 {
		errs = append(errs, fmt.Errorf("log.cleaner.dedupe.buffer.size %d is too small for %d threads: an offset map must hold an entry",
			c.DedupeBufferSize, c.Threads))
	}
	if c.IOBufferSize < 0 {
		errs = append(errs, fmt.Errorf("log.cleaner.io.buffer.size %d must not be negative", c.IOBufferSize))
	}
	if c.Backoff < 0 {
		errs = append(errs, fmt.Errorf("log.cleaner.backoff.ms %v must not be negative", c.Backoff))
	}
	return errors.Join(errs...)
}

// mapMemory is one thread's share of the dedupe buffer.
func (c Config) mapMemory() int64 {
	return min(c.DedupeBufferSize/int64(max(c.Threads, 1)), math.MaxInt32)
}

// minReadBuffer is the smallest read buffer a thread gets.
const minReadBuffer = 64 << 10

// readBuffer is one thread's read buffer size: half its share of the I/O
// buffer (Kafka splits it between a read and a write buffer).
func (c Config) readBuffer() int {
	return max(c.IOBufferSize/max(c.Threads, 1)/2, minReadBuffer)
}
