package record

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// Kafka's defaults for the topic settings a Policy carries.
const (
	DefaultMaxMessageBytes      = 1048588 // message.max.bytes
	DefaultTimestampBeforeMaxMs = math.MaxInt64
	DefaultTimestampAfterMaxMs  = 3600000 // one hour since Kafka 4.0 (KIP-1030)
)

// Policy is what Validate needs to know about the topic and the request.
type Policy struct {
	// MaxMessageBytes is max.message.bytes: the largest batch, counting its
	// log overhead. Zero or less means no limit.
	MaxMessageBytes int
	// TimestampType is message.timestamp.type.
	TimestampType TimestampType
	// TimestampBeforeMaxMs and TimestampAfterMaxMs are
	// message.timestamp.before.max.ms and message.timestamp.after.max.ms:
	// how far a CreateTime timestamp may lie behind or ahead of Now.
	TimestampBeforeMaxMs int64
	TimestampAfterMaxMs  int64
	// Now is the broker's time in milliseconds; with LogAppendTime it
	// becomes the batch's timestamp.
	Now int64
	// Compacted is set when cleanup.policy includes compact: every record
	// then needs a key.
	Compacted bool
	// MaxDecompressedBytes bounds what a compressed batch may decompress
	// to; DefaultMaxDecompressedBytes if zero or less.
	MaxDecompressedBytes int
	// DenyZstd is set for Produce requests before v7, which may not carry
	// zstd batches.
	DenyZstd bool
}

// DefaultPolicy is Kafka's default topic configuration at time now.
func DefaultPolicy(now int64) Policy {
	return Policy{
		MaxMessageBytes:      DefaultMaxMessageBytes,
		TimestampBeforeMaxMs: DefaultTimestampBeforeMaxMs,
		TimestampAfterMaxMs:  DefaultTimestampAfterMaxMs,
		Now:                  now,
		MaxDecompressedBytes: DefaultMaxDecompressedBytes,
	}
}

// minLegacyLength is the length field of the smallest magic v0 message.
const minLegacyLength = 14

// Validate checks one partition's records from a Produce request (v3+) as
// Kafka's broker does before appending them, and returns the batch they
// hold, ready to append once its base offset and partition leader epoch are
// set (neither is covered by the CRC).
//
// Validate works in place and does not copy the records. It does modify the
// batch's timestamp fields as Kafka does: with LogAppendTime it sets the
// timestamp type and MaxTimestamp to p.Now; with CreateTime it sets
// MaxTimestamp to the largest record timestamp, and clears a
// LogAppendTime flag the producer set. The CRC is recomputed only when
// those fields change.
//
// Where Spool is stricter than Kafka: bytes after the batch are refused
// (Kafka drops an incomplete trailing batch), offset deltas must be 0..n-1
// in every batch (Kafka rebuilds a compressed batch whose deltas are not,
// and does not look in uncompressed ones), null lengths other than -1 are
// malformed, and codecs 5-7 are UNSUPPORTED_COMPRESSION_TYPE rather than an
// internal error.
//
// Errors wrap ErrCorruptMessage, ErrInvalidRecord, ErrMessageTooLarge,
// ErrInvalidTimestamp or ErrUnsupportedCompression; problems with
// individual records come as *RecordErrors.
func Validate(records []byte, p Policy) (Batch, error) {
	b, err := framedBatch(records, p)
	if err != nil {
		return nil, err
	}
	if err := checkHeader(b, p); err != nil {
		return nil, err
	}
	maxTs, err := checkRecords(b, p)
	if err != nil {
		return nil, err
	}
	stampTimestamps(b, p, maxTs)
	return b, nil
}

// framedBatch finds the single v2 batch in records, with the checks Kafka
// makes while parsing the request (ProduceRequest.validateRecords).
func framedBatch(records []byte, p Policy) (Batch, error) {
	// Kafka sees no batch at all in fewer bytes than a length field, or
	// than the header up to the magic.
	if len(records) < LogOverhead {
		return nil, fmt.Errorf("%d bytes hold no record batch: %w", len(records), ErrInvalidRecord)
	}
	length := int32(binary.BigEndian.Uint32(records[offBatchLength:]))
	// Below the smallest legacy message, the length itself is damaged.
	if length < minLegacyLength {
		return nil, fmt.Errorf("batch length %d is below any message's minimum: %w", length, ErrCorruptMessage)
	}
	if len(records) <= offMagic {
		return nil, fmt.Errorf("%d bytes hold no record batch: %w", len(records), ErrInvalidRecord)
	}
	if magic := int8(records[offMagic]); magic < 0 || magic > 2 {
		return nil, fmt.Errorf("unknown magic %d: %w", magic, ErrCorruptMessage)
	}
	total := int64(length) + LogOverhead
	if int64(len(records)) < total {
		return nil, fmt.Errorf("batch of %d bytes is cut short at %d: %w", total, len(records), ErrInvalidRecord)
	}
	if magic := int8(records[offMagic]); magic != 2 {
		return nil, fmt.Errorf("magic %d batches are no longer accepted, only magic 2: %w", magic, ErrInvalidRecord)
	}
	if total < HeaderSize {
		return nil, fmt.Errorf("batch of %d bytes is smaller than the %d-byte header: %w", total, HeaderSize, ErrCorruptMessage)
	}
	if int64(len(records)) > total {
		return nil, fmt.Errorf("%d bytes follow the batch; a partition must hold exactly one: %w", int64(len(records))-total, ErrInvalidRecord)
	}
	b := Batch(records[:total:total])
	if c := b.Codec(); !c.Valid() {
		return nil, fmt.Errorf("compression codec %d: %w", int8(c), ErrUnsupportedCompression)
	}
	if p.DenyZstd && b.Codec() == CodecZstd {
		return nil, fmt.Errorf("zstd needs produce v7 or later: %w", ErrUnsupportedCompression)
	}
	return b, nil
}

