package storage

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// writeLog appends count batches of 2 records (epoch 1 then 2 from the
// middle on) and closes the log uncleanly (no index of the active segment
// on disk, nothing flushed).
func writeLog(t *testing.T, dir string, count int) []AppendInfo {
	t.Helper()
	l := openTestLog(t, dir, testConfig(), Options{})
	var infos []AppendInfo
	for i := range count {
		epoch := int32(1)
		if i >= count/2 {
			epoch = 2
		}
		info, err := l.Append(makeBatch(batchSpec{base: l.LogEndOffset(), n: 2, ts: int64(1000 + i), valueSize: 60, epoch: epoch}))
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	// Simulate a crash: drop the log without Close.
	l.mu.Lock()
	l.mu.closed = true
	l.mu.Unlock()
	return infos
}

func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

func TestRecoverTornTail(t *testing.T) {
	dir := t.TempDir()
	infos := writeLog(t, dir, 60)
	last := infos[len(infos)-1]
	path := segmentPath(dir, last.End.SegmentBase, logSuffix)
	// Cut the last batch in half.
	if err := os.Truncate(path, last.Position+30); err != nil {
		t.Fatal(err)
	}
	logger, out := logBuffer()
	l := openTestLog(t, dir, testConfig(), Options{Logger: logger})
	defer l.Close()
	if l.LogEndOffset() != last.FirstOffset {
		t.Fatalf("log end %d, want %d", l.LogEndOffset(), last.FirstOffset)
	}
	if fi, _ := os.Stat(path); fi.Size() != last.Position {
		t.Fatalf("segment is %d bytes, want %d", fi.Size(), last.Position)
	}
	if !strings.Contains(out.String(), "truncating an invalid segment tail") {
		t.Fatalf("truncation not reported: %s", out)
	}
	checkOffsets(t, l.readAll(0), 0, last.FirstOffset)
	l.appendN(1, 2, 10)
	checkOffsets(t, l.readAll(0), 0, last.FirstOffset+2)
}

func TestRecoverGarbageTail(t *testing.T) {
	dir := t.TempDir()
	infos := writeLog(t, dir, 30)
	last := infos[len(infos)-1]
	path := segmentPath(dir, last.End.SegmentBase, logSuffix)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(bytes.Repeat([]byte{0xab}, 100))
	f.Close()
	l := openTestLog(t, dir, testConfig(), Options{})
	defer l.Close()
	if l.LogEndOffset() != 60 {
		t.Fatalf("log end %d, want 60", l.LogEndOffset())
	}
	checkOffsets(t, l.readAll(0), 0, 60)
}

func TestRecoverBadCRCDeletesLaterSegments(t *testing.T) {
	dir := t.TempDir()
	infos := writeLog(t, dir, 60)
	// Flip a byte in the records of a batch in the second segment.
	var bad AppendInfo
	for _, info := range infos {
		if info.End.SegmentBase > 0 && info.Position > 0 {
			bad = info
			break
		}
	}
	path := segmentPath(dir, bad.End.SegmentBase, logSuffix)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[bad.Position+70] ^= 0x01
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	logger, out := logBuffer()
	l := openTestLog(t, dir, testConfig(), Options{Logger: logger})
	defer l.Close()
	if l.LogEndOffset() != bad.FirstOffset || l.NumSegments() != 2 {
		t.Fatalf("log end %d with %d segments, want %d with 2", l.LogEndOffset(), l.NumSegments(), bad.FirstOffset)
	}
	if !strings.Contains(out.String(), "CRC") || !strings.Contains(out.String(), path) {
		t.Fatalf("the report lacks the reason or file: %s", out)
	}
	checkOffsets(t, l.readAll(0), 0, bad.FirstOffset)
	// The epoch cache is truncated to the log.
	for _, e := range l.LeaderEpochs().Entries() {
		if e.StartOffset >= l.LogEndOffset() {
			t.Fatalf("epoch entry %+v past the log end", e)
		}
	}
}

func TestRecoveryTrustsDataBelowRecoveryPoint(t *testing.T) {
	dir := t.TempDir()
	infos := writeLog(t, dir, 60)
	path := segmentPath(dir, 0, logSuffix)
	data, _ := os.ReadFile(path)
	data[infos[1].Position+70] ^= 0x01 // corrupt, but below the recovery point
	os.WriteFile(path, data, 0o644)
	l := openTestLog(t, dir, testConfig(), Options{RecoveryPoint: infos[len(infos)-1].End.SegmentBase})
	defer l.Close()
	if l.LogEndOffset() != 120 {
		t.Fatalf("log end %d: data below the recovery point was re-validated", l.LogEndOffset())
	}
}

func TestRecoverRebuildsEpochsAndIndexes(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 60)
	os.Remove(segmentPath(dir, 0, indexSuffix))
	l := openTestLog(t, dir, testConfig(), Options{})
	want := []EpochEntry{{Epoch: 1, StartOffset: 0}, {Epoch: 2, StartOffset: 60}}
	if got := l.LeaderEpochs().Entries(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("epochs %+v, want %+v", got, want)
	}
	if e, off := l.EndOffsetForEpoch(1); e != 1 || off != 60 {
		t.Fatalf("end offset for epoch 1: %d %d", e, off)
	}
	if _, err := os.Stat(segmentPath(dir, 0, indexSuffix)); err != nil {
		t.Fatalf("recovery did not write the rebuilt index: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	lines, err := readCheckpointLines(dir + "/" + LeaderEpochCheckpointFile)
	if err != nil || len(lines) != 2 {
		t.Fatalf("epoch checkpoint %q %v", lines, err)
	}
}

func TestLeftoverFiles(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 60)
	l := openTestLog(t, dir, testConfig(), Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs := l.Segments()
	touch := func(name string, data []byte) {
		if err := os.WriteFile(dir+"/"+name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	touch(offsetName(segs[1].BaseOffset)+".log.deleted", []byte("x"))
	touch(offsetName(segs[1].BaseOffset)+".index.deleted", []byte("x"))
	touch(offsetName(500)+".log.cleaned", []byte("x"))
	touch(offsetName(777)+".index", []byte("orphan"))
	touch(offsetName(segs[0].BaseOffset)+".snapshot", []byte("not ours"))
	l = openTestLog(t, dir, testConfig(), Options{CleanShutdown: true})
	defer l.Close()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if strings.HasSuffix(n, ".deleted") || strings.HasSuffix(n, ".cleaned") || strings.HasPrefix(n, offsetName(777)) {
			t.Fatalf("%s survived the open", n)
		}
	}
	if _, err := os.Stat(dir + "/" + offsetName(segs[0].BaseOffset) + ".snapshot"); err != nil {
		t.Fatal("a producer snapshot was removed")
	}
	checkOffsets(t, l.readAll(0), 0, 120)
}

func TestSwapFilesReplaceSegments(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 60)
	l := openTestLog(t, dir, testConfig(), Options{})
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	segs := l.Segments()
	// A "compaction" of the first two segments into one, interrupted before
	// the swap: the .swap holds the first segment's data followed by the
	// second's, under the first's base offset.
	a, _ := os.ReadFile(segs[0].Path)
	b, _ := os.ReadFile(segs[1].Path)
	swap := segmentPath(dir, segs[0].BaseOffset, logSuffix) + swapSuffix
	if err := os.WriteFile(swap, append(a, b...), 0o644); err != nil {
		t.Fatal(err)
	}
	// A swap at or above a .cleaned file belongs to an unfinished split.
	os.WriteFile(segmentPath(dir, 900, logSuffix)+cleanedSuffix, nil, 0o644)
	os.WriteFile(segmentPath(dir, 901, logSuffix)+swapSuffix, []byte("junk"), 0o644)
	l = openTestLog(t, dir, testConfig(), Options{})
	defer l.Close()
	got := l.Segments()
	if len(got) != len(segs)-1 || got[0].Size != segs[0].Size+segs[1].Size || got[1].BaseOffset != segs[2].BaseOffset {
		t.Fatalf("segments after the swap: %+v", got)
	}
	if _, err := os.Stat(segmentPath(dir, segs[1].BaseOffset, logSuffix)); !os.IsNotExist(err) {
		t.Fatal("the replaced segment survived")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".swap") || strings.Contains(e.Name(), ".cleaned") {
			t.Fatalf("%s survived", e.Name())
		}
	}
	checkOffsets(t, l.readAll(0), 0, 120)
}

func TestRecoverDropsEmptyTrailingSegments(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 60)
	// A crash right after two rolls whose data never reached the disk.
	os.WriteFile(segmentPath(dir, 120, logSuffix), nil, 0o644)
	os.WriteFile(segmentPath(dir, 130, logSuffix), nil, 0o644)
	l := openTestLog(t, dir, testConfig(), Options{})
	defer l.Close()
	if l.LogEndOffset() != 120 || l.Segments()[l.NumSegments()-1].Size == 0 {
		t.Fatalf("log end %d, segments %+v", l.LogEndOffset(), l.Segments())
	}
	l.appendN(1, 1, 1)
	checkOffsets(t, l.readAll(0), 0, 121)
}

