package record

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Builder constructs v2 batches from records: in tests, for control
// batches (transaction markers) and in the log cleaner. Set the exported
// fields, Append records, then Build. NewBuilder gives Kafka's values for
// "no producer"; a zero Builder means producer id 0.
type Builder struct {
	BaseOffset           int64
	PartitionLeaderEpoch int32
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	Transactional        bool
	Control              bool
	// TimestampType LogAppendTime makes AppendTime the batch's
	// MaxTimestamp, which then stands for every record's timestamp.
	TimestampType TimestampType
	AppendTime    int64
	// DeleteHorizonMs, when >= 0, marks the batch with the compaction
	// delete horizon, which then takes FirstTimestamp's place (KIP-534).
	DeleteHorizonMs int64
	// LastOffsetDelta, when above the last record's delta, is written
	// instead, as the cleaner does to keep a batch's last offset when it
	// drops the batch's last records.
	LastOffsetDelta int32
	Codec           Codec
	Level           int // 0: DefaultLevel(Codec)

	body      []byte // encoded records, uncompressed
	count     int32
	baseTs    int64
	maxTs     int64
	lastDelta int32
	err       error
}

// NewBuilder returns a Builder for a batch without producer id, epoch or
// sequence, leader epoch or delete horizon, uncompressed, CreateTime.
func NewBuilder() *Builder {
	return &Builder{
		PartitionLeaderEpoch: -1,
		ProducerID:           noProducerID,
		ProducerEpoch:        -1,
		BaseSequence:         -1,
		DeleteHorizonMs:      NoTimestamp,
	}
}

// Reset drops the appended records and keeps the settings.
func (bl *Builder) Reset() {
	bl.body, bl.count, bl.err = bl.body[:0], 0, nil
}

// NumRecords is how many records have been appended.
func (bl *Builder) NumRecords() int { return int(bl.count) }

// Append adds a record at the next offset delta.
func (bl *Builder) Append(timestamp int64, key, value []byte, headers ...Header) {
	delta := int32(0)
	if bl.count > 0 {
		delta = bl.lastDelta + 1
	}
	bl.add(0, delta, timestamp, key, value, headers)
}

// AppendRecord adds r with its own offset delta, timestamp and attributes,
// as when copying records into a new batch with the same base offset.
func (bl *Builder) AppendRecord(r *Record) {
	bl.add(r.Attributes, r.OffsetDelta, r.Timestamp, r.Key, r.Value, r.Headers)
}

func (bl *Builder) add(attrs int8, delta int32, ts int64, key, value []byte, headers []Header) {
	if bl.err != nil {
		return
	}
	if bl.count == math.MaxInt32 || delta < 0 || bl.count > 0 && delta <= bl.lastDelta {
		bl.err = fmt.Errorf("record %d: offset delta %d does not follow %d", bl.count, delta, bl.lastDelta)
		return
	}
	if bl.count == 0 {
		bl.baseTs, bl.maxTs = ts, ts
		if bl.DeleteHorizonMs >= 0 {
			bl.baseTs = bl.DeleteHorizonMs
		}
	}
	bl.maxTs = max(bl.maxTs, ts)
	bl.body = appendRecord(bl.body, attrs, ts-bl.baseTs, delta, key, value, headers)
	bl.count++
	bl.lastDelta = delta
}

// Build returns a new batch holding the records appended so far, with its
// CRC set. The Builder may go on appending or be Reset.
func (bl *Builder) Build() (Batch, error) {
	if bl.err != nil {
		return nil, bl.err
	}
	if !bl.Codec.Valid() {
		return nil, fmt.Errorf("build batch with codec %d: %w", int8(bl.Codec), ErrUnsupportedCompression)
	}
	b := make([]byte, HeaderSize, HeaderSize+len(bl.body)/2+64)
	b, err := Compress(b, bl.body, bl.Codec, bl.Level)
	if err != nil {
		return nil, fmt.Errorf("build batch: %w", err)
	}
	if len(b)-LogOverhead > math.MaxInt32 {
		return nil, fmt.Errorf("build batch: %d bytes is too large for a batch", len(b))
	}
	bl.writeHeader(Batch(b))
	return Batch(b), nil
}

func (bl *Builder) writeHeader(b Batch) {
	first, maxTs, last := int64(NoTimestamp), int64(NoTimestamp), bl.LastOffsetDelta
	if bl.count > 0 {
		first, maxTs, last = bl.baseTs, bl.maxTs, max(last, bl.lastDelta)
	} else if bl.DeleteHorizonMs >= 0 {
		first = bl.DeleteHorizonMs
	}
	attrs := uint16(bl.Codec)
	if bl.TimestampType == LogAppendTime {
		attrs |= attrTimestampType
		maxTs = bl.AppendTime
	}
	if bl.Transactional {
		attrs |= attrTransactional
	}
	if bl.Control {
		attrs |= attrControl
	}
	if bl.DeleteHorizonMs >= 0 {
		attrs |= attrHasDeleteHorizon
	}
	be := binary.BigEndian
	be.PutUint64(b[offBaseOffset:], uint64(bl.BaseOffset))
	be.PutUint32(b[offBatchLength:], uint32(len(b)-LogOverhead))
	be.PutUint32(b[offLeaderEpoch:], uint32(bl.PartitionLeaderEpoch))
	b[offMagic] = 2
	be.PutUint16(b[offAttributes:], attrs)
	be.PutUint32(b[offLastOffsetDelta:], uint32(last))
	be.PutUint64(b[offFirstTimestamp:], uint64(first))
	be.PutUint64(b[offMaxTimestamp:], uint64(maxTs))
	be.PutUint64(b[offProducerID:], uint64(bl.ProducerID))
	be.PutUint16(b[offProducerEpoch:], uint16(bl.ProducerEpoch))
	be.PutUint32(b[offBaseSequence:], uint32(bl.BaseSequence))
	be.PutUint32(b[offRecordCount:], uint32(bl.count))
	b.UpdateCRC()
}

// appendRecord appends one length-prefixed record.
func appendRecord(dst []byte, attrs int8, tsDelta int64, offDelta int32, key, value []byte, headers []Header) []byte {
	size := 1 + varintLen(tsDelta) + varintLen(int64(offDelta)) +
		bytesLen(key) + bytesLen(value) + varintLen(int64(len(headers)))
	for _, h := range headers {
		size += varintLen(int64(len(h.Key))) + len(h.Key) + bytesLen(h.Value)
	}
	dst = appendVarint(dst, int64(size))
	dst = append(dst, byte(attrs))
	dst = appendVarint(dst, tsDelta)
	dst = appendVarint(dst, int64(offDelta))
	dst = appendBytes(dst, key)
	dst = appendBytes(dst, value)
	dst = appendVarint(dst, int64(len(headers)))
	for _, h := range headers {
		dst = appendVarint(dst, int64(len(h.Key)))
		dst = append(dst, h.Key...)
		dst = appendBytes(dst, h.Value)
	}
	return dst
}

// appendBytes writes a nullable field: nil is null (-1).
func appendBytes(dst, b []byte) []byte {
	if b == nil {
		return appendVarint(dst, -1)
	}
	return append(appendVarint(dst, int64(len(b))), b...)
}

func bytesLen(b []byte) int {
	if b == nil {
		return 1
	}
	return varintLen(int64(len(b))) + len(b)
}
