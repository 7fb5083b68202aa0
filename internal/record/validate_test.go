package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func testPolicy() Policy { return DefaultPolicy(testNow) }

func TestValidateAcceptsBuiltBatches(t *testing.T) {
	recs := sampleRecords(30, 700)
	for _, c := range allCodecs {
		for _, idempotent := range []bool{false, true} {
			b := buildBatch(t, c, recs, func(bl *Builder) {
				if idempotent {
					bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = 7, 1, 100
					bl.Transactional = true
				}
			})
			in := clone(b)
			got, err := Validate(in, testPolicy())
			if err != nil {
				t.Fatalf("%s idempotent=%v: %v", c, idempotent, err)
			}
			if &got[0] != &in[0] || len(got) != len(in) {
				t.Fatalf("%s: Validate did not return the batch in place", c)
			}
			if !bytes.Equal(got, b) {
				t.Fatalf("%s: Validate changed a batch whose timestamps were already right", c)
			}
			checkRecordsEqual(t, readAll(t, got), recs)
		}
	}
}

// mutate returns a builder batch changed by f, with its CRC recomputed
// unless f breaks it on purpose.
func mutate(t *testing.T, c Codec, f func(b Batch), fixCRC bool) []byte {
	b := buildBatch(t, c, sampleRecords(4, 20), func(bl *Builder) { bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = 1, 0, 0 })
	f(b)
	if fixCRC {
		b.UpdateCRC()
	}
	return b
}

func put32(off int, v int32) func(Batch) {
	return func(b Batch) { binary.BigEndian.PutUint32(b[off:], uint32(v)) }
}

func TestValidateRejections(t *testing.T) {
	valid := buildBatch(t, CodecNone, sampleRecords(4, 20))
	cases := []struct {
		name    string
		records []byte
		policy  func(*Policy)
		want    error
	}{
		{name: "empty", records: nil, want: ErrInvalidRecord},
		{name: "under a length field", records: valid[:11], want: ErrInvalidRecord},
		{name: "length below minimum", records: mutate(t, CodecNone, put32(offBatchLength, 13), false), want: ErrCorruptMessage},
		{name: "negative length", records: mutate(t, CodecNone, put32(offBatchLength, -1), false), want: ErrCorruptMessage},
		{name: "cut before magic", records: valid[:16], want: ErrInvalidRecord},
		{name: "unknown magic", records: mutate(t, CodecNone, func(b Batch) { b[offMagic] = 3 }, false), want: ErrCorruptMessage},
		{name: "negative magic", records: mutate(t, CodecNone, func(b Batch) { b[offMagic] = 0xff }, false), want: ErrCorruptMessage},
		{name: "truncated batch", records: valid[:len(valid)-1], want: ErrInvalidRecord},
		{name: "magic 1", records: mutate(t, CodecNone, func(b Batch) { b[offMagic] = 1 }, false), want: ErrInvalidRecord},
		{name: "magic 0", records: mutate(t, CodecNone, func(b Batch) { b[offMagic] = 0 }, false), want: ErrInvalidRecord},
		{name: "length below v2 header", records: mutate(t, CodecNone, put32(offBatchLength, 40), false)[:52], want: ErrCorruptMessage},
		{name: "two batches", records: append(clone(valid), valid...), want: ErrInvalidRecord},
		{name: "trailing bytes", records: append(clone(valid), 0, 0, 0), want: ErrInvalidRecord},
		{name: "codec 5", records: mutate(t, CodecNone, func(b Batch) { b[offAttributes+1] |= 5 }, true), want: ErrUnsupportedCompression},
		{name: "codec 7", records: mutate(t, CodecNone, func(b Batch) { b[offAttributes+1] |= 7 }, true), want: ErrUnsupportedCompression},
		{name: "zstd before produce v7", records: buildBatch(t, CodecZstd, sampleRecords(2, 5)),
			policy: func(p *Policy) { p.DenyZstd = true }, want: ErrUnsupportedCompression},
		{name: "base offset set", records: mutate(t, CodecNone, func(b Batch) { b.SetBaseOffset(5) }, false), want: ErrInvalidRecord},
		{name: "over max.message.bytes", records: valid,
			policy: func(p *Policy) { p.MaxMessageBytes = len(valid) - 1 }, want: ErrMessageTooLarge},
		{name: "bad crc", records: mutate(t, CodecNone, func(b Batch) { b[len(b)-1] ^= 1 }, false), want: ErrCorruptMessage},
		{name: "bad crc in header", records: mutate(t, CodecNone, func(b Batch) { b[offProducerEpoch] ^= 1 }, false), want: ErrCorruptMessage},
		{name: "negative last offset delta", records: mutate(t, CodecNone, put32(offLastOffsetDelta, -1), true), want: ErrInvalidRecord},
		{name: "zero count", records: mutate(t, CodecNone, put32(offRecordCount, 0), true), want: ErrInvalidRecord},
		{name: "count above offsets", records: mutate(t, CodecNone, put32(offRecordCount, 5), true), want: ErrInvalidRecord},
		{name: "count below offsets", records: mutate(t, CodecNone, put32(offLastOffsetDelta, 4), true), want: ErrInvalidRecord},
		{name: "count and offsets agree, records fewer", records: mutate(t, CodecNone, func(b Batch) {
			put32(offRecordCount, 5)(b)
			put32(offLastOffsetDelta, 4)(b)
		}, true), want: ErrInvalidRecord},
		{name: "control batch", records: mutate(t, CodecNone, func(b Batch) { b[offAttributes+1] |= attrControl }, true), want: ErrInvalidRecord},
		{name: "producer id without sequence", records: mutate(t, CodecNone, put32(offBaseSequence, -1), true), want: ErrInvalidRecord},
		{name: "offset deltas out of order", records: rawBatch(t, CodecNone,
			encodeRecords([]int32{0, 0}, sampleRecords(2, 5)), 2), want: ErrInvalidRecord},
		{name: "offset deltas with a gap", records: rawBatch(t, CodecLZ4,
			encodeRecords([]int32{0, 2, 2}, sampleRecords(3, 5)), 3), want: ErrInvalidRecord},
		{name: "compressed garbage", records: garbageCompressed(t), want: ErrInvalidRecord},
		{name: "compression bomb", records: buildBatch(t, CodecZstd, []testRecord{{ts: testNow, value: make([]byte, 8<<20)}}),
			policy: func(p *Policy) { p.MaxDecompressedBytes = 1 << 20 }, want: ErrMessageTooLarge},
	}
	for _, tc := range cases {
		p := testPolicy()
		if tc.policy != nil {
			tc.policy(&p)
		}
		_, err := Validate(bytes.Clone(tc.records), p)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
		var re *RecordErrors
		if errors.As(err, &re) {
			t.Errorf("%s: batch-level fault reported as record errors", tc.name)
		}
	}
}

