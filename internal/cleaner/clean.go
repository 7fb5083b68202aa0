package cleaner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// worker cleans one log at a time with its own offset map and buffers
// (Kafka's Cleaner); each cleaner thread has one.
type worker struct {
	c       *Cleaner
	id      int
	offsets *offsetMap
	buf     []byte
	rd      record.Reader
	bl      *record.Builder
	keep    []bool
	run     runStats
}

func (c *Cleaner) newWorker(id int) *worker {
	return &worker{
		c: c, id: id,
		offsets: newOffsetMap(c.cfg.mapMemory(), c.cfg.DedupeBufferLoadFactor),
		buf:     make([]byte, 0, c.cfg.readBuffer()),
		bl:      record.NewBuilder(),
	}
}

// runStats are the figures of one cleaning.
type runStats struct {
	start                                                  time.Time
	elapsed, mapElapsed                                    time.Duration
	mapBytesRead, mapMessagesRead                          int64
	bytesRead, bytesWritten, messagesRead, messagesWritten int64
	invalidMessages                                        int64
	bufferUtilization                                      float64
}

func (r *runStats) logDone(logger *slog.Logger, j *job, end int64) {
	mb := func(n int64) float64 { return float64(n) / (1 << 20) }
	logger.Info("cleaned log", "partition", j.tp, "dirty", fmt.Sprintf("[%d, %d)", j.firstDirty, end),
		"elapsed", r.elapsed, "mapped_mb", mb(r.mapBytesRead), "read_mb", mb(r.bytesRead),
		"written_mb", mb(r.bytesWritten), "messages_read", r.messagesRead,
		"messages_written", r.messagesWritten, "buffer_utilization", r.bufferUtilization)
	if r.invalidMessages > 0 {
		logger.Warn("keyless records found and removed during compaction", "partition", j.tp, "count", r.invalidMessages)
	}
}

// round is what one cleaning decides by.
type round struct {
	now int64 // ms
	// deleteHorizon is stamped on batches whose tombstones get their first
	// cleaning: now + delete.retention.ms.
	deleteHorizon int64
	// end is the first uncleanable offset: the batch ending there is kept,
	// emptied if need be, so that the log keeps its last offset.
	end             int64
	producers       map[int64]lastRecord
	maxDecompressed int
	txns            transactions
}

// lastRecord is what the cleaner keeps of an active producer (Kafka's
// LastRecord): the last offset of its last data batch (-1 if it has none
// left) and its epoch.
type lastRecord struct {
	lastDataOffset int64
	epoch          int16
}

func newRound(j *job, cfg config.Topic, now time.Time) *round {
	r := &round{
		now:             now.UnixMilli(),
		deleteHorizon:   satAdd(now.UnixMilli(), max(cfg.DeleteRetentionMs, 0)),
		end:             j.firstUncleanable,
		producers:       lastRecords(j.p.Producers()),
		maxDecompressed: max(record.DefaultMaxDecompressedBytes, int(min(int64(cfg.MaxMessageBytes)*64, math.MaxInt32))),
	}
	return r
}

func lastRecords(entries []producerstate.Entry) map[int64]lastRecord {
	m := make(map[int64]lastRecord, len(entries))
	for _, e := range entries {
		lr := lastRecord{lastDataOffset: -1, epoch: e.Epoch}
		if n := len(e.Batches); n > 0 {
			lr.lastDataOffset = e.Batches[n-1].LastOffset
		}
		m[e.ProducerID] = lr
	}
	return m
}

