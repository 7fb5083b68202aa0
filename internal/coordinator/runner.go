package coordinator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/record"
)

type submission struct {
	req   Request
	reply chan Result
}

// A runner's state, as requests see it.
const (
	// stateLoading: replaying the log, or waiting for the replayed tail
	// to commit (COORDINATOR_LOAD_IN_PROGRESS).
	stateLoading int32 = iota
	// stateActive: serving.
	stateActive
	// stateLost: the partition's leadership moved on; the runner waits to
	// be stopped by the next Sync (NOT_COORDINATOR).
	stateLost
)

// errLeadershipLost: the partition is no longer led here in the runner's
// leader epoch.
var errLeadershipLost = errors.New("leadership of the partition moved")

// runner owns one shard for one leader epoch: its goroutine is the only
// one that touches the shard and the pending replies.
type runner struct {
	rt    *Runtime
	index int32
	epoch int32   // the leader epoch the shard lives in
	prev  *runner // the partition's previous runner, joined before loading
	log   *slog.Logger

	requests chan submission
	cancels  chan uint64
	// images holds the newest metadata image not yet given to the shard;
	// older ones are replaced, since only the latest matters.
	images chan *metadata.Image
	ctx    context.Context
	stop   context.CancelFunc
	done   chan struct{}
	state  atomic.Int32

	// Owned by the goroutine.
	shard   Shard
	pending map[uint64]chan Result
	image   *metadata.Image // the last image the shard was given
}

func newRunner(rt *Runtime, index, epoch int32, prev *runner) *runner {
	ctx, stop := context.WithCancel(context.Background())
	return &runner{
		rt: rt, index: index, epoch: epoch, prev: prev, ctx: ctx, stop: stop,
		log:      rt.cfg.Logger.With("topic", rt.cfg.Topic, "partition", index, "leader_epoch", epoch),
		requests: make(chan submission, 256),
		cancels:  make(chan uint64, 256),
		images:   make(chan *metadata.Image, 1),
		done:     make(chan struct{}),
		pending:  map[uint64]chan Result{},
	}
}

// offerImage queues img for the shard, replacing an image not yet taken.
func (r *runner) offerImage(img *metadata.Image) {
	if img == nil {
		return
	}
	for {
		select {
		case r.images <- img:
			return
		default:
		}
		select {
		case <-r.images:
		default:
		}
	}
}

func (r *runner) cancel(id uint64) {
	select {
	case r.cancels <- id:
	default: // the shard will answer into a buffered channel nobody reads
	}
}

// run waits for the partition's previous runner, loads the shard, then
// serves it until stopped. A failed write reloads the shard from the log;
// a lost leadership parks the runner until Sync stops it.
func (r *runner) run() {
	defer close(r.done)
	defer r.failPending(ErrNotCoordinator)
	if r.prev != nil {
		select {
		case <-r.prev.done:
		case <-r.ctx.Done():
			return
		}
		r.prev = nil
	}
	for r.ctx.Err() == nil {
		err := r.load()
		if err == nil {
			err = r.serve()
		}
		switch {
		case r.ctx.Err() != nil:
			return
		case errors.Is(err, errLeadershipLost):
			r.log.Info("coordinator shard lost its partition's leadership")
			r.state.Store(stateLost)
			r.failPending(ErrNotCoordinator)
			r.refuseUntilStopped()
			return
		case err != nil:
			// The shard may hold decisions the log does not, or the log
			// could not be read: start over from the log.
			r.log.Warn("coordinator shard failed; reloading", "err", err)
			r.state.Store(stateLoading)
			r.failPending(ErrNotCoordinator)
			r.sleep(100 * time.Millisecond)
		}
	}
}

// refuseUntilStopped answers requests queued before the runner lost its
// leadership until Sync stops it.
func (r *runner) refuseUntilStopped() {
	for {
		select {
		case <-r.ctx.Done():
			return
		case sub := <-r.requests:
			sub.reply <- Result{Err: ErrNotCoordinator}
		case <-r.cancels:
		case <-r.images:
		}
	}
}

func (r *runner) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.ctx.Done():
	}
}

// partition returns the shard's partition if this broker still leads it
// in the runner's epoch.
func (r *runner) partition() (*partition.Partition, error) {
	p, err := r.rt.cfg.Partition(r.index)
	if err != nil {
		return nil, fmt.Errorf("find partition: %w", err)
	}
	if !p.IsLeader() || p.Leadership().LeaderEpoch != r.epoch {
		return nil, errLeadershipLost
	}
	return p, nil
}

// load rebuilds the shard by replaying the whole partition, up to its log
// end, as Kafka's coordinator loader does: a new leader's log is the one
// that will be committed, and the old leader may have acknowledged records
// this broker's high watermark does not cover yet. The shard becomes
// active only once the high watermark passes what was replayed, so that
// nothing it answers from is uncommitted.
func (r *runner) load() error {
	started := r.rt.cfg.Now()
	p, err := r.partition()
	if err != nil {
		return err
	}
	r.shard = r.rt.cfg.NewShard(r.index)
	end := p.LogEndOffset()
	records, err := r.replay(p, end)
	if err != nil {
		return err
	}
	if end > 0 {
		if err := r.awaitCommit(r.ctx, p, end-1); err != nil {
			return fmt.Errorf("wait for the replayed log to commit: %w", err)
		}
	}
	if r.image != nil {
		if err := r.apply(r.shard.Metadata(r.rt.cfg.Now(), r.image)); err != nil {
			return err
		}
	}
	r.state.Store(stateActive)
	r.log.Info("coordinator shard loaded", "records", records, "end_offset", end,
		"took", r.rt.cfg.Now().Sub(started).Round(time.Millisecond))
	return nil
}

