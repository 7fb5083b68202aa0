package storage

import (
	"math"
	"testing"
	"time"
)

func TestRollBySize(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1000
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	size := int64(len(makeBatch(batchSpec{n: 1, valueSize: 200})))
	l.appendN(10, 1, 200)
	perSegment := cfg.SegmentBytes / size
	for i, s := range l.Segments() {
		if s.BaseOffset != int64(i)*perSegment {
			t.Fatalf("segment %d starts at %d, want %d", i, s.BaseOffset, int64(i)*perSegment)
		}
	}
}

func TestRollByTime(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	cfg.SegmentMs = 1000
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendN(3, 1, 10)
	l.clock.Advance(999 * time.Millisecond)
	if infos := l.appendN(1, 1, 10); infos[0].Rolled {
		t.Fatal("rolled before segment.ms passed")
	}
	l.clock.Advance(2 * time.Millisecond)
	if infos := l.appendN(1, 1, 10); !infos[0].Rolled || infos[0].End.SegmentBase != 4 {
		t.Fatalf("no roll after segment.ms: %+v", infos[0])
	}
	// Age is measured by batch timestamps, not the clock: an old timestamp
	// does not roll however much time passes.
	l.clock.Advance(time.Hour)
	b := makeBatch(batchSpec{base: l.LogEndOffset(), n: 1, ts: l.clock.Now().Add(-time.Hour).UnixMilli()})
	if info, err := l.Append(b); err != nil || info.Rolled {
		t.Fatalf("rolled by wall clock: %+v %v", info, err)
	}
}

func TestRollTimeAfterReopen(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	cfg.SegmentMs = 1000
	dir := t.TempDir()
	l := openTestLog(t, dir, cfg, Options{})
	l.appendN(2, 1, 10)
	ts := l.clock.Now()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, dir, cfg, Options{CleanShutdown: true})
	defer l.Close()
	// The first batch's timestamp is read back from the file.
	b := makeBatch(batchSpec{base: 2, n: 1, ts: ts.Add(1500 * time.Millisecond).UnixMilli()})
	if info, err := l.Append(b); err != nil || !info.Rolled {
		t.Fatalf("no roll for an old segment after reopen: %+v %v", info, err)
	}
}

func TestRollWhenIndexFull(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	cfg.IndexIntervalBytes = 0 // an index entry for every batch but the first
	cfg.SegmentIndexBytes = 48 // 6 offset entries, 4 time entries minus one spare
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	// Equal timestamps add no time entries: the offset index fills first.
	l.appendN(14, 1, 10)
	if l.NumSegments() != 2 || l.Segments()[1].BaseOffset != 7 {
		t.Fatalf("segments %+v, want a roll after 7 batches (6 offset entries)", l.Segments())
	}
	// Growing timestamps fill the time index first.
	if err := l.Roll(); err != nil {
		t.Fatal(err)
	}
	for range 8 {
		l.clock.Advance(time.Millisecond)
		l.appendN(1, 1, 10)
	}
	segs := l.Segments()
	if len(segs) != 4 || segs[3].BaseOffset != 18 {
		t.Fatalf("segments %+v, want a roll after 4 batches (3 time entries)", segs)
	}
}

func TestRollWhenOffsetOverflows(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	// A batch whose last offset is just within 32 bits of the base...
	b := makeBatch(batchSpec{base: 0, n: 1})
	b[23], b[24], b[25], b[26] = 0x7f, 0xff, 0xff, 0xfe // last offset delta MaxInt32-1
	b.UpdateCRC()
	if _, err := l.Append(b); err != nil {
		t.Fatal(err)
	}
	// ...then one whose last offset does not fit.
	next := makeBatch(batchSpec{base: math.MaxInt32, n: 2})
	info, err := l.Append(next)
	if err != nil || !info.Rolled || info.End.SegmentBase != math.MaxInt32 {
		t.Fatalf("no roll for an offset overflow: %+v %v", info, err)
	}
}

func TestRollKeepsEmptyActive(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	if err := l.Roll(); err != nil || l.NumSegments() != 1 {
		t.Fatalf("rolled an empty segment: %v, %d segments", err, l.NumSegments())
	}
	l.appendN(1, 1, 1)
	if err := l.Roll(); err != nil || l.NumSegments() != 2 {
		t.Fatalf("roll: %v, %d segments", err, l.NumSegments())
	}
}
