package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

// keyedBatch encodes a batch of records "k<key>" = "v<offset>", one per
// key, at base.
func keyedBatch(t testing.TB, base, ts int64, keys ...int) record.Batch {
	t.Helper()
	bl := record.NewBuilder()
	bl.BaseOffset = base
	for i, k := range keys {
		bl.Append(ts, fmt.Appendf(nil, "k%d", k), fmt.Appendf(nil, "v%d", base+int64(i)))
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// appendKeyed appends batches of keys, each key written many times, so
// that several segments fill up.
func (l *testLog) appendKeyed(batches, perBatch, keys int) {
	l.t.Helper()
	k := 0
	for range batches {
		var ks []int
		for range perBatch {
			ks = append(ks, k%keys)
			k++
		}
		if _, err := l.Append(keyedBatch(l.t, l.LogEndOffset(), l.clock.Now().UnixMilli(), ks...)); err != nil {
			l.t.Fatal(err)
		}
	}
}

// appendUnique appends a batch of n keys from first on, written nowhere
// else.
func (l *testLog) appendUnique(first, n int) {
	l.t.Helper()
	var ks []int
	for i := range n {
		ks = append(ks, first+i)
	}
	if _, err := l.Append(keyedBatch(l.t, l.LogEndOffset(), l.clock.Now().UnixMilli(), ks...)); err != nil {
		l.t.Fatal(err)
	}
}

// kv is one record read back.
type kv struct {
	offset     int64
	key, value string
}

// records reads every record of the log from its start, checking that
// offsets strictly increase and CRCs hold.
func records(t *testing.T, l *Log) []kv {
	t.Helper()
	var out []kv
	next := l.LogStartOffset()
	for next < l.LogEndOffset() {
		res, err := l.Read(next, 1<<20, l.EndOffsetMetadata(), true)
		if err != nil {
			t.Fatalf("read %d: %v", next, err)
		}
		data, err := res.Slice.AppendTo(nil)
		res.Slice.Release()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			break
		}
		for len(data) > 0 {
			b, rest, err := record.Peek(data)
			if err != nil || b.CRC() != b.ComputeCRC() {
				t.Fatalf("read %d: bad batch (%v)", next, err)
			}
			for r, err := range b.All(0) {
				if err != nil {
					t.Fatal(err)
				}
				if r.Offset < next {
					continue
				}
				if n := len(out); n > 0 && r.Offset <= out[n-1].offset {
					t.Fatalf("offset %d follows %d", r.Offset, out[n-1].offset)
				}
				out = append(out, kv{r.Offset, string(r.Key), string(r.Value)})
			}
			next = b.NextOffset()
			data = rest
		}
	}
	return out
}

// latestValues maps each key to its latest record.
func latestValues(recs []kv) map[string]kv {
	m := map[string]kv{}
	for _, r := range recs {
		m[r.key] = r
	}
	return m
}

// compactGroup writes what the log cleaner would keep of group: the
// records that are their key's latest in the log, batch by batch, offsets
// unchanged; a batch left empty is dropped.
func compactGroup(t *testing.T, l *Log, group []*SegmentRef, latest map[string]kv) *CleanedSegment {
	t.Helper()
	cs, err := l.NewCleanedSegment(group[0].BaseOffset())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64<<10)
	for _, ref := range group {
		err := ref.Batches(ref.BaseOffset(), &buf, func(b record.Batch) error {
			bl := record.NewBuilder()
			bl.BaseOffset = b.BaseOffset()
			bl.LastOffsetDelta = b.LastOffsetDelta()
			for r, err := range b.All(0) {
				if err != nil {
					return err
				}
				if latest[string(r.Key)].offset == r.Offset {
					bl.AppendRecord(r)
				}
			}
			if bl.NumRecords() == 0 {
				return nil
			}
			nb, err := bl.Build()
			if err != nil {
				return err
			}
			return cs.Append(nb)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return cs
}

// compactedLog makes a log of several segments with many updates per key
// and returns it with its records and the references of its first three
// segments (released with the test).
func compactedLog(t *testing.T, dir string) (*testLog, []kv, []*SegmentRef) {
	t.Helper()
	cfg := testConfig()
	cfg.SegmentBytes = 1024
	l := openTestLog(t, dir, cfg, Options{})
	// Keys written once survive compaction, in the first and the second
	// segment; the others are written over and over.
	l.appendUnique(1000, 3)
	l.appendKeyed(12, 5, 7)
	l.appendUnique(2000, 3)
	l.appendKeyed(48, 5, 7)
	before := records(t, l.Log)
	refs, _, err := l.InactiveSegments()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ReleaseSegments(refs) })
	if len(refs) < 4 {
		t.Fatalf("only %d inactive segments", len(refs))
	}
	return l, before, refs[:3]
}

// compacted is before without the records of offsets [from, to) that are
// not their key's latest.
func compacted(before []kv, from, to int64) []kv {
	latest := latestValues(before)
	var want []kv
	for _, r := range before {
		if r.offset < from || r.offset >= to || latest[r.key].offset == r.offset {
			want = append(want, r)
		}
	}
	return want
}

// expectCompacted fails unless got is compacted(before, from, to).
func expectCompacted(t *testing.T, got, before []kv, from, to int64) {
	t.Helper()
	if want := compacted(before, from, to); !slices.Equal(got, want) {
		t.Fatalf("after compaction: got %d records %v, want %d %v", len(got), brief(got), len(want), brief(want))
	}
}

// brief shows the first and last records.
func brief(recs []kv) string {
	if len(recs) <= 6 {
		return fmt.Sprint(recs)
	}
	return fmt.Sprint(recs[:3], "...", recs[len(recs)-3:])
}

// expectBetween fails unless got holds every record of want and only
// records of before: what a crash between the old and the new segments
// may leave (the new segment, and old segments it did not reach).
func expectBetween(t *testing.T, got, want, before []kv) {
	t.Helper()
	have := map[kv]bool{}
	for _, r := range got {
		have[r] = true
	}
	for _, r := range want {
		if !have[r] {
			t.Fatalf("record %v is missing: got %d records %v", r, len(got), brief(got))
		}
	}
	old := map[kv]bool{}
	for _, r := range before {
		old[r] = true
	}
	for _, r := range got {
		if !old[r] {
			t.Fatalf("record %v was never written", r)
		}
	}
}

func TestReplaceSegmentsKeepsOffsetsAndLatestValues(t *testing.T) {
	dir := t.TempDir()
	l, before, group := compactedLog(t, dir)
	end := group[len(group)-1].NextOffset()
	segsBefore := l.NumSegments()
	sizeBefore := l.Size()
	cs := compactGroup(t, l.Log, group, latestValues(before))
	if err := l.ReplaceSegments(cs, group); err != nil {
		t.Fatal(err)
	}
	ReleaseSegments(group) // the deleted files go with the last reference
	expectCompacted(t, records(t, l.Log), before, 0, end)
	if n := l.NumSegments(); n != segsBefore-2 {
		t.Errorf("%d segments after merging three, want %d", n, segsBefore-2)
	}
	if l.Size() >= sizeBefore {
		t.Errorf("size %d did not shrink from %d", l.Size(), sizeBefore)
	}
	if l.LogStartOffset() != 0 || l.LogEndOffset() != before[len(before)-1].offset+1 {
		t.Errorf("log range [%d, %d) changed", l.LogStartOffset(), l.LogEndOffset())
	}
	for _, name := range dirNames(t, dir) {
		if strings.HasSuffix(name, ".swap") || strings.HasSuffix(name, ".cleaned") || strings.HasSuffix(name, ".deleted") {
			t.Errorf("leftover file %s", name)
		}
	}
	// A clean reopen trusts the swapped-in files; an unclean one too.
	if _, err := l.FlushAndClose(); err != nil {
		t.Fatal(err)
	}
	for _, clean := range []bool{true, false} {
		re := openTestLog(t, dir, testConfig(), Options{CleanShutdown: clean, RecoveryPoint: 0})
		expectCompacted(t, records(t, re.Log), before, 0, end)
		if err := re.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestReplaceSegmentsCrashAtEachStep stops a replacement at every step, as
// a kill -9 there would, reopens the directory and checks that the log
// reads back as either the old or the new segments, with every key's latest
// value.
func TestReplaceSegmentsCrashAtEachStep(t *testing.T) {
	var steps []string
	{
		l, before, group := compactedLog(t, t.TempDir())
		l.replaceHook = func(step string) error { steps = append(steps, step); return nil }
		if err := l.ReplaceSegments(compactGroup(t, l.Log, group, latestValues(before)), group); err != nil {
			t.Fatal(err)
		}
		l.Close()
	}
	if len(steps) < 10 {
		t.Fatalf("only %d steps: %q", len(steps), steps)
	}
	// Before the cleaned segment is finished, too.
	steps = append([]string{"writing"}, steps...)
	for i, step := range steps {
		t.Run(fmt.Sprintf("%02d %s", i, step), func(t *testing.T) {
			dir := t.TempDir()
			l, before, group := compactedLog(t, dir)
			end := group[len(group)-1].NextOffset()
			cs := compactGroup(t, l.Log, group, latestValues(before))
			if step != "writing" {
				crash := errors.New("crash")
				l.replaceHook = func(s string) error {
					if s == step {
						return crash
					}
					return nil
				}
				if err := l.ReplaceSegments(cs, group); !errors.Is(err, crash) {
					t.Fatalf("replace stopped with %v", err)
				}
			}
			// The process is gone: nothing is closed or flushed.
			re := openTestLog(t, dir, testConfig(), Options{RecoveryPoint: 0})
			defer re.Close()
			got := records(t, re.Log)
			expectBetween(t, got, compacted(before, 0, end), before)
			if got := latestValues(got); !maps2Equal(got, latestValues(before)) {
				t.Fatalf("latest values differ: %v", got)
			}
			if re.LogEndOffset() != before[len(before)-1].offset+1 {
				t.Fatalf("log end %d", re.LogEndOffset())
			}
			for _, name := range dirNames(t, dir) {
				if filepath.Ext(name) == ".swap" || filepath.Ext(name) == ".cleaned" {
					t.Errorf("recovery left %s", name)
				}
			}
		})
	}
}

func maps2Equal(a, b map[string]kv) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestReplaceSegmentsRefusesChangedSegments(t *testing.T) {
	dir := t.TempDir()
	l, before, group := compactedLog(t, dir)
	cs := compactGroup(t, l.Log, group, latestValues(before))
	if _, err := l.DeleteRecordsBefore(group[1].BaseOffset(), l.LogEndOffset()); err != nil {
		t.Fatal(err)
	}
	if err := l.ReplaceSegments(cs, group); !errors.Is(err, ErrSegmentsChanged) {
		t.Fatalf("replace after retention: %v, want ErrSegmentsChanged", err)
	}
	for _, name := range dirNames(t, dir) {
		if strings.Contains(name, ".cleaned") || strings.Contains(name, ".swap") {
			t.Errorf("leftover %s", name)
		}
	}
	if got := records(t, l.Log); !slices.Equal(got, before[group[1].BaseOffset():]) {
		t.Fatalf("log changed: %s", brief(got))
	}
	l.Close()
}

func TestReplaceSegmentsWithoutCleanedDropsThem(t *testing.T) {
	l, before, group := compactedLog(t, t.TempDir())
	defer l.Close()
	sizeBefore := l.Size()
	if err := l.ReplaceSegments(nil, group[1:]); err != nil {
		t.Fatal(err)
	}
	var want []kv
	for _, r := range before {
		if r.offset < group[1].BaseOffset() || r.offset >= group[2].NextOffset() {
			want = append(want, r)
		}
	}
	if got := records(t, l.Log); !slices.Equal(got, want) {
		t.Fatalf("got %s", brief(got))
	}
	if l.Size() != sizeBefore-group[1].Size()-group[2].Size() {
		t.Errorf("size %d", l.Size())
	}
	// Dropping the first segment moves the log start offset.
	if err := l.ReplaceSegments(nil, group[:1]); err != nil {
		t.Fatal(err)
	}
	if l.LogStartOffset() != group[2].NextOffset() {
		t.Errorf("log start %d, want %d", l.LogStartOffset(), group[2].NextOffset())
	}
}

// TestReplaceSegmentsUnderConcurrentReads swaps compacted segments in while
// readers read the log from the start and an appender appends: every read
// sees offsets in order and every batch whole. As the cleaner does, the
// writer compacts only below every reader's bound (the high watermark it
// read). Run with -race.
func TestReplaceSegmentsUnderConcurrentReads(t *testing.T) {
	cfg := testConfig()
	cfg.SegmentBytes = 1024
	l := openTestLog(t, t.TempDir(), cfg, Options{})
	defer l.Close()
	l.appendKeyed(40, 5, 7)
	var (
		wg      sync.WaitGroup
		stop    = make(chan struct{})
		errc    = make(chan error, 4)
		boundMu sync.Mutex
		bounds  = make([]int64, 2)
	)
	for i := range bounds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				boundMu.Lock()
				upTo := l.EndOffsetMetadata()
				bounds[i] = upTo.Offset
				boundMu.Unlock()
				if err := readPass(l.Log, upTo); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() { // Batches, as producer state rebuilds use it
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			next := int64(-1)
			err := l.Batches(0, func(b record.Batch) error {
				if b.BaseOffset() <= next {
					return fmt.Errorf("Batches: batch %d after %d", b.BaseOffset(), next)
				}
				next = b.LastOffset()
				return nil
			})
			if err != nil {
				errc <- err
				return
			}
		}
	}()
	for round := range 15 {
		l.appendKeyed(6, 5, 7)
		boundMu.Lock()
		low := slices.Min(bounds)
		boundMu.Unlock()
		recs := records(t, l.Log)
		refs, _, err := l.InactiveSegments()
		if err != nil {
			t.Fatal(err)
		}
		var below []*SegmentRef
		for _, r := range refs {
			if r.NextOffset() <= low {
				below = append(below, r)
			}
		}
		group := below[:min(len(below), 3)]
		if round%2 == 1 && len(below) > 1 {
			group = below[1:min(len(below), 4)]
		}
		if len(group) > 0 {
			cs := compactGroup(t, l.Log, group, latestValues(recs))
			if err := l.ReplaceSegments(cs, group); err != nil {
				t.Fatal(err)
			}
		}
		ReleaseSegments(refs)
	}
	close(stop)
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

// readPass reads the log from its start to its end with Read, checking
// order and CRCs.
func readPass(l *Log, end OffsetMetadata) error {
	next, prev := l.LogStartOffset(), int64(-1)
	for next < end.Offset {
		res, err := l.Read(next, 512, end, true)
		if err != nil {
			return err
		}
		data, err := res.Slice.AppendTo(nil)
		res.Slice.Release()
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return nil // compaction removed everything left below end
		}
		for len(data) > 0 {
			b, rest, err := record.Peek(data)
			if err != nil || b.CRC() != b.ComputeCRC() {
				return fmt.Errorf("bad batch at %d: %v", next, err)
			}
			if b.LastOffset() <= prev {
				return fmt.Errorf("batch [%d, %d] after offset %d", b.BaseOffset(), b.LastOffset(), prev)
			}
			prev, next, data = b.LastOffset(), b.NextOffset(), rest
		}
	}
	return nil
}

func TestSliceOfReplacedSegmentStaysReadable(t *testing.T) {
	l, before, group := compactedLog(t, t.TempDir())
	defer l.Close()
	res, err := l.Read(0, 1<<20, l.EndOffsetMetadata(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Slice.Release()
	if err := l.ReplaceSegments(compactGroup(t, l.Log, group, latestValues(before)), group); err != nil {
		t.Fatal(err)
	}
	data, err := res.Slice.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := record.Peek(data)
	if err != nil || b.BaseOffset() != 0 || b.CRC() != b.ComputeCRC() {
		t.Fatalf("old slice: %v", err)
	}
}

func TestSegmentRefMetadata(t *testing.T) {
	l, _, group := compactedLog(t, t.TempDir())
	defer l.Close()
	ts, err := group[0].FirstBatchTimestamp()
	if err != nil || ts != l.clock.Now().UnixMilli() {
		t.Errorf("first batch timestamp %d, %v", ts, err)
	}
	largest, err := group[0].LargestTimestamp()
	if err != nil || largest != ts {
		t.Errorf("largest timestamp %d, %v", largest, err)
	}
	ob, tb, err := group[0].IndexSizes()
	if err != nil || ob <= 0 || tb <= 0 {
		t.Errorf("index sizes %d %d %v", ob, tb, err)
	}
	if group[0].NextOffset() != group[1].BaseOffset() {
		t.Errorf("next offset %d, want %d", group[0].NextOffset(), group[1].BaseOffset())
	}
}
