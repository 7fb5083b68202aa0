package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Byte positions of the fields of a v2 record batch header.
const (
	offBaseOffset      = 0
	offBatchLength     = 8
	offLeaderEpoch     = 12
	offMagic           = 16
	offCRC             = 17
	offAttributes      = 21
	offLastOffsetDelta = 23
	offFirstTimestamp  = 27
	offMaxTimestamp    = 35
	offProducerID      = 43
	offProducerEpoch   = 51
	offBaseSequence    = 53
	offRecordCount     = 57

	// LogOverhead is the size of the base offset and batch length fields,
	// which precede the part of the batch that batchLength counts.
	LogOverhead = 12
	// HeaderSize is the size of a v2 batch header; records follow it.
	HeaderSize = 61
)

// Attribute bits of a v2 batch.
const (
	attrCompressionMask  = 0x07
	attrTimestampType    = 0x08
	attrTransactional    = 0x10
	attrControl          = 0x20
	attrHasDeleteHorizon = 0x40
)

// TimestampType is what a batch's timestamps mean, and a topic's
// message.timestamp.type.
type TimestampType int8

const (
	CreateTime    TimestampType = 0 // the producer's timestamps
	LogAppendTime TimestampType = 1 // the broker's append time, in MaxTimestamp
)

// NoTimestamp is Kafka's "no timestamp" value.
const NoTimestamp = -1

// noProducerID is the producer id of a batch from a non-idempotent producer.
const noProducerID = -1

// Codec is the compression codec named by a batch's attributes.
type Codec int8

// The codecs Kafka defines, with their attribute values.
const (
	CodecNone   Codec = 0
	CodecGzip   Codec = 1
	CodecSnappy Codec = 2
	CodecLZ4    Codec = 3
	CodecZstd   Codec = 4
)

func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecGzip:
		return "gzip"
	case CodecSnappy:
		return "snappy"
	case CodecLZ4:
		return "lz4"
	case CodecZstd:
		return "zstd"
	}
	return fmt.Sprintf("codec(%d)", int8(c))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrShortBatch means a buffer ends before the batch its header announces.
var ErrShortBatch = errors.New("record batch is truncated")

// Batch is one whole v2 record batch: the 61-byte header followed by its
// records, exactly BatchLength()+LogOverhead bytes. Accessors read the
// header in place; setters write it in place.
type Batch []byte

// Peek returns the batch that starts buf and what follows it. It checks only
// that buf holds the whole batch its length field announces and that the
// length is at least a header; it does not look at magic or CRC.
func Peek(buf []byte) (b Batch, rest []byte, err error) {
	if len(buf) < LogOverhead {
		return nil, buf, ErrShortBatch
	}
	length := int64(int32(binary.BigEndian.Uint32(buf[offBatchLength:])))
	if length < HeaderSize-LogOverhead {
		return nil, buf, fmt.Errorf("record batch length %d is below the %d-byte header", length, HeaderSize-LogOverhead)
	}
	total := length + LogOverhead
	if int64(len(buf)) < total {
		return nil, buf, ErrShortBatch
	}
	return Batch(buf[:total:total]), buf[total:], nil
}

func (b Batch) BaseOffset() int64 { return int64(binary.BigEndian.Uint64(b[offBaseOffset:])) }

// SetBaseOffset assigns the batch's offsets; the CRC does not cover it.
func (b Batch) SetBaseOffset(o int64) { binary.BigEndian.PutUint64(b[offBaseOffset:], uint64(o)) }

// BatchLength is the size of the batch after the length field itself.
func (b Batch) BatchLength() int32 { return int32(binary.BigEndian.Uint32(b[offBatchLength:])) }

func (b Batch) PartitionLeaderEpoch() int32 {
	return int32(binary.BigEndian.Uint32(b[offLeaderEpoch:]))
}

// SetPartitionLeaderEpoch stamps the leader's epoch; the CRC does not cover it.
func (b Batch) SetPartitionLeaderEpoch(e int32) {
	binary.BigEndian.PutUint32(b[offLeaderEpoch:], uint32(e))
}

