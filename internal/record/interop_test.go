package record_test

// Interoperability with franz-go, an independent client implementation:
// batches it encodes must validate and read here, and what we compress it
// must decompress. This is an external test package so that package record
// itself stays free of kmsg.

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/record"
)

const now = int64(1_700_000_000_000)

var franzCodecs = map[record.Codec]kgo.CompressionCodec{
	record.CodecNone:   kgo.NoCompression(),
	record.CodecGzip:   kgo.GzipCompression(),
	record.CodecSnappy: kgo.SnappyCompression(),
	record.CodecLZ4:    kgo.Lz4Compression(),
	record.CodecZstd:   kgo.ZstdCompression(),
}

func franzRecords(n int) []kmsg.Record {
	recs := make([]kmsg.Record, n)
	for i := range recs {
		r := kmsg.Record{
			TimestampDelta64: int64(i * 3),
			OffsetDelta:      int32(i),
			Key:              fmt.Appendf(nil, "key-%d", i),
			Value:            bytes.Repeat(fmt.Appendf(nil, "value %d ", i), 40),
			Headers:          []kmsg.Header{{Key: "h", Value: []byte{byte(i)}}},
		}
		if i%3 == 1 {
			r.Key = nil
		}
		r.Length = int32(len(r.AppendTo(nil)) - 1) // less the one-byte zero length
		recs[i] = r
	}
	return recs
}

// franzBatch encodes recs as franz-go does on produce, compressed by its
// default compressor (raw snappy blocks for snappy).
func franzBatch(t *testing.T, c record.Codec, recs []kmsg.Record) []byte {
	t.Helper()
	var raw []byte
	for i := range recs {
		raw = recs[i].AppendTo(raw)
	}
	records := raw
	if c != record.CodecNone {
		comp, err := kgo.DefaultCompressor(franzCodecs[c])
		if err != nil {
			t.Fatal(err)
		}
		out, used := comp.Compress(new(bytes.Buffer), raw)
		if int8(used) != int8(c) {
			t.Fatalf("franz-go compressed with %d, want %s", used, c)
		}
		records = bytes.Clone(out)
	}
	rb := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1,
		Magic:                2,
		Attributes:           int16(c),
		LastOffsetDelta:      int32(len(recs) - 1),
		FirstTimestamp:       now - 100,
		MaxTimestamp:         now - 100 + recs[len(recs)-1].TimestampDelta64,
		ProducerID:           9,
		ProducerEpoch:        0,
		FirstSequence:        0,
		NumRecords:           int32(len(recs)),
		Records:              records,
	}
	b := rb.AppendTo(nil)
	rb.Length = int32(len(b) - 12)
	rb.CRC = int32(crc32.Checksum(rb.AppendTo(nil)[21:], crc32.MakeTable(crc32.Castagnoli)))
	return rb.AppendTo(nil)
}

func TestValidateFranzGoBatches(t *testing.T) {
	recs := franzRecords(12)
	for c := range franzCodecs {
		b, err := record.Validate(franzBatch(t, c, recs), record.DefaultPolicy(now))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		i := 0
		for r, err := range b.All(0) {
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			w := recs[i]
			if r.Timestamp != now-100+w.TimestampDelta64 || r.OffsetDelta != w.OffsetDelta ||
				!bytes.Equal(r.Key, w.Key) || (r.Key == nil) != (w.Key == nil) || !bytes.Equal(r.Value, w.Value) ||
				len(r.Headers) != 1 || r.Headers[0].Key != "h" || !bytes.Equal(r.Headers[0].Value, w.Headers[0].Value) {
				t.Fatalf("%s record %d differs: %+v", c, i, r)
			}
			i++
		}
		if i != len(recs) {
			t.Fatalf("%s: read %d records", c, i)
		}
	}
}

func TestFranzGoReadsOurBatches(t *testing.T) {
	dec := kgo.DefaultDecompressor()
	for c := range franzCodecs {
		bl := record.NewBuilder()
		bl.Codec = c
		bl.BaseOffset = 40
		for i := range 30 {
			bl.Append(now+int64(i), fmt.Appendf(nil, "k%d", i), bytes.Repeat([]byte("abc"), 5000), record.Header{Key: "x", Value: nil})
		}
		b, err := bl.Build()
		if err != nil {
			t.Fatal(err)
		}
		var rb kmsg.RecordBatch
		if err := rb.ReadFrom(b); err != nil {
			t.Fatalf("%s: kmsg reads our batch: %v", c, err)
		}
		crc := crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli))
		if rb.FirstOffset != 40 || int(rb.Length)+12 != len(b) || uint32(rb.CRC) != crc || rb.NumRecords != 30 {
			t.Fatalf("%s: header as franz-go sees it: %+v", c, rb)
		}
		raw := rb.Records
		if c != record.CodecNone {
			if raw, err = dec.Decompress(rb.Records, kgo.CompressionCodecType(c)); err != nil {
				t.Fatalf("%s: franz-go cannot decompress our records: %v", c, err)
			}
		}
		for i := range 30 {
			var r kmsg.Record
			n, _ := varint(raw)
			if err := r.ReadFrom(raw); err != nil {
				t.Fatalf("%s record %d: %v", c, i, err)
			}
			if string(r.Key) != fmt.Sprint("k", i) || r.OffsetDelta != int32(i) || len(r.Value) != 15000 ||
				len(r.Headers) != 1 || r.Headers[0].Value != nil {
				t.Fatalf("%s record %d: %+v", c, i, r)
			}
			raw = raw[n+int(r.Length):]
		}
		if len(raw) != 0 {
			t.Fatalf("%s: %d bytes after the records", c, len(raw))
		}
	}
}

// varint returns the size of the zig-zag varint at the start of b.
func varint(b []byte) (int, int64) {
	var u uint64
	for i, c := range b {
		u |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return i + 1, int64(u>>1) ^ -int64(u&1)
		}
	}
	return 0, 0
}
