package storage

import (
	"errors"
	"os"
	"testing"
)

func TestAppendReadAcrossRolls(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	infos := l.appendN(100, 3, 50)
	if l.NumSegments() < 5 {
		t.Fatalf("expected several segments, got %d", l.NumSegments())
	}
	if got := l.LogEndOffset(); got != 300 {
		t.Fatalf("log end %d, want 300", got)
	}
	rolled := 0
	for i, info := range infos {
		if info.FirstOffset != int64(i*3) || info.LastOffset != int64(i*3+2) || info.End.Offset != int64(i*3+3) {
			t.Fatalf("append %d: %+v", i, info)
		}
		if info.Rolled {
			rolled++
			if info.FlushTo != info.End.SegmentBase {
				t.Fatalf("a roll asks to flush to %d, want %d", info.FlushTo, info.End.SegmentBase)
			}
		}
	}
	if rolled != l.NumSegments()-1 {
		t.Fatalf("%d rolls for %d segments", rolled, l.NumSegments())
	}
	for _, s := range l.Segments() {
		if s.Size > testConfig().SegmentBytes {
			t.Fatalf("segment %d has %d bytes, over segment.bytes", s.BaseOffset, s.Size)
		}
	}
	checkOffsets(t, l.readAll(0), 0, 300)
	checkOffsets(t, l.readAll(151), 151, 300)
}

func TestAppendRejectsWrongOffset(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(1, 2, 10)
	_, err := l.Append(makeBatch(batchSpec{base: 5, n: 1}))
	var ue *UnexpectedOffsetError
	if !errors.As(err, &ue) || ue.Expected != 2 || ue.Got != 5 {
		t.Fatalf("got %v, want an UnexpectedOffsetError for 5 (expected 2)", err)
	}
	big := makeBatch(batchSpec{base: 2, n: 1, valueSize: 5000})
	if _, err := l.Append(big); !errors.Is(err, ErrBatchTooLarge) {
		t.Fatalf("got %v, want ErrBatchTooLarge", err)
	}
	if _, err := l.Append(big[:100]); err == nil {
		t.Fatal("a partial batch was accepted")
	}
}

func TestDeleteRemovesDirectory(t *testing.T) {
	dir := t.TempDir() + "/t-0"
	l := openTestLog(t, dir, testConfig(), Options{})
	l.appendN(10, 1, 10)
	res, err := l.Read(0, 100, l.EndOffsetMetadata(), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the directory remains: %v", err)
	}
	// An outstanding slice still reads its (unlinked) file.
	if data, err := res.Slice.AppendTo(nil); err != nil || len(data) == 0 {
		t.Fatalf("slice after delete: %d bytes, %v", len(data), err)
	}
	res.Slice.Release()
	if _, err := l.Append(makeBatch(batchSpec{base: 10})); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after delete: %v", err)
	}
}

func TestPreallocatedSegments(t *testing.T) {
	cfg := testConfig()
	cfg.Preallocate = true
	dir := t.TempDir()
	l := openTestLog(t, dir, cfg, Options{})
	l.appendN(30, 1, 200)
	for _, s := range l.Segments() {
		fi, err := os.Stat(s.Path)
		if err != nil || fi.Size() != s.Size {
			t.Fatalf("segment %d: file size %d, data %d (%v)", s.BaseOffset, fi.Size(), s.Size, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, dir, cfg, Options{})
	defer l.Close()
	checkOffsets(t, l.readAll(0), 0, 30)
}

func TestOpenEmptyDirectoryTouchesNothing(t *testing.T) {
	dir := t.TempDir() + "/t-0"
	l := openTestLog(t, dir, testConfig(), Options{LogStartOffset: 7})
	if l.LogEndOffset() != 7 || l.LogStartOffset() != 7 {
		t.Fatalf("start %d end %d", l.LogStartOffset(), l.LogEndOffset())
	}
	res, err := l.Read(7, 100, l.EndOffsetMetadata(), true)
	if err != nil || res.Slice.Len() != 0 {
		t.Fatalf("read of an empty log: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Fatalf("an unused log created %d files", len(entries))
	}
}
