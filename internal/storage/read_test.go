package storage

import (
	"errors"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

// sliceBatches reads a result's batches and releases it.
func sliceBatches(t *testing.T, res ReadResult) []record.Batch {
	t.Helper()
	data, err := res.Slice.AppendTo(nil)
	res.Slice.Release()
	if err != nil {
		t.Fatal(err)
	}
	var out []record.Batch
	for len(data) > 0 {
		b, rest, err := record.Peek(data)
		if err != nil {
			t.Fatalf("slice is not whole batches: %v", err)
		}
		out = append(out, b)
		data = rest
	}
	return out
}

func TestReadStartsAtContainingBatch(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendN(50, 4, 20) // batches [0,3], [4,7], ...
	for _, start := range []int64{0, 1, 3, 4, 103, 197, 199} {
		res, err := l.Read(start, 1<<20, l.EndOffsetMetadata(), false)
		if err != nil {
			t.Fatal(err)
		}
		want := start / 4 * 4
		if res.FirstOffset != want {
			t.Fatalf("read %d: first batch %d, want %d", start, res.FirstOffset, want)
		}
		bs := sliceBatches(t, res)
		if bs[0].BaseOffset() != want || bs[len(bs)-1].NextOffset() != 200 {
			t.Fatalf("read %d: batches [%d, %d)", start, bs[0].BaseOffset(), bs[len(bs)-1].NextOffset())
		}
		if res.Start.Offset != start || res.Start.Position != want/4*int64(len(bs[0])) {
			t.Fatalf("read %d: start metadata %+v", start, res.Start)
		}
	}
}

func TestReadMaxBytesAndMinOneBatch(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendN(20, 2, 100)
	size := l.Size() / 20 // every batch has the same size
	end := l.EndOffsetMetadata()

	res, err := l.Read(0, int(3*size+size/2), end, false)
	if err != nil {
		t.Fatal(err)
	}
	if bs := sliceBatches(t, res); len(bs) != 3 {
		t.Fatalf("3.5 batches of room gave %d batches", len(bs))
	}
	res, err = l.Read(0, int(size-1), end, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Slice.Len() != 0 || res.FirstOffset != -1 || res.Start.Position != 0 {
		t.Fatalf("a batch larger than max bytes was returned without minOneBatch: %+v", res)
	}
	res, err = l.Read(5, 1, end, true)
	if err != nil {
		t.Fatal(err)
	}
	if bs := sliceBatches(t, res); len(bs) != 1 || bs[0].BaseOffset() != 4 {
		t.Fatalf("minOneBatch gave %d batches", len(bs))
	}
	res, err = l.Read(0, 0, end, true)
	if err != nil {
		t.Fatal(err)
	}
	if bs := sliceBatches(t, res); len(bs) != 1 {
		t.Fatalf("minOneBatch with 0 max bytes gave %d batches", len(bs))
	}
}

func TestReadBoundedByUpTo(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	infos := l.appendN(60, 2, 40)
	hw := infos[29].End // high watermark after the 30th batch: offset 60
	res, err := l.Read(0, 1<<20, hw, true)
	if err != nil {
		t.Fatal(err)
	}
	var got []record.Batch
	for start := int64(0); start < hw.Offset; {
		res, err = l.Read(start, 1<<20, hw, true)
		if err != nil {
			t.Fatal(err)
		}
		bs := sliceBatches(t, res)
		if len(bs) == 0 {
			t.Fatalf("empty read at %d below the high watermark", start)
		}
		got = append(got, bs...)
		start = bs[len(bs)-1].NextOffset()
	}
	checkOffsets(t, got, 0, 60)
	for _, start := range []int64{60, 61, 100} {
		res, err := l.Read(start, 1<<20, hw, true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Slice.Len() != 0 {
			t.Fatalf("read at %d past the high watermark 60 returned data", start)
		}
	}
	res, _ = l.Read(60, 1<<20, hw, true)
	if res.Start != hw {
		t.Fatalf("read at the bound: start %+v, want %+v", res.Start, hw)
	}
}

func TestReadNeverCrossesSegments(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(40, 1, 200)
	segs := l.Segments()
	res, err := l.Read(0, 1<<30, l.EndOffsetMetadata(), true)
	if err != nil {
		t.Fatal(err)
	}
	if int64(res.Slice.Len()) != segs[0].Size {
		t.Fatalf("read %d bytes, the first segment has %d", res.Slice.Len(), segs[0].Size)
	}
	res.Slice.Release()
}

func TestReadOutOfRange(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(10, 1, 10)
	if _, err := l.DeleteRecordsBefore(3, 10); err != nil {
		t.Fatal(err)
	}
	for _, start := range []int64{-1, 2, 11} {
		_, err := l.Read(start, 100, l.EndOffsetMetadata(), true)
		var oor *OffsetOutOfRangeError
		if !errors.Is(err, ErrOffsetOutOfRange) || !errors.As(err, &oor) || oor.LogStart != 3 || oor.LogEnd != 10 {
			t.Fatalf("read %d: got %v, want out of range [3, 10]", start, err)
		}
	}
	res, err := l.Read(10, 100, l.EndOffsetMetadata(), true)
	if err != nil || res.Slice.Len() != 0 || res.Start != l.EndOffsetMetadata() {
		t.Fatalf("read at the log end: %+v, %v", res, err)
	}
	res, err = l.Read(3, 100, l.EndOffsetMetadata(), true)
	if err != nil || res.FirstOffset != 3 {
		t.Fatalf("read at the log start: %+v, %v", res, err)
	}
	res.Slice.Release()
}

func TestBatchesIterates(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(50, 3, 30)
	var got []record.Batch
	err := l.Batches(31, func(b record.Batch) error {
		got = append(got, append(record.Batch(nil), b...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkOffsets(t, got, 31, 150)
	stop := errors.New("stop")
	n := 0
	if err := l.Batches(0, func(record.Batch) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("Batches did not stop: %v after %d", err, n)
	}
}
