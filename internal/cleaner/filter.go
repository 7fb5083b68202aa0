package cleaner

import (
	"context"
	"fmt"

	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// filterBatch copies what is kept of one batch into the cleaned segment
// (Kafka's MemoryRecords.filterTo with the cleaner's filter):
//   - every record kept, and no delete horizon to stamp: the batch as it is;
//   - some records kept: the batch rebuilt around them, with its base
//     offset, last offset delta, producer fields, attributes and codec;
//   - none kept: nothing, unless the batch is its producer's last or ends
//     the cleaned range, whose header then stays, empty.
//
// Control batches (transaction markers) are kept as they are.
func (w *worker) filterBatch(ctx context.Context, b record.Batch, cs *storage.CleanedSegment, r *round) error {
	if err := w.c.throttle.wait(ctx, len(b)); err != nil {
		return err
	}
	if b.CRC() != b.ComputeCRC() {
		return fmt.Errorf("batch at offset %d: stored CRC %08x does not match %08x", b.BaseOffset(), b.CRC(), b.ComputeCRC())
	}
	w.run.bytesRead += int64(len(b))
	if b.IsControl() {
		if r.txns.removableMarker(b, r.now) && !r.isProducersLast(b) && b.NextOffset() != r.end {
			return nil
		}
		return w.write(ctx, cs, b)
	}
	if r.txns.abortedData(b) {
		return w.dropRecords(ctx, cs, b, r)
	}
	kept, tombstones, err := w.decide(b, r)
	if err != nil {
		return err
	}
	switch {
	case kept == 0:
		return w.dropRecords(ctx, cs, b, r)
	case kept == len(w.keep) && (!tombstones || b.HasDeleteHorizon()):
		return w.write(ctx, cs, b)
	}
	nb, err := w.rebuild(b, r, tombstones)
	if err != nil {
		return err
	}
	return w.write(ctx, cs, nb)
}

// dropRecords drops a batch that keeps no record, leaving its header when
// it is its producer's last batch or ends the cleaned range.
func (w *worker) dropRecords(ctx context.Context, cs *storage.CleanedSegment, b record.Batch, r *round) error {
	if !r.isProducersLast(b) && b.NextOffset() != r.end {
		return nil
	}
	nb, err := w.emptied(b)
	if err != nil {
		return err
	}
	return w.write(ctx, cs, nb)
}

// decide marks which records of b stay (w.keep) and counts them, noting
// whether a kept one is a tombstone.
func (w *worker) decide(b record.Batch, r *round) (kept int, tombstones bool, err error) {
	w.keep = w.keep[:0]
	w.rd.Reset(b, r.maxDecompressed)
	for w.rd.Next() {
		rec := w.rd.Record()
		k := w.retain(rec, b, r)
		w.keep = append(w.keep, k)
		if k {
			kept++
			tombstones = tombstones || rec.Value == nil
		}
	}
	w.run.messagesRead += int64(len(w.keep))
	if err := w.rd.Err(); err != nil {
		return 0, false, fmt.Errorf("read batch at offset %d: %w", b.BaseOffset(), err)
	}
	return kept, tombstones, nil
}

// retain is Kafka's rule for one record: a record past what the map
// covers stays; otherwise it stays if it is its key's latest, and, when a
// tombstone, until its batch's delete horizon. Keyless records go.
func (w *worker) retain(rec *record.Record, b record.Batch, r *round) bool {
	if rec.Offset > w.offsets.latest {
		return true
	}
	if rec.Key == nil {
		w.run.invalidMessages++
		return false
	}
	if rec.Offset < w.offsets.get(rec.Key) {
		return false
	}
	return rec.Value != nil || !b.HasDeleteHorizon() || r.now < b.FirstTimestamp()
}

// isProducersLast reports whether b is the last data batch of an active
// producer, kept (if only as an empty header) so that the producer's
// sequence and epoch survive in the log.
func (r *round) isProducersLast(b record.Batch) bool {
	if b.ProducerID() < 0 {
		return false
	}
	lr, ok := r.producers[b.ProducerID()]
	if !ok {
		return false
	}
	if lr.lastDataOffset >= 0 {
		return b.LastOffset() == lr.lastDataOffset
	}
	return b.IsControl() && b.ProducerEpoch() == lr.epoch
}

// header sets the builder up with b's header fields.
func (w *worker) header(b record.Batch) *record.Builder {
	bl := w.bl
	bl.Reset()
	bl.BaseOffset = b.BaseOffset()
	bl.PartitionLeaderEpoch = b.PartitionLeaderEpoch()
	bl.ProducerID = b.ProducerID()
	bl.ProducerEpoch = b.ProducerEpoch()
	bl.BaseSequence = b.BaseSequence()
	bl.Transactional = b.IsTransactional()
	bl.Control = b.IsControl()
	bl.TimestampType, bl.AppendTime = record.CreateTime, 0
	if b.LogAppendTime() {
		bl.TimestampType, bl.AppendTime = record.LogAppendTime, b.MaxTimestamp()
	}
	bl.DeleteHorizonMs = record.NoTimestamp
	// The last offset stays, so that the last sequence stays too.
	bl.LastOffsetDelta = b.LastOffsetDelta()
	bl.Codec, bl.Level = b.Codec(), 0
	return bl
}

// rebuild makes a batch of b's kept records (w.keep), stamping the delete
// horizon on a batch that gets its first tombstone cleaning.
func (w *worker) rebuild(b record.Batch, r *round, tombstones bool) (record.Batch, error) {
	bl := w.header(b)
	switch {
	case b.HasDeleteHorizon():
		bl.DeleteHorizonMs = b.FirstTimestamp()
	case tombstones:
		bl.DeleteHorizonMs = r.deleteHorizon
	}
	w.rd.Reset(b, r.maxDecompressed)
	for i := 0; w.rd.Next(); i++ {
		if w.keep[i] {
			bl.AppendRecord(w.rd.Record())
		}
	}
	if err := w.rd.Err(); err != nil {
		return nil, fmt.Errorf("read batch at offset %d: %w", b.BaseOffset(), err)
	}
	nb, err := bl.Build()
	if err != nil {
		return nil, fmt.Errorf("rebuild batch at offset %d: %w", b.BaseOffset(), err)
	}
	return nb, nil
}

// emptied is b's header with no records, as Kafka writes it: same offsets
// and producer fields, uncompressed, first timestamp -1, max timestamp
// kept.
func (w *worker) emptied(b record.Batch) (record.Batch, error) {
	bl := w.header(b)
	bl.Codec = record.CodecNone
	nb, err := bl.Build()
	if err != nil {
		return nil, fmt.Errorf("empty batch at offset %d: %w", b.BaseOffset(), err)
	}
	if !b.LogAppendTime() {
		nb.SetMaxTimestamp(b.MaxTimestamp())
	}
	return nb, nil
}

// write appends a kept batch to the cleaned segment.
func (w *worker) write(ctx context.Context, cs *storage.CleanedSegment, b record.Batch) error {
	if err := cs.Append(b); err != nil {
		return err
	}
	w.run.bytesWritten += int64(len(b))
	w.run.messagesWritten += int64(b.NumRecords())
	return w.c.throttle.wait(ctx, len(b))
}