// replay feeds the shard the partition's records below end.
func (r *runner) replay(p *partition.Partition, end int64) (int, error) {
	var rd record.Reader
	defer rd.Close()
	records := 0
	err := p.Log().Batches(p.LogStartOffset(), func(b record.Batch) error {
		if b.BaseOffset() >= end {
			return errLoaded
		}
		if b.IsControl() {
			return nil
		}
		rd.Reset(b, record.DefaultMaxDecompressedBytes)
		for rd.Next() {
			rec := rd.Record()
			if rec.Offset >= end {
				break
			}
			if err := r.shard.Replay(rec.Offset, rec.Key, rec.Value); err != nil {
				r.log.Warn("skipping a record the coordinator cannot replay", "offset", rec.Offset, "err", err)
			}
			records++
		}
		return rd.Err()
	})
	if err != nil && !errors.Is(err, errLoaded) {
		return records, fmt.Errorf("replay: %w", err)
	}
	return records, nil
}

// awaitCommit waits until the high watermark passes offset while the
// runner's leadership lasts. A record the high watermark passed is
// committed even if the ISR shrank meanwhile (Kafka's coordinators follow
// the high watermark, not acks checks).
func (r *runner) awaitCommit(ctx context.Context, p *partition.Partition, offset int64) error {
	err := p.WaitCommitted(ctx, offset)
	if errors.Is(err, partition.ErrNotEnoughReplicasAfterAppend) {
		err = nil
	}
	if errors.Is(err, partition.ErrNotLeader) {
		return errLeadershipLost
	}
	if err != nil {
		return err
	}
	// Epochs only grow: the same epoch now means the leadership lasted
	// throughout, so nothing truncated the record before it committed.
	_, err = r.partition()
	return err
}

var errLoaded = errors.New("reached the end of the replay")

// serve handles requests, cancellations and timers until stopped or until
// a write fails.
func (r *runner) serve() error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		r.resetTimer(timer)
		var out Output
		select {
		case <-r.ctx.Done():
			return nil
		case sub := <-r.requests:
			r.pending[sub.req.ID] = sub.reply
			out = r.shard.Handle(r.rt.cfg.Now(), sub.req)
		case id := <-r.cancels:
			delete(r.pending, id)
			out = r.shard.Cancel(id)
		case img := <-r.images:
			r.image = img
			out = r.shard.Metadata(r.rt.cfg.Now(), img)
		case <-timer.C:
			out = r.shard.Tick(r.rt.cfg.Now())
		}
		if err := r.apply(out); err != nil {
			return err
		}
	}
}

func (r *runner) resetTimer(t *time.Timer) {
	if !t.Stop() {
		select {
		case <-t.C:
		default:
		}
	}
	d := time.Hour
	if at, ok := r.shard.NextDeadline(); ok {
		d = max(at.Sub(r.rt.cfg.Now()), 0)
	}
	t.Reset(d)
}

// apply writes an output's records, waits for them to commit, replays
// them, and sends its replies. A failed write answers the replies with
// the error clients act on: NOT_COORDINATOR when leadership moved (they
// look for the coordinator again), COORDINATOR_NOT_AVAILABLE when the ISR
// could not take the write (Kafka's mapping of NOT_ENOUGH_REPLICAS and
// REQUEST_TIMED_OUT).
func (r *runner) apply(out Output) error {
	if len(out.Records) > 0 {
		if err := r.write(out.Records); err != nil {
			for _, rep := range out.Replies {
				r.deliver(rep.ID, Result{Err: writeError(err)})
			}
			return err
		}
	}
	for _, rep := range out.Replies {
		r.deliver(rep.ID, Result{Response: rep.Response})
	}
	return nil
}

func writeError(err error) error {
	switch {
	case errors.Is(err, partition.ErrNotEnoughReplicas), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w: %w", ErrNotAvailable, err)
	default:
		return fmt.Errorf("%w: %w", ErrNotCoordinator, err)
	}
}

// write appends records in the runner's leader epoch with acks=all and
// waits, at most the write timeout, until the high watermark passes them,
// then replays them into the shard.
func (r *runner) write(records []Record) error {
	p, err := r.partition()
	if err != nil {
		return err
	}
	bl := record.NewBuilder()
	now := r.rt.cfg.Now().UnixMilli()
	for _, rec := range records {
		bl.Append(now, rec.Key, rec.Value)
	}
	batch, err := bl.Build()
	if err != nil {
		return fmt.Errorf("build batch: %w", err)
	}
	res, err := p.AppendRecords(batch, partition.AppendOptions{Acks: -1, FenceEpoch: true, LeaderEpoch: r.epoch})
	if errors.Is(err, partition.ErrNotLeader) {
		return errLeadershipLost
	}
	if err != nil {
		return fmt.Errorf("append %d records: %w", len(records), err)
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.rt.cfg.WriteTimeout)
	defer cancel()
	if err := r.awaitCommit(ctx, p, res.LastOffset); err != nil {
		return fmt.Errorf("wait for offsets %d-%d to commit: %w", res.BaseOffset, res.LastOffset, err)
	}
	for i, rec := range records {
		if err := r.shard.Replay(res.BaseOffset+int64(i), rec.Key, rec.Value); err != nil {
			r.log.Error("replaying a record the shard wrote failed", "offset", res.BaseOffset+int64(i), "err", err)
		}
	}
	return nil
}

func (r *runner) deliver(id uint64, res Result) {
	if ch, ok := r.pending[id]; ok {
		ch <- res
		delete(r.pending, id)
	}
}

func (r *runner) failPending(err error) {
	for id, ch := range r.pending {
		ch <- Result{Err: err}
		delete(r.pending, id)
	}
}