// checkHeader makes the batch-level checks of Kafka's log append path, in
// its order.
func checkHeader(b Batch, p Policy) error {
	if b.BaseOffset() != 0 {
		return fmt.Errorf("base offset %d, want 0 from a producer: %w", b.BaseOffset(), ErrInvalidRecord)
	}
	if p.MaxMessageBytes > 0 && len(b) > p.MaxMessageBytes {
		return fmt.Errorf("batch of %d bytes exceeds max.message.bytes %d: %w", len(b), p.MaxMessageBytes, ErrMessageTooLarge)
	}
	if stored, computed := b.CRC(), b.ComputeCRC(); stored != computed {
		return fmt.Errorf("batch crc %08x, computed %08x: %w", stored, computed, ErrCorruptMessage)
	}
	fromOffsets := int64(b.LastOffsetDelta()) + 1
	count := int64(b.NumRecords())
	switch {
	case fromOffsets <= 0:
		return fmt.Errorf("last offset delta %d: %w", b.LastOffsetDelta(), ErrInvalidRecord)
	case count <= 0:
		return fmt.Errorf("record count %d: %w", count, ErrInvalidRecord)
	case count != fromOffsets:
		return fmt.Errorf("record count %d but last offset delta %d: %w", count, b.LastOffsetDelta(), ErrInvalidRecord)
	case b.IsControl():
		return fmt.Errorf("clients may not write control batches: %w", ErrInvalidRecord)
	case b.ProducerID() != noProducerID && b.BaseSequence() < 0:
		return fmt.Errorf("base sequence %d with producer id %d: %w", b.BaseSequence(), b.ProducerID(), ErrInvalidRecord)
	}
	return nil
}

// readerPool keeps Readers, and so their decompression buffers, for reuse.
var readerPool = sync.Pool{New: func() any { return &Reader{skipHeaders: true} }}

// maxPooledWindow keeps one huge record from pinning its buffer in the pool.
const maxPooledWindow = 1 << 20

// checkRecords reads every record, checking structure (which stops at the
// first fault) and topic rules (collected per record, as Kafka does). It
// returns the largest record timestamp.
func checkRecords(b Batch, p Policy) (int64, error) {
	rd := readerPool.Get().(*Reader)
	defer func() {
		rd.Close()
		if cap(rd.win.own) > maxPooledWindow {
			rd.win.own = nil
		}
		readerPool.Put(rd)
	}()
	rd.Reset(b, p.MaxDecompressedBytes)
	maxTs := int64(NoTimestamp)
	var errs recordErrorsBuilder
	for rd.Next() {
		r := rd.Record()
		i := rd.Index()
		if r.OffsetDelta != i {
			return 0, fmt.Errorf("record %d has offset delta %d: %w", i, r.OffsetDelta, ErrInvalidRecord)
		}
		// The timestamp the record keeps once the batch is CreateTime.
		// Kafka uses MaxTimestamp for every record of a batch a producer
		// marked LogAppendTime, then resets the batch to CreateTime, which
		// leaves timestamps that were never checked.
		ts := b.FirstTimestamp() + r.TimestampDelta
		checkRecord(b, r, ts, i, p, &errs)
		maxTs = max(maxTs, ts)
	}
	if err := rd.Err(); err != nil {
		return 0, err
	}
	return maxTs, errs.err()
}

// checkRecord applies the topic's rules to one record, at most one problem
// per record, the key first (LogValidator.validateRecord).
func checkRecord(b Batch, r *Record, ts int64, i int32, p Policy, errs *recordErrorsBuilder) {
	if p.Compacted && r.Key == nil {
		errs.add(i, false, "Compacted topic cannot accept message without key")
		return
	}
	if p.TimestampType == CreateTime && ts != NoTimestamp {
		if outOfRange(ts, p) {
			errs.add(i, true, fmt.Sprintf("Timestamp %d of message with offset %d is out of range. "+
				"The timestamp should be within [%d, %d]", ts, r.Offset,
				subSat(p.Now, p.TimestampBeforeMaxMs), addSat(p.Now, p.TimestampAfterMaxMs)))
		}
		return
	}
	if b.LogAppendTime() {
		errs.add(i, true, "Invalid timestamp type in message. Producer should not set timestamp type to LogAppendTime.")
	}
}

// outOfRange reports a timestamp outside [now-before, now+after]; the
// bounds saturate, as the defaults are MaxInt64.
func outOfRange(ts int64, p Policy) bool {
	return ts < subSat(p.Now, p.TimestampBeforeMaxMs) || ts > addSat(p.Now, p.TimestampAfterMaxMs)
}

func addSat(a, d int64) int64 {
	if d > 0 && a > math.MaxInt64-d {
		return math.MaxInt64
	}
	return a + d
}

func subSat(a, d int64) int64 {
	if d > 0 && a < math.MinInt64+d {
		return math.MinInt64
	}
	return a - d
}

// stampTimestamps sets the timestamp type and MaxTimestamp the way Kafka
// leaves them after validation, recomputing the CRC only on change.
func stampTimestamps(b Batch, p Policy, maxTs int64) {
	logAppend := p.TimestampType == LogAppendTime
	if logAppend {
		maxTs = p.Now
	}
	if b.LogAppendTime() == logAppend && b.MaxTimestamp() == maxTs {
		return
	}
	attrs := uint16(b.Attributes()) &^ attrTimestampType
	if logAppend {
		attrs |= attrTimestampType
	}
	binary.BigEndian.PutUint16(b[offAttributes:], attrs)
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(maxTs))
	b.UpdateCRC()
}