// satAdd adds without overflowing past MaxInt64.
func satAdd(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// check stops a cleaning that was aborted or whose context ended.
func (w *worker) check(ctx context.Context, j *job) error {
	if j.abort.Load() {
		return errAborted
	}
	return ctx.Err()
}

// clean cleans the log of j and returns the new start of its dirty
// section.
func (w *worker) clean(ctx context.Context, j *job) (int64, error) {
	now := w.c.now()
	w.run = runStats{start: now}
	log, cfg := j.p.Log(), j.p.Config()
	refs, _, err := log.InactiveSegments()
	if err != nil {
		return 0, err
	}
	defer storage.ReleaseSegments(refs)
	r := newRound(j, cfg, now)
	if err := w.buildMap(ctx, j, refs, r); err != nil {
		return 0, err
	}
	w.run.mapElapsed = w.c.now().Sub(now)
	end := max(w.offsets.latest+1, j.firstDirty)
	if err := w.c.step("offset map built"); err != nil {
		return 0, err
	}
	var below []*storage.SegmentRef
	for _, s := range refs {
		if s.BaseOffset() < end {
			below = append(below, s)
		}
	}
	groups, err := groupSegments(below, int64(cfg.SegmentBytes), int64(cfg.SegmentIndexBytes))
	if err != nil {
		return 0, err
	}
	for _, g := range groups {
		if err := w.cleanGroup(ctx, j, g, g[0] == refs[0], r); err != nil {
			return 0, err
		}
	}
	w.run.bufferUtilization = w.offsets.utilization()
	w.run.elapsed = w.c.now().Sub(now)
	return end, w.c.step("all groups cleaned")
}

// errMapFull stops the map build when the offset map is full.
var errMapFull = errors.New("offset map full")

// buildMap maps the keys of the cleanable dirty section, [firstDirty,
// firstUncleanable), to their latest offsets, segment by segment, until
// the map is full; offsets.latest then ends what was mapped.
func (w *worker) buildMap(ctx context.Context, j *job, refs []*storage.SegmentRef, r *round) error {
	w.offsets.reset()
	for _, s := range refs {
		if s.NextOffset() <= j.firstDirty {
			continue
		}
		if s.BaseOffset() >= j.firstUncleanable {
			break
		}
		err := s.Batches(j.firstDirty, &w.buf, func(b record.Batch) error {
			return w.mapBatch(ctx, j, b, r)
		})
		if errors.Is(err, errMapFull) {
			return nil
		}
		if err != nil {
			return err
		}
		// A gap at the segment's end is mapped too.
		w.offsets.latest = max(w.offsets.latest, min(s.NextOffset(), j.firstUncleanable)-1)
	}
	return nil
}

// mapBatch puts the keys of one batch's records at or past firstDirty in
// the map. Control batches carry no data keys; keyless records have none.
func (w *worker) mapBatch(ctx context.Context, j *job, b record.Batch, r *round) error {
	if err := w.check(ctx, j); err != nil {
		return err
	}
	if err := w.c.throttle.wait(ctx, len(b)); err != nil {
		return err
	}
	w.run.mapBytesRead += int64(len(b))
	if b.IsControl() || r.txns.abortedData(b) {
		return nil
	}
	w.rd.Reset(b, r.maxDecompressed)
	for w.rd.Next() {
		rec := w.rd.Record()
		w.run.mapMessagesRead++
		if rec.Key == nil || rec.Offset < j.firstDirty {
			continue
		}
		if !w.offsets.put(rec.Key, rec.Offset) {
			return errMapFull
		}
	}
	if err := w.rd.Err(); err != nil {
		return fmt.Errorf("read batch at offset %d: %w", b.BaseOffset(), err)
	}
	if b.LastOffset() >= j.firstDirty {
		w.offsets.latest = max(w.offsets.latest, b.LastOffset())
	}
	return nil
}

// groupSegments cuts segs into runs that each fit one segment: their sizes
// and index sizes add up to at most segment.bytes and segment.index.bytes,
// and their offsets fit 31 bits above the run's first base (Kafka's
// groupSegmentsBySize).
func groupSegments(segs []*storage.SegmentRef, maxSize, maxIndexSize int64) ([][]*storage.SegmentRef, error) {
	var groups [][]*storage.SegmentRef
	for len(segs) > 0 {
		group := []*storage.SegmentRef{segs[0]}
		size := segs[0].Size()
		ib, tb, err := segs[0].IndexSizes()
		if err != nil {
			return nil, err
		}
		segs = segs[1:]
		for len(segs) > 0 {
			next := segs[0]
			nib, ntb, err := next.IndexSizes()
			if err != nil {
				return nil, err
			}
			if size+next.Size() > maxSize || ib+nib > maxIndexSize || tb+ntb > maxIndexSize ||
				next.Size() > 0 && next.NextOffset()-1-group[0].BaseOffset() > math.MaxInt32 {
				break
			}
			group = append(group, next)
			size, ib, tb = size+next.Size(), ib+nib, tb+ntb
			segs = segs[1:]
		}
		groups = append(groups, group)
	}
	return groups, nil
}

// cleanGroup writes what is kept of a group of segments into one cleaned
// segment and swaps it in. A group left empty is removed, unless it starts
// the log (the log start offset stays where it is).
func (w *worker) cleanGroup(ctx context.Context, j *job, group []*storage.SegmentRef, first bool, r *round) error {
	log := j.p.Log()
	cs, err := log.NewCleanedSegment(group[0].BaseOffset())
	if err != nil {
		return err
	}
	for _, s := range group {
		err := s.Batches(s.BaseOffset(), &w.buf, func(b record.Batch) error {
			if err := w.check(ctx, j); err != nil {
				return err
			}
			return w.filterBatch(ctx, b, cs, r)
		})
		if err != nil {
			return errors.Join(err, cs.Abort())
		}
	}
	if err := w.c.step("cleaned segment written"); err != nil {
		return err
	}
	if cs.Size() == 0 && !first {
		if err := cs.Abort(); err != nil {
			return err
		}
		if err := log.ReplaceSegments(nil, group); err != nil {
			return err
		}
		return w.c.step("emptied group deleted")
	}
	if err := log.ReplaceSegments(cs, group); err != nil {
		return err
	}
	return w.c.step("group swapped in")
}