func TestCleanOpenIsFast(t *testing.T) {
	dir := t.TempDir()
	writeLog(t, dir, 60)
	l := openTestLog(t, dir, testConfig(), Options{})
	end, err := l.FlushAndClose()
	if err != nil || end != 120 {
		t.Fatalf("flush and close: %d %v", end, err)
	}
	// Corrupt an old segment: a clean open must not notice (it reads only
	// the last segment's index and tail).
	path := segmentPath(dir, 0, logSuffix)
	data, _ := os.ReadFile(path)
	data[100] ^= 0xff
	os.WriteFile(path, data, 0o644)
	l = openTestLog(t, dir, testConfig(), Options{CleanShutdown: true, RecoveryPoint: 120})
	defer l.Close()
	if l.LogEndOffset() != 120 || l.RecoveryPoint() != 120 {
		t.Fatalf("end %d recovery point %d", l.LogEndOffset(), l.RecoveryPoint())
	}
	for _, s := range l.mu.segments[:len(l.mu.segments)-1] {
		if s.mu.idx != nil {
			t.Fatalf("segment %d was loaded by a clean open", s.base)
		}
	}
}

func TestCleanOpenWithTornTailRecovers(t *testing.T) {
	dir := t.TempDir()
	infos := writeLog(t, dir, 20)
	l := openTestLog(t, dir, testConfig(), Options{})
	l.Close()
	last := infos[len(infos)-1]
	os.Truncate(segmentPath(dir, last.End.SegmentBase, logSuffix), last.Position+10)
	l = openTestLog(t, dir, testConfig(), Options{CleanShutdown: true})
	defer l.Close()
	if l.LogEndOffset() != last.FirstOffset {
		t.Fatalf("log end %d, want %d", l.LogEndOffset(), last.FirstOffset)
	}
}
