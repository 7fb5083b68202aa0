package storage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRetentionByTime(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1000
	cfg.RetentionMs = 60_000
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	for range 30 { // one batch a second
		l.appendN(1, 1, 200)
		l.clock.Advance(time.Second)
	}
	before := l.Segments()
	// Nothing is old enough yet.
	if n, err := l.ApplyRetention(l.clock.Now(), l.LogEndOffset()); n != 0 || err != nil {
		t.Fatalf("deleted %d (%v) before retention.ms", n, err)
	}
	// 70 s after the start the segments whose newest batch is older than
	// 60 s go: batches written at 0..9 s.
	l.clock.Advance(40 * time.Second)
	n, err := l.ApplyRetention(l.clock.Now(), l.LogEndOffset())
	if err != nil {
		t.Fatal(err)
	}
	after := l.Segments()
	if n == 0 || len(after) != len(before)-n || l.LogStartOffset() != after[0].BaseOffset {
		t.Fatalf("deleted %d of %d segments, log start %d, first %d", n, len(before), l.LogStartOffset(), after[0].BaseOffset)
	}
	if after[0].BaseOffset > 10 || after[0].BaseOffset+int64(len(before)) < 10 {
		t.Fatalf("first remaining segment %d", after[0].BaseOffset)
	}
	for _, s := range before[:n] {
		if _, err := os.Stat(s.Path); !os.IsNotExist(err) {
			t.Fatalf("deleted segment %s still exists: %v", s.Path, err)
		}
	}
	checkOffsets(t, l.readAll(l.LogStartOffset()), l.LogStartOffset(), 30)
}

func TestRetentionRollsActiveAndRespectsHighWatermark(t *testing.T) {
	cfg := testConfig()
	cfg.RetentionMs = 1000
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendN(5, 1, 10) // one segment
	l.clock.Advance(time.Hour)
	// The high watermark below the log end protects the active segment.
	if n, err := l.ApplyRetention(l.clock.Now(), 3); n != 0 || err != nil {
		t.Fatalf("deleted %d (%v) above the high watermark", n, err)
	}
	n, err := l.ApplyRetention(l.clock.Now(), 5)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d (%v), want the whole (rolled) active segment", n, err)
	}
	if l.NumSegments() != 1 || l.LogStartOffset() != 5 || l.LogEndOffset() != 5 || l.Size() != 0 {
		t.Fatalf("after deleting everything: %d segments, start %d, end %d, size %d", l.NumSegments(), l.LogStartOffset(), l.LogEndOffset(), l.Size())
	}
	// The empty active segment is a file, so the log end survives a crash.
	if _, err := os.Stat(segmentPath(l.dir, 5, logSuffix)); err != nil {
		t.Fatal(err)
	}
	l.appendN(1, 1, 10)
	checkOffsets(t, l.readAll(5), 5, 6)
}

func TestRetentionBySize(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1000
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendN(40, 1, 200)
	segs := l.Segments()
	cfg.RetentionBytes = l.Size() - segs[0].Size - segs[1].Size + 1
	if err := l.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	n, err := l.ApplyRetention(l.clock.Now(), l.LogEndOffset())
	// Deleting a second segment would leave less than retention.bytes.
	if err != nil || n != 1 || l.LogStartOffset() != segs[1].BaseOffset {
		t.Fatalf("deleted %d (%v), log start %d", n, err, l.LogStartOffset())
	}
	if l.Size() < cfg.RetentionBytes {
		t.Fatalf("size %d dropped below retention.bytes %d", l.Size(), cfg.RetentionBytes)
	}
	cfg.CleanupPolicy = "compact"
	cfg.RetentionBytes = 1
	if err := l.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if n, err := l.ApplyRetention(l.clock.Now(), l.LogEndOffset()); n != 0 || err != nil {
		t.Fatalf("compact-only topic lost %d segments to retention (%v)", n, err)
	}
}

func TestDeleteRecordsBefore(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(60, 2, 60)
	segs := l.Segments()
	mid := segs[2].BaseOffset + 1
	if _, err := l.DeleteRecordsBefore(100, 99); err == nil {
		t.Fatal("moved the log start past the high watermark")
	}
	start, err := l.DeleteRecordsBefore(mid, 120)
	if err != nil || start != mid || l.LogStartOffset() != mid {
		t.Fatalf("log start %d (%v), want %d", start, err, mid)
	}
	if got := l.Segments()[0].BaseOffset; got != segs[2].BaseOffset {
		t.Fatalf("first segment %d, want %d (the one holding the new start)", got, segs[2].BaseOffset)
	}
	// The batch containing the start is still served whole.
	res, err := l.Read(mid, 1<<20, l.EndOffsetMetadata(), true)
	if err != nil || res.FirstOffset != mid-1 {
		t.Fatalf("read at the log start: first %d (%v)", res.FirstOffset, err)
	}
	res.Slice.Release()
	// Moving backwards is a no-op.
	if start, err := l.DeleteRecordsBefore(1, 120); err != nil || start != mid {
		t.Fatalf("log start %d (%v) after a smaller delete", start, err)
	}
}

func TestFileDeleteDelay(t *testing.T) {
	cfg := testConfig()
	cfg.FileDeleteDelayMs = 60_000
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendN(40, 1, 200)
	first := l.Segments()[0]
	if _, err := l.DeleteRecordsBefore(l.Segments()[1].BaseOffset, l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first.Path + deletedSuffix); err != nil {
		t.Fatalf("the deleted segment is not kept as .deleted: %v", err)
	}
	l.clock.Advance(59 * time.Second)
	if _, err := l.ApplyRetention(l.clock.Now(), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first.Path + deletedSuffix); err != nil {
		t.Fatalf("removed before file.delete.delay.ms: %v", err)
	}
	l.clock.Advance(2 * time.Second)
	if _, err := l.ApplyRetention(l.clock.Now(), 0); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(first.Path))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), deletedSuffix) {
			t.Fatalf("%s remains after the delay", e.Name())
		}
	}
}
