package record

import (
	"fmt"
	"iter"
)

// DefaultMaxDecompressedBytes bounds the decompressed records of one batch
// when the caller gives no bound of its own.
const DefaultMaxDecompressedBytes = 64 << 20

// Header is one record header. Its key is never null; its value may be.
type Header struct {
	Key   string
	Value []byte
}

// Record is one record of a batch, as a Reader yields it. Key, Value and
// header values alias the batch (uncompressed) or the Reader's buffer
// (compressed) and are valid only until the Reader's next step; copy what
// must outlive it.
type Record struct {
	Attributes     int8 // unused by Kafka so far; kept as sent
	TimestampDelta int64
	OffsetDelta    int32
	Key            []byte // nil for a null key
	Value          []byte // nil for a null value (a tombstone)
	Headers        []Header

	// Offset and Timestamp are absolute, from the batch header: see
	// Batch.OffsetOf and Batch.TimestampOf.
	Offset    int64
	Timestamp int64
}

// OffsetOf is the absolute offset of the record with the given delta.
func (b Batch) OffsetOf(offsetDelta int32) int64 { return b.BaseOffset() + int64(offsetDelta) }

// TimestampOf is the timestamp of the record with the given delta: the
// batch's MaxTimestamp when the batch uses LogAppendTime (the broker's
// append time then stands for every record), else FirstTimestamp+delta.
func (b Batch) TimestampOf(timestampDelta int64) int64 {
	if b.LogAppendTime() {
		return b.MaxTimestamp()
	}
	return b.FirstTimestamp() + timestampDelta
}

// Reader steps through the records of a batch, decompressing as it goes;
// it holds at most one record's worth of decompressed data, plus the
// decompressor's own window. A Reader may be reused for many batches, which
// keeps its buffers; the zero value is ready for Reset.
//
//	var rd record.Reader
//	rd.Reset(b, record.DefaultMaxDecompressedBytes)
//	defer rd.Close()
//	for rd.Next() {
//		r := rd.Record()
//		...
//	}
//	if err := rd.Err(); err != nil { ... }
//
// It checks the structure every batch must have: exactly NumRecords
// well-formed records filling the records section. It does not check
// produce rules such as consecutive offset deltas (compaction leaves gaps);
// Validate does.
type Reader struct {
	b     Batch
	dec   *decoder // nil when the batch is uncompressed
	win   window
	count int32
	index int32 // records returned so far
	rec   Record
	err   error
	done  bool

	skipHeaders bool // Validate checks headers without building them
}

// Reset starts reading b's records; a compressed batch may decompress to
// at most maxDecompressed bytes (DefaultMaxDecompressedBytes if <= 0).
func (rd *Reader) Reset(b Batch, maxDecompressed int) {
	rd.release()
	rd.b, rd.index, rd.err, rd.done = b, 0, nil, false
	if maxDecompressed <= 0 {
		maxDecompressed = DefaultMaxDecompressedBytes
	}
	if len(b) < HeaderSize {
		rd.fail(fmt.Errorf("read %d-byte batch: %w", len(b), ErrShortBatch))
		return
	}
	rd.count = b.NumRecords()
	if rd.count < 0 {
		rd.fail(fmt.Errorf("record count %d is negative: %w", rd.count, ErrInvalidRecord))
		return
	}
	if b.Codec() == CodecNone {
		rd.win.resetBytes(b.Records())
		return
	}
	dec, err := getDecoder(b.Codec(), b.Records(), maxDecompressed)
	if err != nil {
		rd.fail(err)
		return
	}
	rd.dec = dec
	rd.win.resetStream(dec, int64(maxDecompressed))
}

// Close returns the Reader's decompressor to the pool and drops its
// references to the batch; the Reader keeps its own buffer for the next
// Reset.
func (rd *Reader) Close() {
	rd.release()
	rd.b, rd.win.buf = nil, nil
	rd.rec.Key, rd.rec.Value = nil, nil
	clear(rd.rec.Headers[:cap(rd.rec.Headers)])
}

func (rd *Reader) release() {
	if rd.dec != nil {
		rd.dec.put()
		rd.dec = nil
	}
	rd.win.r = nil
}

// Next advances to the next record and reports whether there is one. At
// the end it checks that nothing follows the last record.
func (rd *Reader) Next() bool {
	if rd.done {
		return false
	}
	if rd.index == rd.count {
		rd.finish()
		return false
	}
	body, err := rd.win.next()
	if err != nil {
		rd.fail(fmt.Errorf("record %d of %d: %w", rd.index, rd.count, err))
		return false
	}
	if err := rd.rec.parse(body, rd.skipHeaders); err != nil {
		rd.fail(fmt.Errorf("record %d of %d: %w", rd.index, rd.count, err))
		return false
	}
	rd.rec.Offset = rd.b.OffsetOf(rd.rec.OffsetDelta)
	rd.rec.Timestamp = rd.b.TimestampOf(rd.rec.TimestampDelta)
	rd.index++
	return true
}

func (rd *Reader) finish() {
	rd.done = true
	extra, err := rd.win.remaining()
	switch {
	case err != nil:
		rd.err = fmt.Errorf("after record %d: %w", rd.count, err)
	case extra:
		rd.err = fmt.Errorf("bytes follow the last of %d records: %w", rd.count, ErrInvalidRecord)
	}
	rd.release()
}

func (rd *Reader) fail(err error) {
	rd.err, rd.done = err, true
	rd.release()
}

// Record is the current record; see Record for how long it stays valid.
func (rd *Reader) Record() *Record { return &rd.rec }

// Index is the position of the current record in the batch (0-based).
func (rd *Reader) Index() int32 { return rd.index - 1 }

// Err is the error that ended the iteration, or nil at a clean end. Its
// sentinel is ErrInvalidRecord for malformed records and
// ErrMessageTooLarge when decompression passes its bound.
func (rd *Reader) Err() error { return rd.err }

// All iterates b's records; the yielded record is valid only during its
// step. After an error it yields (nil, err) once and stops.
func (b Batch) All(maxDecompressed int) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		var rd Reader
		rd.Reset(b, maxDecompressed)
		defer rd.Close()
		for rd.Next() {
			if !yield(rd.Record(), nil) {
				return
			}
		}
		if err := rd.Err(); err != nil {
			yield(nil, err)
		}
	}
}