// garbageCompressed is a gzip batch whose CRC is right but whose records
// section is not gzip.
func garbageCompressed(t *testing.T) []byte {
	b := buildBatch(t, CodecNone, sampleRecords(3, 10))
	b[offAttributes+1] |= byte(CodecGzip)
	b.UpdateCRC()
	return b
}

func TestValidateKeylessOnCompactedTopic(t *testing.T) {
	recs := sampleRecords(6, 10) // records 1 (null key) is keyless; 3 has an empty key
	for _, c := range allCodecs {
		p := testPolicy()
		p.Compacted = true
		_, err := Validate(buildBatch(t, c, recs), p)
		var re *RecordErrors
		if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRecord) {
			t.Fatalf("%s: err %v, want RecordErrors wrapping ErrInvalidRecord", c, err)
		}
		if len(re.Records) != 1 || re.Records[0].Index != 1 {
			t.Fatalf("%s: record errors %+v, want only record 1", c, re.Records)
		}
		if !strings.Contains(re.Error(), "1 record errors") || !strings.Contains(re.Error(), "batchIndex=1") {
			t.Fatalf("%s: message %q", c, re.Error())
		}
	}
	p := testPolicy()
	p.Compacted = true
	if _, err := Validate(buildBatch(t, CodecNone, []testRecord{{ts: testNow, key: []byte{}}}), p); err != nil {
		t.Fatalf("empty (non-null) key on a compacted topic: %v", err)
	}
}

func TestValidateTimestampWindow(t *testing.T) {
	p := testPolicy()
	p.TimestampBeforeMaxMs, p.TimestampAfterMaxMs = 1000, 500
	recs := []testRecord{
		{ts: testNow - 1000, key: []byte("edge-before")},
		{ts: testNow - 1001, key: []byte("too old")},
		{ts: testNow + 500, key: []byte("edge-after")},
		{ts: testNow + 501, key: []byte("too new")},
		{ts: NoTimestamp, key: []byte("no timestamp")},
	}
	for _, c := range allCodecs {
		_, err := Validate(buildBatch(t, c, recs), p)
		var re *RecordErrors
		if !errors.As(err, &re) || !errors.Is(err, ErrInvalidTimestamp) {
			t.Fatalf("%s: err %v, want RecordErrors wrapping ErrInvalidTimestamp", c, err)
		}
		if len(re.Records) != 2 || re.Records[0].Index != 1 || re.Records[1].Index != 3 {
			t.Fatalf("%s: record errors %+v, want records 1 and 3", c, re.Records)
		}
		if re.Error() != "One or more records have been rejected due to invalid timestamp" {
			t.Fatalf("%s: message %q", c, re.Error())
		}
		if !strings.Contains(re.Records[0].Message, "[1699999999000, 1700000000500]") {
			t.Fatalf("%s: record message %q", c, re.Records[0].Message)
		}
	}
	// A timestamp problem outranks a key problem in the partition error.
	p.Compacted = true
	_, err := Validate(buildBatch(t, CodecNone, []testRecord{{ts: testNow}, {ts: 0, key: []byte("k")}}), p)
	var re *RecordErrors
	if !errors.As(err, &re) || !errors.Is(err, ErrInvalidTimestamp) || len(re.Records) != 2 {
		t.Fatalf("mixed problems: %v", err)
	}
	// With the defaults anything in the past is fine, the far future not.
	d := testPolicy()
	if _, err := Validate(buildBatch(t, CodecNone, []testRecord{{ts: -1 << 62}}), d); err != nil {
		t.Fatalf("ancient timestamp under default policy: %v", err)
	}
	if _, err := Validate(buildBatch(t, CodecNone, []testRecord{{ts: testNow + 3600001}}), d); !errors.Is(err, ErrInvalidTimestamp) {
		t.Fatalf("timestamp over an hour ahead under default policy: %v", err)
	}
}

