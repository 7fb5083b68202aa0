package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

var allCodecs = []Codec{CodecNone, CodecGzip, CodecSnappy, CodecLZ4, CodecZstd}

// testNow is the broker clock used by tests.
const testNow = int64(1_700_000_000_000)

// testRecord is a record as tests describe it.
type testRecord struct {
	ts      int64
	key     []byte
	value   []byte
	headers []Header
}

// sampleRecords gives n records with keys, values and headers, including
// null and empty fields.
func sampleRecords(n, valueSize int) []testRecord {
	recs := make([]testRecord, n)
	for i := range recs {
		value := bytes.Repeat([]byte{byte('a' + i%26)}, valueSize)
		recs[i] = testRecord{
			ts:    testNow - int64(n-i),
			key:   fmt.Appendf(nil, "key-%d", i),
			value: value,
			headers: []Header{
				{Key: "trace", Value: fmt.Appendf(nil, "t%d", i)},
				{Key: "empty", Value: []byte{}},
				{Key: "null", Value: nil},
			},
		}
		switch i % 5 {
		case 1:
			recs[i].key = nil
		case 2:
			recs[i].value = nil
		case 3:
			recs[i].key, recs[i].headers = []byte{}, nil
		}
	}
	return recs
}

func buildBatch(t testing.TB, codec Codec, recs []testRecord, opts ...func(*Builder)) Batch {
	t.Helper()
	bl := NewBuilder()
	bl.Codec = codec
	for _, o := range opts {
		o(bl)
	}
	for _, r := range recs {
		bl.Append(r.ts, r.key, r.value, r.headers...)
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatalf("build %s batch: %v", codec, err)
	}
	return b
}

// rawBatch wraps an arbitrary records section (compressed with codec) in a
// valid header claiming count records, for hand-made edge cases.
func rawBatch(t testing.TB, codec Codec, records []byte, count int32) Batch {
	t.Helper()
	b := make([]byte, HeaderSize)
	b, err := Compress(b, records, codec, 0)
	if err != nil {
		t.Fatalf("compress: %v", err)
	}
	be := binary.BigEndian
	be.PutUint32(b[offBatchLength:], uint32(len(b)-LogOverhead))
	be.PutUint32(b[offLeaderEpoch:], 0xffffffff)
	b[offMagic] = 2
	be.PutUint16(b[offAttributes:], uint16(codec))
	be.PutUint32(b[offLastOffsetDelta:], uint32(count-1))
	be.PutUint64(b[offFirstTimestamp:], uint64(testNow))
	be.PutUint64(b[offMaxTimestamp:], uint64(testNow))
	be.PutUint64(b[offProducerID:], 0xffffffffffffffff)
	be.PutUint16(b[offProducerEpoch:], 0xffff)
	be.PutUint32(b[offBaseSequence:], 0xffffffff)
	be.PutUint32(b[offRecordCount:], uint32(count))
	Batch(b).UpdateCRC()
	return Batch(b)
}

// encodeRecords encodes records with explicit deltas, for rawBatch.
func encodeRecords(deltas []int32, recs []testRecord) []byte {
	var out []byte
	for i, r := range recs {
		out = appendRecord(out, 0, r.ts-testNow, deltas[i], r.key, r.value, r.headers)
	}
	return out
}

func clone(b Batch) Batch { return Batch(bytes.Clone(b)) }

// readAll iterates b and copies every record out.
func readAll(t testing.TB, b Batch) []Record {
	t.Helper()
	var out []Record
	for r, err := range b.All(0) {
		if err != nil {
			t.Fatalf("iterate %s batch: %v", b.Codec(), err)
		}
		c := *r
		c.Key, c.Value = cloneNil(r.Key), cloneNil(r.Value)
		c.Headers = nil
		for _, h := range r.Headers {
			c.Headers = append(c.Headers, Header{Key: h.Key, Value: cloneNil(h.Value)})
		}
		out = append(out, c)
	}
	return out
}

func cloneNil(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func sameBytes(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

func checkRecordsEqual(t testing.TB, got []Record, want []testRecord) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Timestamp != w.ts || !sameBytes(g.Key, w.key) || !sameBytes(g.Value, w.value) {
			t.Fatalf("record %d: got ts=%d key=%q value=%.20q, want ts=%d key=%q value=%.20q",
				i, g.Timestamp, g.Key, g.Value, w.ts, w.key, w.value)
		}
		if len(g.Headers) != len(w.headers) {
			t.Fatalf("record %d: %d headers, want %d", i, len(g.Headers), len(w.headers))
		}
		for j, h := range w.headers {
			if g.Headers[j].Key != h.Key || !sameBytes(g.Headers[j].Value, h.Value) {
				t.Fatalf("record %d header %d: got %q=%q, want %q=%q", i, j, g.Headers[j].Key, g.Headers[j].Value, h.Key, h.Value)
			}
		}
	}
}
