package cleaner

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// crashLog writes a log that cleans in several groups: keys written once
// (kept), keys written over and over, and tombstones.
func crashLog(t *testing.T) (*env, *fakePartition, []read) {
	t.Helper()
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	for i := range 3 {
		e.put(p, 0, rec{key: fmt.Sprintf("once%d", i), value: "x"})
		e.updates(p, 150, 12, 5, 0)
		e.put(p, 0, rec{key: fmt.Sprintf("k%d", i), tombstone: true})
	}
	roll(t, p)
	return e, p, readAll(t, p.log)
}

// checkLatest fails unless got has every key's latest record of before
// (tombstones included), and only records of before.
func checkLatest(t *testing.T, got, before []read) {
	t.Helper()
	want := latest(before)
	if have := latest(got); !maps.Equal(have, want) {
		t.Fatalf("latest records differ:\n got %v\nwant %v", have, want)
	}
	old := map[read]bool{}
	for _, r := range before {
		old[r] = true
	}
	for _, r := range got {
		if !old[r] {
			t.Fatalf("record %v was never written", r)
		}
	}
}

// TestCrashAtEachCleanerStep stops a cleaning at each of its steps as a
// kill -9 would (nothing closed, nothing flushed), reopens the log and a
// new cleaner on the directory, and checks that every key's latest value
// reads back, then that cleaning finishes the job. The steps inside a swap
// are crashed in storage's TestReplaceSegmentsCrashAtEachStep.
func TestCrashAtEachCleanerStep(t *testing.T) {
	var steps []string
	{
		e, _, _ := crashLog(t)
		counts := map[string]int{}
		e.c.stopAt = func(step string) error {
			counts[step]++
			steps = append(steps, fmt.Sprintf("%s #%d", step, counts[step]))
			return nil
		}
		e.cleanAll()
	}
	if len(steps) < 6 {
		t.Fatalf("only %d steps: %q", len(steps), steps)
	}
	for i, step := range steps {
		t.Run(fmt.Sprintf("%02d %s", i, step), func(t *testing.T) {
			e, p, before := crashLog(t)
			crash := errors.New("crash")
			counts := map[string]int{}
			e.c.stopAt = func(s string) error {
				counts[s]++
				if fmt.Sprintf("%s #%d", s, counts[s]) == step {
					return crash
				}
				return nil
			}
			if _, err := e.c.CleanOnce(context.Background()); !errors.Is(err, crash) {
				t.Fatalf("cleaning stopped with %v", err)
			}
			e.reopen(p)
			e.c = e.newCleaner()
			got := readAll(t, p.log)
			checkLatest(t, got, before)
			if p.log.LogEndOffset() != before[len(before)-1].offset+1 {
				t.Fatalf("log end %d", p.log.LogEndOffset())
			}
			for _, name := range dirNames(t, p.log.Dir()) {
				if strings.HasSuffix(name, ".cleaned") || strings.HasSuffix(name, ".swap") {
					t.Fatalf("recovery left %s", name)
				}
			}
			// Recovery dropped the empty active segment; roll again so that
			// everything is cleanable.
			roll(t, p)
			e.cleanAll()
			after := readAll(t, p.log)
			checkLatest(t, after, before)
			if n := len(after); n != len(latest(before)) {
				t.Fatalf("%d records after the cleaning resumed, want %d", n, len(latest(before)))
			}
		})
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

// TestReadsDuringCleaning runs the cleaner in the background while an
// appender appends and readers read the log from its start: every read
// sees offsets in order, whole batches with good CRCs, and each value at
// its own offset. Run with -race.
func TestReadsDuringCleaning(t *testing.T) {
	cfg := testConfig()
	cfg.Threads = 2
	e := newEnv(t, cfg)
	p := e.addPartition("orders", nil)
	e.updates(p, 500, 15, 5, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.c.Run(ctx)
	}()
	errc := make(chan error, 3)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if err := readPass(p.log); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	// Each round appends enough to roll a segment and waits for the
	// cleaner to swap in a new clean section under the readers.
	for round := range 10 {
		e.updates(p, 100, 15, 5, 0)
		deadline := time.Now().Add(20 * time.Second)
		for e.c.Stats().Cleanings <= int64(round) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: only %d cleanings", round, e.c.Stats().Cleanings)
			}
			time.Sleep(time.Millisecond)
		}
	}
	cancel()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	e.cleanAll()
	if n := len(readAll(t, p.log)); n > 15+int(p.log.LogEndOffset()-activeBase(t, p.log)) {
		t.Fatalf("%d records left", n)
	}
}

func activeBase(t *testing.T, l *storage.Log) int64 {
	t.Helper()
	refs, base, err := l.InactiveSegments()
	if err != nil {
		t.Fatal(err)
	}
	storage.ReleaseSegments(refs)
	return base
}

// readPass reads l from its start to its end, as a consumer would.
func readPass(l *storage.Log) error {
	next, prev := l.LogStartOffset(), int64(-1)
	end := l.EndOffsetMetadata()
	for next < end.Offset {
		res, err := l.Read(next, 4096, end, true)
		if err != nil {
			return err
		}
		data, err := res.Slice.AppendTo(nil)
		res.Slice.Release()
		if err != nil {
			return err
		}
		if len(data) == 0 {
			return nil // compaction emptied the rest below end
		}
		for len(data) > 0 {
			n, err := checkBatch(data, prev)
			if err != nil {
				return fmt.Errorf("read at %d: %w", next, err)
			}
			prev, next = n.last, n.next
			data = data[n.size:]
		}
	}
	return nil
}

type batchInfo struct {
	last, next int64
	size       int
}

// checkBatch checks the batch that starts data: whole, good CRC, after
// prev, each value at its offset.
func checkBatch(data []byte, prev int64) (batchInfo, error) {
	b, _, err := record.Peek(data)
	if err != nil {
		return batchInfo{}, err
	}
	if b.CRC() != b.ComputeCRC() {
		return batchInfo{}, fmt.Errorf("batch at %d: bad CRC", b.BaseOffset())
	}
	if b.LastOffset() <= prev {
		return batchInfo{}, fmt.Errorf("batch [%d, %d] after %d", b.BaseOffset(), b.LastOffset(), prev)
	}
	for r, err := range b.All(0) {
		if err != nil {
			return batchInfo{}, err
		}
		if want := fmt.Sprintf("%s@%d", r.Key, r.Offset); r.Value != nil && string(r.Value) != want {
			return batchInfo{}, fmt.Errorf("record at %d holds %q", r.Offset, r.Value)
		}
	}
	return batchInfo{last: b.LastOffset(), next: b.NextOffset(), size: len(b)}, nil
}
