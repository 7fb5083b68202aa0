package record

import (
	"bytes"
	"errors"
	"testing"
)

func TestReaderRoundTripsEveryCodec(t *testing.T) {
	recs := sampleRecords(40, 3000) // over one 32 KiB xerial chunk and 64 KiB LZ4 block
	for _, c := range allCodecs {
		b := buildBatch(t, c, recs, func(bl *Builder) { bl.BaseOffset = 1000 })
		if b.Codec() != c {
			t.Fatalf("built batch has codec %s, want %s", b.Codec(), c)
		}
		got := readAll(t, b)
		checkRecordsEqual(t, got, recs)
		for i, r := range got {
			if r.OffsetDelta != int32(i) || r.Offset != 1000+int64(i) {
				t.Fatalf("%s record %d: offset delta %d offset %d", c, i, r.OffsetDelta, r.Offset)
			}
		}
	}
}

func TestReaderNullAndEmptyFields(t *testing.T) {
	b := buildBatch(t, CodecNone, []testRecord{{ts: testNow, key: nil, value: []byte{}, headers: []Header{{Key: "", Value: nil}}}})
	got := readAll(t, b)
	r := got[0]
	if r.Key != nil {
		t.Errorf("null key read as %q", r.Key)
	}
	if r.Value == nil || len(r.Value) != 0 {
		t.Errorf("empty value read as %v (nil %v)", r.Value, r.Value == nil)
	}
	if len(r.Headers) != 1 || r.Headers[0].Key != "" || r.Headers[0].Value != nil {
		t.Errorf("headers read as %+v", r.Headers)
	}
}

func TestReaderReuseAcrossBatches(t *testing.T) {
	var rd Reader
	defer rd.Close()
	for round := range 3 {
		for _, c := range allCodecs {
			recs := sampleRecords(5+round, 100*(round+1))
			b := buildBatch(t, c, recs)
			rd.Reset(b, 0)
			n := 0
			for rd.Next() {
				r := rd.Record()
				if !sameBytes(r.Value, recs[n].value) || rd.Index() != int32(n) {
					t.Fatalf("round %d %s record %d differs", round, c, n)
				}
				n++
			}
			if rd.Err() != nil || n != len(recs) {
				t.Fatalf("round %d %s: %d records, err %v", round, c, n, rd.Err())
			}
		}
	}
}

func TestTimestampOfLogAppendTime(t *testing.T) {
	recs := sampleRecords(3, 10)
	b := buildBatch(t, CodecNone, recs, func(bl *Builder) {
		bl.TimestampType = LogAppendTime
		bl.AppendTime = testNow + 5000
	})
	for r, err := range b.All(0) {
		if err != nil {
			t.Fatal(err)
		}
		if r.Timestamp != testNow+5000 {
			t.Fatalf("record timestamp %d, want the append time", r.Timestamp)
		}
	}
	if got := b.TimestampOf(-3); got != testNow+5000 {
		t.Fatalf("TimestampOf = %d", got)
	}
	b2 := buildBatch(t, CodecNone, recs)
	if got := b2.TimestampOf(7); got != b2.FirstTimestamp()+7 {
		t.Fatalf("TimestampOf on CreateTime = %d", got)
	}
	if got := b2.OffsetOf(4); got != b2.BaseOffset()+4 {
		t.Fatalf("OffsetOf = %d", got)
	}
}

func TestAllStopsEarly(t *testing.T) {
	b := buildBatch(t, CodecZstd, sampleRecords(10, 10))
	n := 0
	for range b.All(0) {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Fatalf("iterated %d", n)
	}
}

// A record body hand-encoded field by field, for structural faults.
func body(fields ...[]byte) []byte {
	var b []byte
	for _, f := range fields {
		b = append(b, f...)
	}
	return append(appendVarint(nil, int64(len(b))), b...)
}

func vi(v int64) []byte { return appendVarint(nil, v) }

