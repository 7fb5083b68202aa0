package coordinator

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/partition"
)

// Errors a request can get instead of a reply; the api layer maps them to
// Kafka codes.
var (
	// ErrNotCoordinator: this broker does not lead the key's partition
	// (NOT_COORDINATOR).
	ErrNotCoordinator = errors.New("not the coordinator for this key")
	// ErrLoadInProgress: the shard is still being rebuilt from its log
	// (COORDINATOR_LOAD_IN_PROGRESS).
	ErrLoadInProgress = errors.New("coordinator load in progress")
	// ErrNotAvailable: the internal topic does not exist yet
	// (COORDINATOR_NOT_AVAILABLE).
	ErrNotAvailable = errors.New("coordinator not available")
)

// Result is a request's outcome: a response, or an error to answer with.
type Result struct {
	Response kmsg.Response
	Err      error
}

// Config configures a Runtime.
type Config struct {
	// Topic is the internal topic, e.g. __consumer_offsets.
	Topic string
	// NewShard makes an empty shard for a partition.
	NewShard func(partition int32) Shard
	// Partition finds a hosted partition of the topic.
	Partition func(index int32) (*partition.Partition, error)
	Logger    *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Runtime hosts the shards of the partitions this broker leads.
type Runtime struct {
	cfg    Config
	nextID atomic.Uint64
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		shards     map[int32]*runner
		partitions int32 // partition count of the topic; 0 until it exists
		closed     bool
	}
}

// New returns a runtime with no shards; Sync starts them.
func New(cfg Config) *Runtime {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	rt := &Runtime{cfg: cfg}
	rt.mu.shards = map[int32]*runner{}
	return rt
}

// Sync makes the runtime host a shard for exactly the partitions in led,
// of a topic with count partitions (0: the topic does not exist). New
// shards start loading; shards no longer led stop, failing their pending
// requests with ErrNotCoordinator.
func (rt *Runtime) Sync(led []int32, count int32) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.mu.closed {
		return
	}
	rt.mu.partitions = count
	for idx, r := range rt.mu.shards {
		if !slices.Contains(led, idx) {
			r.stop()
			delete(rt.mu.shards, idx)
		}
	}
	for _, idx := range led {
		if _, ok := rt.mu.shards[idx]; ok {
			continue
		}
		r := newRunner(rt, idx)
		rt.mu.shards[idx] = r
		rt.wg.Add(1)
		go func() {
			defer rt.wg.Done()
			r.run()
		}()
	}
}

// PartitionOf is the partition that coordinates key, or false when the
// topic does not exist yet.
func (rt *Runtime) PartitionOf(key string) (int32, bool) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.mu.partitions == 0 {
		return 0, false
	}
	return PartitionFor(key, rt.mu.partitions), true
}

// Loaded lists the partitions whose shards are loaded, for requests that
// span every shard (ListGroups).
func (rt *Runtime) Loaded() []int32 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []int32
	for idx, r := range rt.mu.shards {
		if r.loaded.Load() {
			out = append(out, idx)
		}
	}
	slices.Sort(out)
	return out
}

// Submit sends a request about key to its shard and waits for the result
// (or ctx). The request's reply comes when the shard answers it, after the
// records that answer depends on are committed.
func (rt *Runtime) Submit(ctx context.Context, key string, body kmsg.Request, clientID, host string) Result {
	idx, ok := rt.PartitionOf(key)
	if !ok {
		return Result{Err: ErrNotAvailable}
	}
	return rt.SubmitTo(ctx, idx, body, clientID, host)
}

// SubmitTo sends a request to the shard of one partition.
func (rt *Runtime) SubmitTo(ctx context.Context, idx int32, body kmsg.Request, clientID, host string) Result {
	rt.mu.Lock()
	r, ok := rt.mu.shards[idx]
	rt.mu.Unlock()
	if !ok {
		return Result{Err: ErrNotCoordinator}
	}
	if !r.loaded.Load() {
		return Result{Err: ErrLoadInProgress}
	}
	sub := submission{
		req:   Request{ID: rt.nextID.Add(1), Body: body, ClientID: clientID, ClientHost: host},
		reply: make(chan Result, 1),
	}
	select {
	case r.requests <- sub:
	case <-r.done:
		return Result{Err: ErrNotCoordinator}
	case <-ctx.Done():
		return Result{Err: ctx.Err()}
	}
	select {
	case res := <-sub.reply:
		return res
	case <-ctx.Done():
		r.cancel(sub.req.ID)
		return Result{Err: ctx.Err()}
	}
}

// Close stops every shard and waits for them.
func (rt *Runtime) Close() {
	rt.mu.Lock()
	rt.mu.closed = true
	for idx, r := range rt.mu.shards {
		r.stop()
		delete(rt.mu.shards, idx)
	}
	rt.mu.Unlock()
	rt.wg.Wait()
}