func (b Batch) Magic() int8 { return int8(b[offMagic]) }

// CRC is the stored CRC-32C of everything from the attributes to the end.
func (b Batch) CRC() uint32 { return binary.BigEndian.Uint32(b[offCRC:]) }

// ComputeCRC computes the CRC-32C that CRC should hold.
func (b Batch) ComputeCRC() uint32 { return crc32.Checksum(b[offAttributes:], castagnoli) }

// UpdateCRC stores ComputeCRC; call it after changing any covered field.
func (b Batch) UpdateCRC() { binary.BigEndian.PutUint32(b[offCRC:], b.ComputeCRC()) }

func (b Batch) Attributes() int16 { return int16(binary.BigEndian.Uint16(b[offAttributes:])) }

func (b Batch) Codec() Codec { return Codec(b.Attributes() & attrCompressionMask) }

// LogAppendTime reports whether the broker's append time replaces the
// records' own timestamps (the batch's max timestamp then holds it).
func (b Batch) LogAppendTime() bool { return b.Attributes()&attrTimestampType != 0 }

func (b Batch) IsTransactional() bool { return b.Attributes()&attrTransactional != 0 }

// IsControl reports a control batch (transaction markers).
func (b Batch) IsControl() bool { return b.Attributes()&attrControl != 0 }

// HasDeleteHorizon reports that FirstTimestamp holds the compaction delete
// horizon rather than the first record's timestamp.
func (b Batch) HasDeleteHorizon() bool { return b.Attributes()&attrHasDeleteHorizon != 0 }

func (b Batch) LastOffsetDelta() int32 {
	return int32(binary.BigEndian.Uint32(b[offLastOffsetDelta:]))
}

// LastOffset is the offset of the batch's last record (even one removed by
// compaction).
func (b Batch) LastOffset() int64 { return b.BaseOffset() + int64(b.LastOffsetDelta()) }

// NextOffset is the offset that follows this batch.
func (b Batch) NextOffset() int64 { return b.LastOffset() + 1 }

func (b Batch) FirstTimestamp() int64 { return int64(binary.BigEndian.Uint64(b[offFirstTimestamp:])) }
func (b Batch) MaxTimestamp() int64   { return int64(binary.BigEndian.Uint64(b[offMaxTimestamp:])) }
func (b Batch) ProducerID() int64     { return int64(binary.BigEndian.Uint64(b[offProducerID:])) }
func (b Batch) ProducerEpoch() int16  { return int16(binary.BigEndian.Uint16(b[offProducerEpoch:])) }
func (b Batch) BaseSequence() int32   { return int32(binary.BigEndian.Uint32(b[offBaseSequence:])) }
func (b Batch) NumRecords() int32     { return int32(binary.BigEndian.Uint32(b[offRecordCount:])) }

// LastSequence is the sequence of the batch's last record; sequences wrap
// from MaxInt32 to 0.
func (b Batch) LastSequence() int32 {
	seq := b.BaseSequence()
	if seq < 0 {
		return seq
	}
	last := int64(seq) + int64(b.LastOffsetDelta())
	if last > 1<<31-1 {
		last -= 1 << 31
	}
	return int32(last)
}

// Records is the records section, compressed as Codec says.
func (b Batch) Records() []byte { return b[HeaderSize:] }

// SetMaxTimestamp stores the batch's max timestamp and recomputes the CRC
// (the log cleaner keeps it on a batch whose records it removed).
func (b Batch) SetMaxTimestamp(ts int64) {
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(ts))
	b.UpdateCRC()
}

// SetLogAppendTime marks the batch's timestamps as the broker's append time
// ts and recomputes the CRC, as Kafka does for LogAppendTime topics.
func (b Batch) SetLogAppendTime(ts int64) {
	attrs := uint16(b.Attributes()) | attrTimestampType
	binary.BigEndian.PutUint16(b[offAttributes:], attrs)
	binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(ts))
	b.UpdateCRC()
}
