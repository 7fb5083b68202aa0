package producerstate

import (
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

// testLog is a partition log in memory with snapshots taken along the way.
type testLog struct {
	dir     string
	batches []record.Batch
	froms   []int64 // where each replay started
}

// newTestLog generates a log and writes a snapshot of the live state every
// `every` batches, as a partition does when it rolls a segment.
func newTestLog(t *testing.T, steps, every int) (*testLog, *State) {
	t.Helper()
	l := &testLog{dir: t.TempDir()}
	g := newLogGen(3)
	for i := 1; i <= steps; i++ {
		g.step()
		if every > 0 && i%every == 0 {
			if _, err := g.live.WriteSnapshot(l.dir, g.leo()); err != nil {
				t.Fatal(err)
			}
		}
	}
	l.batches = g.log
	return l, g.live
}

func (l *testLog) end() int64 { return l.batches[len(l.batches)-1].NextOffset() }

// replay serves whole batches from the one containing from, as a reader
// starting at an index entry would.
func (l *testLog) replay(from, to int64, apply func(record.Batch)) error {
	l.froms = append(l.froms, from)
	for _, b := range l.batches {
		if b.NextOffset() > from && b.BaseOffset() < to {
			apply(b)
		}
	}
	return nil
}

// sloppyReplay also passes every batch before from.
func (l *testLog) sloppyReplay(from, to int64, apply func(record.Batch)) error {
	return l.replay(0, to, apply)
}

// stateAt is the state after the batches below offset, built directly.
func (l *testLog) stateAt(offset int64) *State {
	st := New(0)
	for _, b := range l.batches {
		if b.BaseOffset() < offset {
			st.Append(b)
		}
	}
	return st
}

func sameState(t *testing.T, got, want *State) {
	t.Helper()
	if got.EndOffset() != want.EndOffset() {
		t.Fatalf("end offset %d, want %d", got.EndOffset(), want.EndOffset())
	}
	if !reflect.DeepEqual(got.Producers(), want.Producers()) {
		t.Fatalf("producers differ:\n got %+v\nwant %+v", got.Producers(), want.Producers())
	}
}

func TestRebuildFromSnapshotAndReplay(t *testing.T) {
	l, live := newTestLog(t, 700, 200)
	snaps := listed(t, l.dir)
	st, err := Rebuild(l.dir, 0, l.end(), l.replay)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, st, live)
	if want := snaps[len(snaps)-1]; !slices.Equal(l.froms, []int64{want}) {
		t.Fatalf("replayed from %v, want only from the latest snapshot %d", l.froms, want)
	}
}

func TestRebuildWithoutSnapshots(t *testing.T) {
	l, live := newTestLog(t, 300, 0)
	st, err := Rebuild(l.dir, 0, l.end(), l.replay)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, st, live)
}

func TestRebuildSkipsBatchesTheSnapshotHolds(t *testing.T) {
	l, live := newTestLog(t, 300, 100)
	st, err := Rebuild(l.dir, 0, l.end(), l.sloppyReplay)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, st, live)
}

func TestRebuildPastCorruptSnapshot(t *testing.T) {
	l, live := newTestLog(t, 300, 100)
	snaps := listed(t, l.dir)
	if err := os.Truncate(SnapshotPath(l.dir, snaps[len(snaps)-1]), 30); err != nil {
		t.Fatal(err)
	}
	st, err := Rebuild(l.dir, 0, l.end(), l.replay)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, st, live)
	if want := snaps[len(snaps)-2]; !slices.Equal(l.froms, []int64{want}) {
		t.Fatalf("replayed from %v, want from the older snapshot %d", l.froms, want)
	}
}

