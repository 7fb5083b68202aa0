package coordinator

import (
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/metadata"
)

// Request is one coordinator request routed to a shard. ID is unique per
// runtime; the shard answers it in a Reply with the same ID, now or later.
type Request struct {
	ID         uint64
	Body       kmsg.Request
	ClientID   string
	ClientHost string
}

// Record is a key and value to append to the shard's partition; a nil
// Value is a tombstone.
type Record struct {
	Key, Value []byte
}

// Reply answers a request.
type Reply struct {
	ID       uint64
	Response kmsg.Response
}

// Output is what a shard asks of the runtime: records to write, then
// replies to send once they are committed.
type Output struct {
	Records []Record
	Replies []Reply
}

// Shard is the state of one partition's coordinator. The runtime calls it
// from one goroutine only; it does no I/O and reads no clock.
type Shard interface {
	// Handle takes a request; its reply may come in this Output or later.
	Handle(now time.Time, r Request) Output
	// Tick runs the timers that are due.
	Tick(now time.Time) Output
	// NextDeadline is when Tick should run next, if ever.
	NextDeadline() (time.Time, bool)
	// Replay applies a committed record, in log order.
	Replay(offset int64, key, value []byte) error
	// Cancel forgets a pending request whose client went away.
	Cancel(id uint64) Output
	// Metadata hands the shard each new metadata image (topics, their ids
	// and partitions), first right after loading; a shard whose decisions
	// depend on topics (KIP-848 assignments) recomputes them here.
	Metadata(now time.Time, img *metadata.Image) Output
}
