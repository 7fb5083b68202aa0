package storage

import (
	"os"
	"testing"
	"time"
)

func TestIndexEntriesFollowInterval(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	infos := l.appendN(40, 1, 100) // batches of ~170 bytes, interval 256
	seg := l.activeLocked()
	seg.mu.Lock()
	entries := append([]indexEntry(nil), seg.mu.idx.index.entries...)
	seg.mu.Unlock()
	if len(entries) < 10 {
		t.Fatalf("only %d index entries", len(entries))
	}
	for _, e := range entries {
		// Every entry points at a batch start and names that batch's last offset.
		found := false
		for _, info := range infos {
			if info.Position == int64(e.pos) && info.LastOffset == int64(e.rel) {
				found = true
			}
		}
		if !found {
			t.Fatalf("index entry %+v is not a batch", e)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The rebuilt index equals the one the appends made.
	data, err := os.ReadFile(segmentPath(l.dir, 0, indexSuffix))
	if err != nil {
		t.Fatal(err)
	}
	seg2 := newSegment(l.dir, 0, cfg.IndexIntervalBytes, time.Now(), 0)
	seg2.mu.size = l.Size()
	rebuilt, err := seg2.rebuildIndex(l.Size())
	if err != nil {
		t.Fatal(err)
	}
	if got := rebuilt.index.marshal(); string(got) != string(data) {
		t.Fatalf("rebuilt index differs from the written one (%d vs %d bytes)", len(got), len(data))
	}
}

func TestOldSegmentsLoadLazily(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, testConfig(), Options{})
	l.appendN(100, 2, 50)
	if _, err := l.FlushAndClose(); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, dir, testConfig(), Options{CleanShutdown: true, RecoveryPoint: 200})
	defer l.Close()
	if l.LogEndOffset() != 200 {
		t.Fatalf("log end %d after a clean open", l.LogEndOffset())
	}
	for i, s := range l.mu.segments {
		s.mu.Lock()
		loaded := s.mu.idx != nil
		s.mu.Unlock()
		if loaded != (i == len(l.mu.segments)-1) {
			t.Fatalf("segment %d: index loaded=%v at open", s.base, loaded)
		}
		if s.file.isOpen() {
			t.Fatalf("segment %d has an open file after open", s.base)
		}
	}
	checkOffsets(t, l.readAll(37), 37, 200)
	for _, s := range l.mu.segments {
		if s.file.isOpen() && s != l.activeLocked() {
			t.Fatalf("an inactive segment %d keeps its file open after the reads", s.base)
		}
	}
}

func TestCorruptOrMissingIndexIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, testConfig(), Options{})
	l.appendN(100, 2, 50)
	segs := l.Segments()
	if _, err := l.FlushAndClose(); err != nil {
		t.Fatal(err)
	}
	// Break the indexes of three old segments in different ways.
	if err := os.Remove(segmentPath(dir, segs[0].BaseOffset, indexSuffix)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(segmentPath(dir, segs[1].BaseOffset, indexSuffix), []byte{0, 0, 0, 9, 0xff, 0xff, 0xff, 0}, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(segmentPath(dir, segs[2].BaseOffset, timeIndexSuffix), []byte{1, 2, 3}, 0o644); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, dir, testConfig(), Options{CleanShutdown: true, RecoveryPoint: 200})
	checkOffsets(t, l.readAll(0), 0, 200)
	for _, s := range segs[1:3] {
		res, err := l.Read(s.BaseOffset+1, 100, l.EndOffsetMetadata(), true)
		if err != nil {
			t.Fatal(err)
		}
		res.Slice.Release()
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The rebuilt files are on disk again and sane.
	for _, s := range segs[:3] {
		b, err := os.ReadFile(segmentPath(dir, s.BaseOffset, indexSuffix))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := unmarshalOffsetIndex(s.BaseOffset, b, s.Size); err != nil {
			t.Fatalf("segment %d: rebuilt index: %v", s.BaseOffset, err)
		}
	}
}

func TestOffsetForTimestamp(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, testConfig(), Options{})
	// Batch i holds 2 records with timestamps 1000+10i and 1000+10i+1.
	for i := 0; i < 100; i++ {
		b := makeBatch(batchSpec{base: l.LogEndOffset(), n: 2, ts: 1000 + 10*int64(i), valueSize: 40})
		if _, err := l.Append(b); err != nil {
			t.Fatal(err)
		}
	}
	check := func(l *testLog) {
		t.Helper()
		for _, c := range []struct{ ts, base int64 }{{0, 0}, {1000, 0}, {1001, 0}, {1002, 2}, {1500, 100}, {1505, 102}, {1991, 198}} {
			b, ok, err := l.OffsetForTimestamp(c.ts, 0)
			if err != nil || !ok || b.BaseOffset() != c.base {
				t.Fatalf("timestamp %d: batch %v ok=%v err=%v, want base %d", c.ts, b.BaseOffset(), ok, err, c.base)
			}
		}
		if _, ok, err := l.OffsetForTimestamp(1992, 0); ok || err != nil {
			t.Fatalf("a timestamp past every batch found one (err %v)", err)
		}
		b, ok, err := l.OffsetForTimestamp(1000, 51)
		if err != nil || !ok || b.BaseOffset() != 50 {
			t.Fatalf("search from offset 51: %v %v %v", b.BaseOffset(), ok, err)
		}
		b, ok, err = l.MaxTimestampBatch()
		if err != nil || !ok || b.BaseOffset() != 198 || b.MaxTimestamp() != 1991 {
			t.Fatalf("max timestamp batch: %v %v %v", b.BaseOffset(), ok, err)
		}
	}
	check(l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, dir, testConfig(), Options{CleanShutdown: true})
	defer l.Close()
	check(l) // through time indexes loaded from disk
}

func TestMaxTimestampBatchTakesFirstOfEqual(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	for i, ts := range []int64{5, 9, 3, 9, 7} {
		if _, err := l.Append(makeBatch(batchSpec{base: int64(i), n: 1, ts: ts})); err != nil {
			t.Fatal(err)
		}
	}
	b, ok, err := l.MaxTimestampBatch()
	if err != nil || !ok || b.BaseOffset() != 1 {
		t.Fatalf("got batch %d (%v, %v), want the first with timestamp 9 at 1", b.BaseOffset(), ok, err)
	}
	empty := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer empty.Close()
	if _, ok, err := empty.MaxTimestampBatch(); ok || err != nil {
		t.Fatalf("an empty log has a max timestamp batch (%v)", err)
	}
}
