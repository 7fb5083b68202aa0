package storage

import (
	"os"
	"testing"
)

func TestTruncateTo(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, testConfig(), Options{})
	l.appendN(60, 2, 60)
	segs := l.Segments()
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	// To a batch boundary inside an older segment: later segments go.
	target := segs[2].BaseOffset + 4
	if ok, err := l.TruncateTo(target); err != nil || !ok {
		t.Fatalf("truncate: %v %v", ok, err)
	}
	if l.LogEndOffset() != target || l.NumSegments() != 3 || l.RecoveryPoint() > target {
		t.Fatalf("end %d, %d segments, recovery point %d", l.LogEndOffset(), l.NumSegments(), l.RecoveryPoint())
	}
	for _, s := range segs[3:] {
		if _, err := os.Stat(s.Path); !os.IsNotExist(err) {
			t.Fatalf("segment %s survived the truncation", s.Path)
		}
	}
	checkOffsets(t, l.readAll(0), 0, target)
	// Inside a batch: the whole batch goes.
	if _, err := l.TruncateTo(target - 1); err != nil || l.LogEndOffset() != target-2 {
		t.Fatalf("truncate mid-batch: end %d (%v)", l.LogEndOffset(), err)
	}
	// At or past the end: nothing happens.
	if ok, err := l.TruncateTo(1000); ok || err != nil {
		t.Fatalf("truncate past the end: %v %v", ok, err)
	}
	// Appends go on, and a clean reopen sees the same log.
	l.appendN(10, 2, 60)
	end := l.LogEndOffset()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l = openTestLog(t, dir, testConfig(), Options{CleanShutdown: true})
	checkOffsets(t, l.readAll(0), 0, end)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// And an unclean one from scratch.
	l = openTestLog(t, dir, testConfig(), Options{})
	defer l.Close()
	checkOffsets(t, l.readAll(0), 0, end)
}

func TestTruncateToSegmentBase(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(60, 2, 60)
	base := l.Segments()[1].BaseOffset
	if _, err := l.TruncateTo(base); err != nil {
		t.Fatal(err)
	}
	if l.LogEndOffset() != base || l.NumSegments() != 2 || l.EndOffsetMetadata().Position != 0 {
		t.Fatalf("end %+v, %d segments", l.EndOffsetMetadata(), l.NumSegments())
	}
	l.appendN(3, 2, 60)
	checkOffsets(t, l.readAll(0), 0, base+6)
}

func TestTruncateFullyAndStartAt(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, testConfig(), Options{})
	l.appendN(30, 2, 60)
	if err := l.LeaderEpochs().Assign(3, 0); err != nil {
		t.Fatal(err)
	}
	if err := l.TruncateFullyAndStartAt(1000); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != 1000 || l.LogEndOffset() != 1000 || l.NumSegments() != 1 || l.Size() != 0 {
		t.Fatalf("start %d end %d segments %d size %d", l.LogStartOffset(), l.LogEndOffset(), l.NumSegments(), l.Size())
	}
	if len(l.LeaderEpochs().Entries()) != 0 {
		t.Fatal("the epoch cache survived a full truncation")
	}
	l.appendN(2, 1, 10)
	checkOffsets(t, l.readAll(1000), 1000, 1002)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// An unclean reopen with stale checkpoints still starts at 1000.
	l = openTestLog(t, dir, testConfig(), Options{})
	defer l.Close()
	if l.LogStartOffset() != 1000 || l.LogEndOffset() != 1002 {
		t.Fatalf("after reopen: start %d end %d", l.LogStartOffset(), l.LogEndOffset())
	}
}
