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

	"github.com/spoolhq/spool/internal/metadata"
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
	// ErrNotAvailable: the internal topic does not exist yet, or a write
	// could not be replicated in time (COORDINATOR_NOT_AVAILABLE).
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
	// WriteTimeout bounds how long a write waits for the partition's ISR
	// (offsets.commit.timeout.ms); 5s when 0.
	WriteTimeout time.Duration
}

// Runtime hosts the shards of the partitions this broker leads.
type Runtime struct {
	cfg    Config
	nextID atomic.Uint64
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		shards map[int32]*runner
		// last is the newest runner of each partition, running or
		// stopped: the next one waits for it to finish, so that a
		// stopped shard's last write lands before the new one loads.
		last       map[int32]*runner
		partitions int32 // partition count of the topic; 0 until it exists
		image      *metadata.Image
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
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 5 * time.Second
	}
	rt := &Runtime{cfg: cfg}
	rt.mu.shards = map[int32]*runner{}
	rt.mu.last = map[int32]*runner{}
	return rt
}

// Sync makes the runtime host a shard for exactly the partitions in led
// (partition → leader epoch), of a topic with count partitions (0: the
// topic does not exist), and hands every shard img. A shard lives for one
// leader epoch, as Kafka's coordinators do: a partition led here in a new
// epoch gets a new shard, loaded from the log, since the log may have
// changed under another leader meanwhile. Shards no longer led, led in an
// older epoch, or that found leadership gone, stop, failing their pending
// requests with ErrNotCoordinator.
func (rt *Runtime) Sync(img *metadata.Image, led map[int32]int32, count int32) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.mu.closed {
		return
	}
	rt.mu.partitions = count
	rt.mu.image = img
	for idx, r := range rt.mu.shards {
		// A shard that found its partition not led in its epoch is
		// replaced too: the partition may have caught up with the metadata.
		if epoch, ok := led[idx]; !ok || epoch != r.epoch || r.state.Load() == stateLost {
			r.stop()
			delete(rt.mu.shards, idx)
		}
	}
	for _, r := range rt.mu.shards {
		r.offerImage(img)
	}
	for idx, epoch := range led {
		if _, ok := rt.mu.shards[idx]; ok {
			continue
		}
		r := newRunner(rt, idx, epoch, rt.mu.last[idx])
		r.offerImage(img)
		rt.mu.shards[idx] = r
		rt.mu.last[idx] = r
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

// Hosted lists the partitions with a shard here, loaded or not, for
// requests that span every shard (ListGroups).
func (rt *Runtime) Hosted() []int32 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []int32
	for idx := range rt.mu.shards {
		out = append(out, idx)
	}
	slices.Sort(out)
	return out
}

// Loaded lists the partitions whose shards are loaded.
func (rt *Runtime) Loaded() []int32 {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	var out []int32
	for idx, r := range rt.mu.shards {
		if r.state.Load() == stateActive {
			out = append(out, idx)
		}
	}
	slices.Sort(out)
	return out
}

// Call is a request on its way to a shard.
type Call struct {
	ch chan Result
	r  *runner
	id uint64
}

// Wait returns the call's result, or gives up when ctx ends (telling the
// shard to forget the request).
func (c *Call) Wait(ctx context.Context) Result {
	var done <-chan struct{}
	if c.r != nil {
		done = c.r.done
	}
	select {
	case res := <-c.ch:
		return res
	case <-done:
		// The shard stopped; a reply it sent before stopping still counts.
		select {
		case res := <-c.ch:
			return res
		default:
			return Result{Err: ErrNotCoordinator}
		}
	case <-ctx.Done():
		if c.r != nil {
			c.r.cancel(c.id)
		}
		return Result{Err: ctx.Err()}
	}
}

func failedCall(err error) *Call {
	ch := make(chan Result, 1)
	ch <- Result{Err: err}
	return &Call{ch: ch}
}

// Send queues a request about key for its shard and returns at once, so
// that the requests of one connection reach their shard in the order they
// were sent while their replies are awaited elsewhere. It blocks only when
// the shard's queue is full.
func (rt *Runtime) Send(key string, body kmsg.Request, clientID, host string) *Call {
	idx, ok := rt.PartitionOf(key)
	if !ok {
		return failedCall(ErrNotAvailable)
	}
	return rt.SendTo(idx, body, clientID, host)
}

// SendTo queues a request for the shard of one partition.
func (rt *Runtime) SendTo(idx int32, body kmsg.Request, clientID, host string) *Call {
	rt.mu.Lock()
	r, ok := rt.mu.shards[idx]
	rt.mu.Unlock()
	if !ok {
		return failedCall(ErrNotCoordinator)
	}
	switch r.state.Load() {
	case stateLoading:
		return failedCall(ErrLoadInProgress)
	case stateLost:
		return failedCall(ErrNotCoordinator)
	}
	sub := submission{
		req:   Request{ID: rt.nextID.Add(1), Body: body, ClientID: clientID, ClientHost: host},
		reply: make(chan Result, 1),
	}
	select {
	case r.requests <- sub:
		return &Call{ch: sub.reply, r: r, id: sub.req.ID}
	case <-r.done:
		return failedCall(ErrNotCoordinator)
	}
}

// Submit sends a request about key and waits for its result.
func (rt *Runtime) Submit(ctx context.Context, key string, body kmsg.Request, clientID, host string) Result {
	return rt.Send(key, body, clientID, host).Wait(ctx)
}

// SubmitTo sends a request to one partition's shard and waits.
func (rt *Runtime) SubmitTo(ctx context.Context, idx int32, body kmsg.Request, clientID, host string) Result {
	return rt.SendTo(idx, body, clientID, host).Wait(ctx)
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
