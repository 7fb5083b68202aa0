package storage

import (
	"bytes"
	"errors"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

// TestAppendReplicated copies one log's batches into another as a follower
// does, in chunks that cross segment boundaries, and checks that the copy
// holds the same bytes at the same offsets, epochs included.
func TestAppendReplicated(t *testing.T) {
	leader := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer leader.Close()
	var want []byte
	for i := 0; i < 90; i++ {
		b := makeBatch(batchSpec{base: leader.LogEndOffset(), n: 3, ts: 1000 + int64(i), valueSize: 50, epoch: int32(i / 30)})
		if _, err := leader.Append(b); err != nil {
			t.Fatal(err)
		}
		want = append(want, b...)
	}
	follower := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer follower.Close()
	for off := 0; off < len(want); {
		// Chunks of about seven batches, cut at batch boundaries.
		end, n := off, 0
		for end < len(want) && n < 7 {
			b, _, _ := record.Peek(want[end:])
			end += len(b)
			n++
		}
		info, err := follower.AppendReplicated(bytes.Clone(want[off:end]))
		if err != nil {
			t.Fatal(err)
		}
		if info.End.Offset != follower.LogEndOffset() {
			t.Fatalf("append info end %d, log end %d", info.End.Offset, follower.LogEndOffset())
		}
		off = end
	}
	if follower.NumSegments() < 3 {
		t.Fatalf("%d segments: the test wants appends that roll", follower.NumSegments())
	}
	var got []byte
	for _, b := range follower.readAll(0) {
		got = append(got, b...)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the follower's batches differ from the leader's")
	}
	if g, w := follower.LeaderEpochs().Entries(), leader.LeaderEpochs().Entries(); len(g) != 3 || len(w) != 3 || g[2] != w[2] {
		t.Fatalf("epochs %v, leader's %v", g, w)
	}
}

func TestAppendReplicatedGapsAndErrors(t *testing.T) {
	l := openTestLog(t, t.TempDir(), testConfig(), Options{})
	defer l.Close()
	// A gap left by the leader's compaction is kept.
	buf := append(makeBatch(batchSpec{base: 0, n: 2, ts: 1}), makeBatch(batchSpec{base: 10, n: 2, ts: 2})...)
	if info, err := l.AppendReplicated(buf); err != nil || info.FirstOffset != 0 || info.LastOffset != 11 {
		t.Fatalf("append with a gap: %+v %v", info, err)
	}
	checkOffsets(t, l.readAll(10), 10, 12)
	// Going back is refused, and nothing of the request is written.
	var ue *UnexpectedOffsetError
	if _, err := l.AppendReplicated(makeBatch(batchSpec{base: 11, n: 1, ts: 3})); !errors.As(err, &ue) {
		t.Fatalf("batch before the log end: %v", err)
	}
	// A torn trailing batch is an error.
	b := makeBatch(batchSpec{base: 12, n: 1, ts: 3})
	if _, err := l.AppendReplicated(b[:len(b)-1]); !errors.Is(err, record.ErrShortBatch) {
		t.Fatalf("torn batch: %v", err)
	}
	if l.LogEndOffset() != 12 {
		t.Fatalf("log end %d after refused appends", l.LogEndOffset())
	}
}

// TestTruncateThenUncleanReopen: a truncation is durable when it returns,
// and recovery from scratch finds the truncated log with the epochs that
// match it.
func TestTruncateThenUncleanReopen(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, testConfig(), Options{})
	for i := 0; i < 60; i++ {
		if _, err := l.Append(makeBatch(batchSpec{base: l.LogEndOffset(), n: 2, ts: int64(i), valueSize: 60, epoch: int32(i / 20)})); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.TruncateTo(50); err != nil {
		t.Fatal(err)
	}
	// Not closed: the next open is a recovery, as after a crash.
	l2 := openTestLog(t, dir, testConfig(), Options{})
	defer l2.Close()
	checkOffsets(t, l2.readAll(0), 0, 50)
	if es := l2.LeaderEpochs().Entries(); len(es) != 2 || es[1] != (EpochEntry{Epoch: 1, StartOffset: 40}) {
		t.Fatalf("epochs after reopen: %v", es)
	}
}
