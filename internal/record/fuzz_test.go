package record

import (
	"bytes"
	"testing"
)

func FuzzValidate(f *testing.F) {
	for _, c := range allCodecs {
		b := buildBatch(f, c, sampleRecords(3, 30))
		f.Add([]byte(b), false, false)
		f.Add([]byte(b[:len(b)-3]), true, false)
		f.Add([]byte(buildBatch(f, c, keyedRecords(2, 10))), true, true)
	}
	f.Add([]byte{}, false, false)
	f.Fuzz(func(t *testing.T, data []byte, compacted, logAppend bool) {
		p := testPolicy()
		p.Compacted = compacted
		p.MaxDecompressedBytes = 1 << 20
		if logAppend {
			p.TimestampType = LogAppendTime
		}
		b, err := Validate(bytes.Clone(data), p)
		if err != nil {
			return
		}
		if b.CRC() != b.ComputeCRC() {
			t.Fatal("accepted batch has a bad CRC")
		}
		// A stamped LogAppendTime batch looks like a producer claiming
		// LogAppendTime, which Kafka refuses; CreateTime is idempotent.
		if !logAppend {
			before := clone(b)
			if _, err := Validate(b, p); err != nil || !bytes.Equal(b, before) {
				t.Fatalf("revalidation: err %v, changed %v", err, !bytes.Equal(b, before))
			}
		}
		var rd Reader
		rd.Reset(b, p.MaxDecompressedBytes)
		n := int32(0)
		for rd.Next() {
			if compacted && rd.Record().Key == nil {
				t.Fatal("keyless record accepted on a compacted topic")
			}
			n++
		}
		if rd.Err() != nil || n != b.NumRecords() {
			t.Fatalf("reader: %d of %d records, err %v", n, b.NumRecords(), rd.Err())
		}
		plain, err := Recompress(b, CodecNone, 0, p.MaxDecompressedBytes)
		if err != nil {
			t.Fatalf("recompress accepted batch: %v", err)
		}
		if logAppend {
			p.TimestampType = CreateTime
		}
		if _, err := Validate(plain, p); err != nil {
			t.Fatalf("uncompressed copy fails validation: %v", err)
		}
	})
}

func FuzzRecords(f *testing.F) {
	for _, recs := range [][]testRecord{sampleRecords(3, 10), keyedRecords(1, 0)} {
		deltas := make([]int32, len(recs))
		for i := range deltas {
			deltas[i] = int32(i)
		}
		f.Add(encodeRecords(deltas, recs), int32(len(recs)), uint8(0))
		f.Add(encodeRecords(deltas, recs), int32(len(recs)), uint8(CodecSnappy))
	}
	f.Fuzz(func(t *testing.T, records []byte, count int32, codec uint8) {
		c := Codec(codec % 5)
		b := rawBatch(t, c, records, count)
		got, ok := readFuzz(b)
		if !ok || len(got) == 0 {
			return
		}
		// Whatever reads cleanly survives a rebuild unchanged.
		bl := NewBuilder()
		bl.Codec = c
		for i := range got {
			bl.AppendRecord(&got[i])
		}
		rebuilt, err := bl.Build()
		if err != nil {
			return // deltas out of order: the builder refuses those
		}
		again, ok := readFuzz(rebuilt)
		if !ok || len(again) != len(got) {
			t.Fatalf("rebuilt batch: ok %v, %d records of %d", ok, len(again), len(got))
		}
		for i := range got {
			if !sameRecord(&got[i], &again[i]) {
				t.Fatalf("record %d: %+v became %+v", i, got[i], again[i])
			}
		}
	})
}

// readFuzz copies every record out of b; ok is false if reading failed.
func readFuzz(b Batch) ([]Record, bool) {
	var out []Record
	for r, err := range b.All(1 << 20) {
		if err != nil {
			return nil, false
		}
		c := *r
		c.Key, c.Value = cloneNil(r.Key), cloneNil(r.Value)
		c.Headers = nil
		for _, h := range r.Headers {
			c.Headers = append(c.Headers, Header{h.Key, cloneNil(h.Value)})
		}
		out = append(out, c)
	}
	return out, true
}

func sameRecord(a, b *Record) bool {
	if a.Attributes != b.Attributes || a.OffsetDelta != b.OffsetDelta || a.Timestamp != b.Timestamp ||
		!sameBytes(a.Key, b.Key) || !sameBytes(a.Value, b.Value) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !sameBytes(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}