func TestReaderRejectsMalformedRecords(t *testing.T) {
	good := body([]byte{0}, vi(0), vi(0), vi(1), []byte("k"), vi(1), []byte("v"), vi(0))
	cases := map[string]struct {
		records []byte
		count   int32
	}{
		"fewer records than count":   {good, 2},
		"bytes after last record":    {append(bytes.Clone(good), good...), 1},
		"trailing garbage":           {append(bytes.Clone(good), 0x01), 1},
		"length past end":            {good[:len(good)-1], 1},
		"length overstates fields":   {body([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(0), []byte{0}), 1},
		"field past record end":      {body([]byte{0}, vi(0), vi(0), vi(5), []byte("k")), 1},
		"key length below -1":        {body([]byte{0}, vi(0), vi(0), vi(-2), vi(-1), vi(0)), 1},
		"negative header count":      {body([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(-1)), 1},
		"huge header count":          {body([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1000)), 1},
		"null header key":            {body([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1), vi(-1), vi(-1)), 1},
		"header value below -1":      {body([]byte{0}, vi(0), vi(0), vi(-1), vi(-1), vi(1), vi(1), []byte("h"), vi(-3)), 1},
		"offset delta over 32 bits":  {body([]byte{0}, vi(0), vi(1<<40), vi(-1), vi(-1), vi(0)), 1},
		"varint too long":            {body([]byte{0}, vi(0), []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, vi(-1), vi(-1), vi(0)), 1},
		"empty record":               {vi(0), 1},
		"negative record length":     {vi(-5), 1},
		"unterminated record length": {[]byte{0x80}, 1},
		"negative count":             {good, -1},
	}
	for name, tc := range cases {
		for _, c := range []Codec{CodecNone, CodecGzip, CodecZstd} {
			b := rawBatch(t, c, tc.records, tc.count)
			var rd Reader
			rd.Reset(b, 0)
			for rd.Next() {
			}
			if !errors.Is(rd.Err(), ErrInvalidRecord) {
				t.Errorf("%s (%s): err %v, want ErrInvalidRecord", name, c, rd.Err())
			}
		}
	}
	// The good record itself reads cleanly, so the cases fail for the
	// reason they name.
	for _, err := range rawBatch(t, CodecNone, good, 1).All(0) {
		if err != nil {
			t.Fatalf("good record: %v", err)
		}
	}
}

func TestReaderBoundsDecompression(t *testing.T) {
	big := bytes.Repeat([]byte{'z'}, 4<<20)
	b := buildBatch(t, CodecZstd, []testRecord{{ts: testNow, value: big}})
	var rd Reader
	rd.Reset(b, 1<<20)
	if rd.Next() {
		t.Fatal("read a record larger than the bound")
	}
	if !errors.Is(rd.Err(), ErrMessageTooLarge) {
		t.Fatalf("err %v, want ErrMessageTooLarge", rd.Err())
	}
	rd.Reset(b, 5<<20)
	if !rd.Next() || !bytes.Equal(rd.Record().Value, big) {
		t.Fatalf("within the bound: %v", rd.Err())
	}
	rd.Close()
}

func TestReaderReusesHeaderKeys(t *testing.T) {
	b := buildBatch(t, CodecNone, sampleRecords(20, 50))
	var rd Reader
	read := func() {
		rd.Reset(b, 0)
		for rd.Next() {
		}
		if rd.Err() != nil {
			t.Fatal(rd.Err())
		}
	}
	read()
	if allocs := testing.AllocsPerRun(50, read); allocs != 0 {
		t.Fatalf("reading an uncompressed batch again allocates %v times", allocs)
	}
}

func TestZeroReaderYieldsNothing(t *testing.T) {
	var rd Reader
	if rd.Next() || rd.Err() != nil {
		t.Fatalf("zero Reader: next or err %v", rd.Err())
	}
	rd.Close()
	rd.Reset(Batch(make([]byte, 20)), 0)
	if rd.Next() || !errors.Is(rd.Err(), ErrShortBatch) {
		t.Fatalf("short batch: %v", rd.Err())
	}
}
