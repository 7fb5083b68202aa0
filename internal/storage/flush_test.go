package storage

import (
	"testing"
	"time"
)

func TestFlushPolicy(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1 << 20
	cfg.FlushMessages = 5
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	infos := l.appendN(3, 2, 10) // 6 offsets
	if infos[0].FlushTo != 0 || infos[1].FlushTo != 0 || infos[2].FlushTo != 6 {
		t.Fatalf("flush.messages=5: FlushTo %d %d %d", infos[0].FlushTo, infos[1].FlushTo, infos[2].FlushTo)
	}
	if err := l.FlushUpTo(infos[2].FlushTo); err != nil || l.RecoveryPoint() != 6 {
		t.Fatalf("recovery point %d (%v)", l.RecoveryPoint(), err)
	}
	// Past the log end, a flush stops at the log end.
	if err := l.FlushUpTo(100); err != nil || l.RecoveryPoint() != 6 {
		t.Fatalf("recovery point %d (%v)", l.RecoveryPoint(), err)
	}

	cfg.FlushMessages = 1 << 40
	cfg.FlushMs = 1000
	if err := l.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if info := l.appendN(1, 1, 10)[0]; info.FlushTo != 0 {
		t.Fatalf("flush.ms asked early: %+v", info)
	}
	if l.FlushDue(l.clock.Now()) {
		t.Fatal("flush due early")
	}
	l.clock.Advance(time.Second)
	if !l.FlushDue(l.clock.Now()) {
		t.Fatal("flush not due after flush.ms")
	}
	if info := l.appendN(1, 1, 10)[0]; info.FlushTo != 8 {
		t.Fatalf("flush.ms: FlushTo %d, want 8", info.FlushTo)
	}
	if err := l.Flush(); err != nil || l.RecoveryPoint() != 8 || l.FlushDue(l.clock.Now()) {
		t.Fatalf("after flush: recovery point %d (%v)", l.RecoveryPoint(), err)
	}
}

func TestFlushDuringTruncationKeepsRecoveryPoint(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	l.appendN(10, 1, 10)
	segs, to, gen, _, err := l.flushTargets(10)
	if err != nil {
		t.Fatal(err)
	}
	// A truncation lands between picking the segments and the fsync.
	if _, err := l.TruncateTo(4); err != nil {
		t.Fatal(err)
	}
	if err := l.syncSegments(segs); err != nil {
		t.Fatal(err)
	}
	l.appendN(10, 1, 10) // the log end passes the old target again
	l.markFlushed(to, gen)
	if rp := l.RecoveryPoint(); rp != 0 {
		t.Fatalf("the flush moved the recovery point to %d past a truncation", rp)
	}
	if err := l.Flush(); err != nil || l.RecoveryPoint() != 14 {
		t.Fatalf("recovery point %d (%v)", l.RecoveryPoint(), err)
	}
}