func TestRebuildAfterLogStartMoved(t *testing.T) {
	l, _ := newTestLog(t, 300, 100)
	snaps := listed(t, l.dir)
	// Retention moved the log start past every snapshot but the last:
	// those below it are deleted and the rest is replayed from the last.
	logStart := snaps[len(snaps)-1] - 1
	st, err := Rebuild(l.dir, logStart, l.end(), l.replay)
	if err != nil {
		t.Fatal(err)
	}
	if got := listed(t, l.dir); !slices.Equal(got, snaps[len(snaps)-1:]) {
		t.Fatalf("snapshots left: %v", got)
	}
	sameState(t, st, l.stateAt(l.end()))

	// With no snapshot at or above the log start, only the batches still
	// in the log are replayed.
	l.froms = nil
	if err := DeleteSnapshotsAfter(l.dir, -1); err != nil {
		t.Fatal(err)
	}
	st, err = Rebuild(l.dir, logStart, l.end(), l.replay)
	if err != nil {
		t.Fatal(err)
	}
	// The batch holding the log start is still in the log, and replayed.
	want := New(logStart)
	for _, b := range l.batches {
		if b.NextOffset() > logStart {
			want.Append(b)
		}
	}
	sameState(t, st, want)
	if !slices.Equal(l.froms, []int64{logStart}) {
		t.Fatalf("replayed from %v, want %d", l.froms, logStart)
	}
}

func TestTruncateTo(t *testing.T) {
	l, live := newTestLog(t, 400, 100)
	snaps := listed(t, l.dir)
	// Truncation points: batch boundaries around each snapshot and the log
	// end, from the newest down, each on the previous truncation's result.
	var points []int64
	for _, b := range slices.Backward(l.batches) {
		if o := b.BaseOffset(); len(points) < 12 && (slices.Contains(snaps, o) || b.NextOffset() == l.end() || o%37 == 0) {
			points = append(points, o)
		}
	}
	st := live
	for _, offset := range points {
		if err := st.TruncateTo(l.dir, 0, offset, l.replay); err != nil {
			t.Fatal(err)
		}
		sameState(t, st, l.stateAt(offset))
		for _, s := range listed(t, l.dir) {
			if s > offset {
				t.Fatalf("snapshot %d survived truncation to %d", s, offset)
			}
		}
	}
}

func TestTruncateToAtOrPastEndChangesNothing(t *testing.T) {
	l, live := newTestLog(t, 100, 0)
	before := live.Producers()
	if err := live.TruncateTo(l.dir, 0, l.end()+10, l.replay); err != nil {
		t.Fatal(err)
	}
	if err := live.TruncateTo(l.dir, 0, l.end(), l.replay); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(live.Producers(), before) || live.EndOffset() != l.end() || len(l.froms) != 0 {
		t.Fatal("truncating at or past the end changed the state or read the log")
	}
}

func TestTruncateEmptyStateReadsNothing(t *testing.T) {
	l := &testLog{dir: t.TempDir()}
	st := New(0)
	for i := range 10 {
		st.Append(makeBatch(spec{pid: -1, epoch: -1, seq: -1, n: 1, offset: int64(i)}))
	}
	if err := st.TruncateTo(l.dir, 0, 4, l.replay); err != nil {
		t.Fatal(err)
	}
	if st.EndOffset() != 4 || len(l.froms) != 0 {
		t.Fatalf("end %d after reading the log %d times; want 4, 0", st.EndOffset(), len(l.froms))
	}
}

func TestReset(t *testing.T) {
	l, live := newTestLog(t, 200, 50)
	if err := live.Reset(l.dir, 1234); err != nil {
		t.Fatal(err)
	}
	sameState(t, live, New(1234))
	if got := listed(t, l.dir); len(got) != 0 {
		t.Fatalf("snapshots left: %v", got)
	}
}

func TestReplayErrorsAreReturned(t *testing.T) {
	l, live := newTestLog(t, 100, 0)
	before := live.Producers()
	failing := func(from, to int64, apply func(record.Batch)) error { return errors.New("disk on fire") }
	if _, err := Rebuild(l.dir, 0, l.end(), failing); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("Rebuild error = %v", err)
	}
	if err := live.TruncateTo(l.dir, 0, 5, failing); err == nil {
		t.Fatal("TruncateTo hid a replay error")
	}
	if !reflect.DeepEqual(live.Producers(), before) {
		t.Fatal("a failed truncation changed the state")
	}
}