func TestValidateLogAppendTimeTopic(t *testing.T) {
	recs := sampleRecords(5, 10)
	for _, c := range allCodecs {
		p := testPolicy()
		p.TimestampType = LogAppendTime
		p.TimestampAfterMaxMs = 0 // ignored for LogAppendTime
		b, err := Validate(buildBatch(t, c, recs), p)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if !b.LogAppendTime() || b.MaxTimestamp() != testNow {
			t.Fatalf("%s: LogAppendTime %v MaxTimestamp %d", c, b.LogAppendTime(), b.MaxTimestamp())
		}
		if b.CRC() != b.ComputeCRC() {
			t.Fatalf("%s: CRC not updated", c)
		}
		for _, r := range readAll(t, b) {
			if r.Timestamp != testNow {
				t.Fatalf("%s: record timestamp %d, want the append time", c, r.Timestamp)
			}
		}
		if _, err := Validate(b, DefaultPolicy(testNow)); err != nil {
			t.Fatalf("%s: stamped batch no longer validates: %v", c, err)
		}
	}
}

func TestValidateProducerClaimsLogAppendTime(t *testing.T) {
	claim := func(bl *Builder) { bl.TimestampType, bl.AppendTime = LogAppendTime, testNow-10 }
	p := testPolicy()
	p.TimestampType = LogAppendTime
	_, err := Validate(buildBatch(t, CodecNone, sampleRecords(3, 5), claim), p)
	var re *RecordErrors
	if !errors.As(err, &re) || !errors.Is(err, ErrInvalidTimestamp) || len(re.Records) != 3 {
		t.Fatalf("LogAppendTime from a producer on a LogAppendTime topic: %v", err)
	}
	// On a CreateTime topic the records' own timestamps are checked and
	// kept, and the batch is reset to CreateTime.
	recs := []testRecord{{ts: testNow - 30}, {ts: testNow - 20}}
	b, err := Validate(buildBatch(t, CodecNone, recs, claim), testPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if b.LogAppendTime() || b.MaxTimestamp() != testNow-20 || b.CRC() != b.ComputeCRC() {
		t.Fatalf("after validation: LogAppendTime %v MaxTimestamp %d", b.LogAppendTime(), b.MaxTimestamp())
	}
	tooOld := testPolicy()
	tooOld.TimestampBeforeMaxMs = 25
	if _, err := Validate(buildBatch(t, CodecNone, recs, claim), tooOld); !errors.Is(err, ErrInvalidTimestamp) {
		t.Fatalf("claimed append time hid an old record timestamp: %v", err)
	}
}

func TestValidateCorrectsMaxTimestamp(t *testing.T) {
	recs := sampleRecords(5, 10)
	for _, c := range allCodecs {
		b := buildBatch(t, c, recs)
		want := b.MaxTimestamp()
		binary.BigEndian.PutUint64(b[offMaxTimestamp:], uint64(want+99))
		b.UpdateCRC()
		got, err := Validate(b, testPolicy())
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if got.MaxTimestamp() != want || got.CRC() != got.ComputeCRC() {
			t.Fatalf("%s: MaxTimestamp %d, want %d", c, got.MaxTimestamp(), want)
		}
	}
}

func TestValidateUncompressedAllocatesNothing(t *testing.T) {
	compacted := testPolicy()
	compacted.Compacted = true
	for name, tc := range map[string]struct {
		b Batch
		p Policy
	}{
		"headers, null keys": {buildBatch(t, CodecNone, sampleRecords(16, 1000)), testPolicy()},
		"compacted topic":    {buildBatch(t, CodecNone, keyedRecords(16, 1000)), compacted},
	} {
		if _, err := Validate(tc.b, tc.p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := Validate(tc.b, tc.p); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Fatalf("%s: Validate of an uncompressed batch allocates %v times", name, allocs)
		}
	}
}

func keyedRecords(n, valueSize int) []testRecord {
	recs := sampleRecords(n, valueSize)
	for i := range recs {
		recs[i].key = []byte("key")
		recs[i].value = bytes.Repeat([]byte{'v'}, valueSize)
	}
	return recs
}
