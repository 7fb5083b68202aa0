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

// runner owns one shard: its goroutine is the only one that touches the
// shard and the pending replies.
type runner struct {
	rt       *Runtime
	index    int32
	log      *slog.Logger
	requests chan submission
	cancels  chan uint64
	// images holds the newest metadata image not yet given to the shard;
	// older ones are replaced, since only the latest matters.
	images chan *metadata.Image
	ctx    context.Context
	stop   context.CancelFunc
	done   chan struct{}
	loaded atomic.Bool

	// Owned by the goroutine.
	shard   Shard
	pending map[uint64]chan Result
	image   *metadata.Image // the last image the shard was given
}

func newRunner(rt *Runtime, index int32) *runner {
	ctx, stop := context.WithCancel(context.Background())
	return &runner{
		rt: rt, index: index, ctx: ctx, stop: stop,
		log:      rt.cfg.Logger.With("topic", rt.cfg.Topic, "partition", index),
		requests: make(chan submission, 256),
		cancels:  make(chan uint64, 256),
		images:   make(chan *metadata.Image, 1),
		done:     make(chan struct{}),
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

// run loads the shard, then serves it until stopped.
func (r *runner) run() {
	defer close(r.done)
	defer r.failPending(ErrNotCoordinator)
	for r.ctx.Err() == nil {
		if err := r.load(); err != nil {
			if r.ctx.Err() == nil {
				r.log.Error("loading coordinator shard failed; retrying", "err", err)
				r.sleep(time.Second)
			}
			continue
		}
		if err := r.serve(); err != nil && r.ctx.Err() == nil {
			// A write failed: the shard may hold decisions the log does
			// not. Start over from the log.
			r.log.Warn("coordinator write failed; reloading shard", "err", err)
			r.loaded.Store(false)
			r.failPending(ErrNotCoordinator)
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

// load rebuilds the shard by replaying its partition up to the high
// watermark.
func (r *runner) load() error {
	started := r.rt.cfg.Now()
	p, err := r.rt.cfg.Partition(r.index)
	if err != nil {
		return fmt.Errorf("find partition: %w", err)
	}
	r.shard = r.rt.cfg.NewShard(r.index)
	r.pending = map[uint64]chan Result{}
	end := p.HighWatermark()
	var rd record.Reader
	defer rd.Close()
	records := 0
	err = p.Log().Batches(p.LogStartOffset(), func(b record.Batch) error {
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
		return fmt.Errorf("replay: %w", err)
	}
	if r.image != nil {
		if err := r.apply(r.shard.Metadata(r.rt.cfg.Now(), r.image)); err != nil {
			return err
		}
	}
	r.loaded.Store(true)
	r.log.Info("coordinator shard loaded", "records", records, "took", r.rt.cfg.Now().Sub(started).Round(time.Millisecond))
	return nil
}

var errLoaded = errors.New("reached the high watermark")

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
// them, and sends its replies.
func (r *runner) apply(out Output) error {
	if len(out.Records) > 0 {
		if err := r.write(out.Records); err != nil {
			for _, rep := range out.Replies {
				r.deliver(rep.ID, Result{Err: ErrNotCoordinator})
			}
			return err
		}
	}
	for _, rep := range out.Replies {
		r.deliver(rep.ID, Result{Response: rep.Response})
	}
	return nil
}

func (r *runner) write(records []Record) error {
	p, err := r.rt.cfg.Partition(r.index)
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
	res, err := p.AppendRecords(batch, partition.AppendOptions{Acks: -1})
	if err != nil {
		return fmt.Errorf("append %d records: %w", len(records), err)
	}
	if err := p.WaitCommitted(r.ctx, res.LastOffset); err != nil {
		return fmt.Errorf("wait for commit: %w", err)
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
