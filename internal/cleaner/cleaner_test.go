package cleaner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

func TestCompactionKeepsLatestValuesAtTheirOffsets(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	e.updates(p, 2000, 20, 10, 0)
	roll(t, p)
	before := readAll(t, p.log)
	sizeBefore, segsBefore, end := p.log.Size(), p.log.NumSegments(), p.log.LogEndOffset()

	if cleaned, err := e.c.CleanOnce(context.Background()); !cleaned || err != nil {
		t.Fatalf("cleaned %v, %v", cleaned, err)
	}
	if r := e.c.Stats().MaxDirtyRatio; r != 1 {
		t.Fatalf("max dirty ratio %v, want 1 (never cleaned)", r)
	}
	if n := e.cleanAll(); n != 0 {
		t.Fatalf("%d more cleanings, want none", n)
	}
	after := readAll(t, p.log)
	checkValues(t, after)
	if len(after) != 20 {
		t.Fatalf("%d records after compaction, want one per key (20)", len(after))
	}
	want := latest(before)
	for _, r := range after {
		if want[r.key] != r {
			t.Fatalf("key %s: read %v, latest was %v", r.key, r, want[r.key])
		}
	}
	if p.log.LogEndOffset() != end || p.log.LogStartOffset() != 0 {
		t.Fatalf("log range moved to [%d, %d)", p.log.LogStartOffset(), p.log.LogEndOffset())
	}
	if p.log.Size() >= sizeBefore/10 || p.log.NumSegments() >= segsBefore {
		t.Fatalf("log did not shrink: %d bytes in %d segments (from %d in %d)", p.log.Size(), p.log.NumSegments(), sizeBefore, segsBefore)
	}
	if ck, ok := e.c.Checkpoint(p.tp(), p.log); !ok || ck != end {
		t.Fatalf("checkpoint %d %v, want %d", ck, ok, end)
	}
	s := e.c.Stats()
	if s.Cleanings != 1 || s.BytesRead == 0 || s.BytesWritten == 0 || s.MessagesWritten != 20 || s.MaxDirtyRatio != 0 {
		t.Fatalf("stats %+v", s)
	}
	// New appends never reuse an offset.
	e.updates(p, 1, 20, 1, 0)
	if got := readAll(t, p.log); got[len(got)-1].offset != end {
		t.Fatalf("next record at %d, want %d", got[len(got)-1].offset, end)
	}
}

func TestCleaningAgainMergesCleanAndDirtySections(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	for round := range 4 {
		e.updates(p, 500, 30, 5, 0)
		roll(t, p)
		if n := e.cleanAll(); n != 1 {
			t.Fatalf("round %d: %d cleanings", round, n)
		}
		after := readAll(t, p.log)
		checkValues(t, after)
		if len(after) != 30 {
			t.Fatalf("round %d: %d records, want 30", round, len(after))
		}
	}
	if n := p.log.NumSegments(); n > 3 {
		t.Errorf("%d segments: small cleaned segments were not merged", n)
	}
}

func TestNothingToCleanBelowTheDirtyRatio(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", map[string]string{"min.cleanable.dirty.ratio": "0.5"})
	e.updates(p, 500, 400, 5, 0)
	roll(t, p)
	e.cleanAll()
	e.updates(p, 20, 400, 5, 0) // a little dirt over a large clean section
	roll(t, p)
	if n := e.cleanAll(); n != 0 {
		t.Fatalf("cleaned a log below min.cleanable.dirty.ratio (ratio %v)", e.c.Stats().MaxDirtyRatio)
	}
	if r := e.c.Stats().MaxDirtyRatio; r <= 0 || r >= 0.5 {
		t.Fatalf("max dirty ratio %v", r)
	}
}

func TestTheActiveSegmentAndTheStableOffsetBoundCleaning(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	e.updates(p, 600, 5, 5, 0)
	if err := p.log.Flush(); err != nil {
		t.Fatal(err)
	}
	// Not rolled: everything is in segments below the active one except
	// the tail; the last stable offset holds cleaning further back.
	refs, activeBase, err := p.log.InactiveSegments()
	if err != nil || len(refs) < 4 {
		t.Fatalf("%d inactive segments, %v", len(refs), err)
	}
	p.lso = refs[2].BaseOffset() + 1 // inside the third segment
	storage.ReleaseSegments(refs)
	e.cleanAll()
	ck, _ := e.c.Checkpoint(p.tp(), p.log)
	if want := refs[2].BaseOffset(); ck != want {
		t.Fatalf("cleaned up to %d, want the base of the segment holding the stable offset, %d", ck, want)
	}
	// Above the checkpoint nothing was touched.
	var above int
	for _, r := range readAll(t, p.log) {
		if r.offset >= ck {
			above++
		}
	}
	if above != int(p.log.LogEndOffset()-ck) {
		t.Fatalf("%d records above the checkpoint, want all %d", above, p.log.LogEndOffset()-ck)
	}
	p.lso = -1
	e.cleanAll()
	if ck, _ := e.c.Checkpoint(p.tp(), p.log); ck != activeBase {
		t.Fatalf("cleaned up to %d, want the active segment's base %d", ck, activeBase)
	}
	after := readAll(t, p.log)
	checkValues(t, after)
	// The active segment was not touched: its duplicates remain.
	var inActive int
	for _, r := range after {
		if r.offset >= activeBase {
			inActive++
		}
	}
	if inActive != int(p.log.LogEndOffset()-activeBase) {
		t.Fatalf("%d records in the active segment, want %d", inActive, p.log.LogEndOffset()-activeBase)
	}
}

func TestTombstonesStayForDeleteRetentionThenGo(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", map[string]string{"delete.retention.ms": "3600000"})
	e.put(p, 0, rec{key: "gone", value: "v1"}, rec{key: "kept", value: "v1"})
	e.put(p, 0, rec{key: "gone", tombstone: true})
	roll(t, p)
	e.cleanAll()
	got := latest(readAll(t, p.log))
	if r, ok := got["gone"]; !ok || !r.tombstone || len(readAll(t, p.log)) != 2 {
		t.Fatalf("after the first cleaning: %v", readAll(t, p.log))
	}
	horizon := tombstoneHorizon(t, p.log)
	if want := e.clock.Now().UnixMilli() + 3600000; horizon != want {
		t.Fatalf("delete horizon %d, want %d", horizon, want)
	}

	// Within delete.retention.ms a later cleaning keeps it.
	e.clock.Advance(30 * time.Minute)
	e.updates(p, 10, 2, 5, 0)
	roll(t, p)
	e.cleanAll()
	if r, ok := latest(readAll(t, p.log))["gone"]; !ok || !r.tombstone {
		t.Fatalf("tombstone removed before its horizon: %v", readAll(t, p.log))
	}
	if h := tombstoneHorizon(t, p.log); h != horizon {
		t.Fatalf("horizon moved from %d to %d", horizon, h)
	}

	// Past it, the next cleaning removes it.
	e.clock.Advance(31 * time.Minute)
	e.updates(p, 10, 2, 5, 0)
	roll(t, p)
	e.cleanAll()
	after := readAll(t, p.log)
	if _, ok := latest(after)["gone"]; ok {
		t.Fatalf("tombstone still there past delete.retention.ms: %v", after)
	}
	if r := latest(after)["kept"]; r.value != "v1" {
		t.Fatalf("kept: %v", r)
	}
}

// tombstoneHorizon returns the delete horizon of the batch holding a
// tombstone.
func tombstoneHorizon(t *testing.T, l *storage.Log) int64 {
	t.Helper()
	horizon := int64(-1)
	err := l.Batches(0, func(b record.Batch) error {
		for r, err := range b.All(0) {
			if err != nil {
				return err
			}
			if r.Value == nil {
				if !b.HasDeleteHorizon() {
					return fmt.Errorf("tombstone at %d in a batch without a delete horizon", r.Offset)
				}
				horizon = b.FirstTimestamp()
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return horizon
}

func TestMinCompactionLagKeepsRecentRecords(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", map[string]string{"min.compaction.lag.ms": "3600000"})
	old := e.clock.Now().Add(-2 * time.Hour).UnixMilli()
	e.updates(p, 200, 5, 5, old)
	roll(t, p)
	recentBase := p.log.LogEndOffset()
	e.updates(p, 200, 5, 5, 0)
	roll(t, p)
	e.cleanAll()
	if ck, _ := e.c.Checkpoint(p.tp(), p.log); ck != recentBase {
		t.Fatalf("cleaned up to %d, want the first recent segment %d", ck, recentBase)
	}
	var recent int
	for _, r := range readAll(t, p.log) {
		if r.offset >= recentBase {
			recent++
		}
	}
	if recent != 200 {
		t.Fatalf("%d recent records left, want all 200", recent)
	}
	// Once they are old enough, they go too.
	e.clock.Advance(2 * time.Hour)
	e.cleanAll()
	if n := len(readAll(t, p.log)); n != 5 {
		t.Fatalf("%d records, want 5", n)
	}
}

func TestMaxCompactionLagForcesCleaningBelowTheRatio(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", map[string]string{"min.cleanable.dirty.ratio": "0.9", "max.compaction.lag.ms": "3600000"})
	e.updates(p, 600, 500, 5, 0)
	roll(t, p)
	e.cleanAll()
	e.updates(p, 10, 500, 5, 0) // keys k0..k9 again: a little dirt
	roll(t, p)
	if n := e.cleanAll(); n != 0 {
		t.Fatal("cleaned below min.cleanable.dirty.ratio")
	}
	e.clock.Advance(61 * time.Minute)
	if cleaned, err := e.c.CleanOnce(context.Background()); !cleaned || err != nil {
		t.Fatalf("past max.compaction.lag.ms: cleaned %v, %v", cleaned, err)
	}
	if d := e.c.Stats().MaxCompactionDelay; d != time.Minute {
		t.Fatalf("max compaction delay %v, want 1m", d)
	}
	if n := len(readAll(t, p.log)); n != 500 {
		t.Fatalf("%d records, want 500", n)
	}
}

func TestCompactDeleteAlsoAppliesRetention(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", map[string]string{"cleanup.policy": "compact,delete", "retention.ms": "3600000"})
	old := e.clock.Now().Add(-2 * time.Hour).UnixMilli()
	// A key written once keeps the first segment's records old. (An
	// emptied first segment would be aged by its file's time, which these
	// tests do not fake.)
	e.put(p, old, rec{key: "once", value: "x"})
	e.updates(p, 300, 50, 5, old)
	roll(t, p)
	e.cleanAll()
	oldEnd := p.log.LogEndOffset()
	e.updates(p, 300, 50, 5, 0)
	roll(t, p)
	if n, err := p.log.ApplyRetention(e.clock.Now(), p.log.LogEndOffset()); err != nil || n == 0 {
		t.Fatalf("retention deleted %d segments: %v", n, err)
	}
	if start := p.log.LogStartOffset(); start < oldEnd {
		t.Fatalf("log start %d: the expired records are still there", start)
	}
	// The checkpoint fell below the log start: cleaning restarts there.
	e.cleanAll()
	after := readAll(t, p.log)
	checkValues(t, after)
	if len(after) != 50 {
		t.Fatalf("%d records, want 50", len(after))
	}
	for _, r := range after {
		if r.offset < oldEnd {
			t.Fatalf("expired record %v survived", r)
		}
	}
}

func TestOffsetMapTooSmallCleansAPrefix(t *testing.T) {
	cfg := testConfig()
	cfg.DedupeBufferSize = 100 * entrySize // 90 keys
	e := newEnv(t, cfg)
	p := e.addPartition("orders", nil)
	e.updates(p, 1000, 300, 10, 0)
	roll(t, p)
	end := p.log.LogEndOffset()
	if cleaned, err := e.c.CleanOnce(context.Background()); !cleaned || err != nil {
		t.Fatalf("cleaned %v: %v", cleaned, err)
	}
	ck, _ := e.c.Checkpoint(p.tp(), p.log)
	if ck <= 0 || ck >= end {
		t.Fatalf("checkpoint %d: want a prefix of [0, %d)", ck, end)
	}
	if u := e.c.Stats().MaxBufferUtilization; u != 0.9 {
		t.Fatalf("buffer utilization %v", u)
	}
	checkValues(t, readAll(t, p.log))
	e.cleanAll()
	after := readAll(t, p.log)
	checkValues(t, after)
	if len(after) != 300 {
		t.Fatalf("%d records, want 300", len(after))
	}
}

func TestEmptiedSegmentsAreDeleted(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	e.put(p, 0, rec{key: "first", value: "x"})
	e.updates(p, 1000, 10, 10, 0)
	roll(t, p)
	before := p.log.NumSegments()
	e.cleanAll()
	// Left: the first segment (its record stays), the last cleaned one (the
	// latest values) and the active one; the emptied ones between are gone.
	segs := p.log.Segments()
	if len(segs) != 3 || segs[0].BaseOffset != 0 || before < 10 {
		t.Fatalf("%d segments from %d: %+v", len(segs), before, segs)
	}
	if p.log.LogStartOffset() != 0 {
		t.Fatalf("log start %d", p.log.LogStartOffset())
	}
}

func TestKeylessRecordsDoNotStopTheCleaner(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	e.put(p, 0, rec{key: "", value: "no key"}, rec{key: "k", value: "v0"})
	e.put(p, 0, rec{key: "k", value: "v1"})
	roll(t, p)
	e.cleanAll()
	got := readAll(t, p.log)
	if len(got) != 1 || got[0].value != "v1" {
		t.Fatalf("after cleaning: %v", got)
	}
}

func TestProducersLastBatchSurvivesEmptied(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	bl := record.NewBuilder()
	bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = 7, 2, 40
	info := e.putBatch(p, bl, 0, rec{key: "a", value: "1"}, rec{key: "b", value: "1"})
	e.put(p, 0, rec{key: "a", value: "2"}, rec{key: "b", value: "2"})
	roll(t, p)
	p.producers = []producerstate.Entry{{ProducerID: 7, Epoch: 2,
		Batches: []producerstate.BatchMetadata{{FirstSeq: 40, LastSeq: 41, FirstOffset: info.FirstOffset, LastOffset: info.LastOffset}}}}
	e.cleanAll()
	var found bool
	err := p.log.Batches(0, func(b record.Batch) error {
		if b.ProducerID() != 7 {
			return nil
		}
		found = true
		if b.NumRecords() != 0 || b.BaseSequence() != 40 || b.LastSequence() != 41 || b.ProducerEpoch() != 2 ||
			b.BaseOffset() != info.FirstOffset || b.LastOffset() != info.LastOffset || b.MaxTimestamp() != e.clock.Now().UnixMilli() {
			return fmt.Errorf("producer batch kept as %d records, seq %d-%d, epoch %d, offsets %d-%d, max ts %d",
				b.NumRecords(), b.BaseSequence(), b.LastSequence(), b.ProducerEpoch(), b.BaseOffset(), b.LastOffset(), b.MaxTimestamp())
		}
		return nil
	})
	if err != nil || !found {
		t.Fatalf("producer's last batch: found %v, %v", found, err)
	}
	// A producer that moved on loses its old batches.
	p.producers = nil
	e.updates(p, 20, 2, 5, 0)
	roll(t, p)
	e.cleanAll()
	_ = p.log.Batches(0, func(b record.Batch) error {
		if b.ProducerID() == 7 {
			t.Error("an inactive producer's emptied batch was kept")
		}
		return nil
	})
}

func TestCleanedBatchesKeepTheirCodecAndAttributes(t *testing.T) {
	for _, codec := range []record.Codec{record.CodecGzip, record.CodecSnappy, record.CodecLZ4, record.CodecZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			e := newEnv(t, testConfig())
			p := e.addPartition("orders", nil)
			bl := record.NewBuilder()
			bl.Codec = codec
			bl.PartitionLeaderEpoch = 5
			bl.TimestampType, bl.AppendTime = record.LogAppendTime, 12345
			e.putBatch(p, bl, 0, rec{key: "a", value: "old"}, rec{key: "b", value: "kept"}, rec{key: "c", value: "kept"})
			e.put(p, 0, rec{key: "a", value: "new"})
			roll(t, p)
			e.cleanAll()
			var first record.Batch
			_ = p.log.Batches(0, func(b record.Batch) error {
				if first == nil {
					first = append(record.Batch(nil), b...)
				}
				return nil
			})
			if first.Codec() != codec || first.NumRecords() != 2 || first.BaseOffset() != 0 || first.LastOffset() != 2 ||
				first.PartitionLeaderEpoch() != 5 || !first.LogAppendTime() || first.MaxTimestamp() != 12345 {
				t.Fatalf("rebuilt batch: codec %v, %d records, offsets %d-%d, epoch %d, log append time %v %d",
					first.Codec(), first.NumRecords(), first.BaseOffset(), first.LastOffset(), first.PartitionLeaderEpoch(),
					first.LogAppendTime(), first.MaxTimestamp())
			}
			got := readAll(t, p.log)
			if len(got) != 3 || got[0].offset != 1 || got[1].offset != 2 || got[2].value != "new" {
				t.Fatalf("read back %v", got)
			}
		})
	}
}

func TestAbortAndPauseStopsACleaning(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	e.updates(p, 500, 10, 5, 0)
	roll(t, p)
	entered, release := make(chan struct{}), make(chan struct{})
	e.c.stopAt = func(step string) error {
		if step == "offset map built" {
			close(entered)
			<-release
		}
		return nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.c.CleanOnce(context.Background())
		done <- err
	}()
	<-entered
	paused := make(chan struct{})
	go func() {
		e.c.AbortAndPause(p.tp())
		close(paused)
	}()
	// AbortAndPause waits for the cleaning to notice.
	waitBlocked(t, paused)
	close(release)
	<-paused
	if err := <-done; !errors.Is(err, errAborted) {
		t.Fatalf("aborted cleaning returned %v", err)
	}
	e.c.stopAt = nil
	if _, ok := e.c.Checkpoint(p.tp(), p.log); ok {
		t.Fatal("an aborted cleaning moved the checkpoint")
	}
	if n := e.cleanAll(); n != 0 {
		t.Fatal("a paused partition was cleaned")
	}
	e.c.Resume(p.tp())
	if n := e.cleanAll(); n != 1 {
		t.Fatalf("%d cleanings after Resume", n)
	}
	if s := e.c.Stats(); s.UncleanablePartitions != 0 {
		t.Fatalf("an aborted partition became uncleanable")
	}
}

// waitBlocked checks that ch stays open while the scheduler runs other
// goroutines a while.
func waitBlocked(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	for range 100 {
		select {
		case <-ch:
			t.Fatal("did not wait")
		default:
		}
		time.Sleep(0) // yield only
	}
}

func TestForgetDropsStateAndCheckpoint(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	q := e.addPartition("users", nil)
	e.updates(p, 100, 10, 5, 0)
	e.updates(q, 100, 10, 5, 0)
	roll(t, p)
	roll(t, q)
	e.cleanAll()
	e.c.AbortAndPause(p.tp())
	if err := e.c.Forget(p.tp()); err != nil {
		t.Fatal(err)
	}
	m, err := storage.ReadOffsetCheckpoint(e.dir + "/" + CheckpointFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m[p.tp()]; ok || m[q.tp()] != q.log.LogEndOffset() {
		t.Fatalf("checkpoint file after Forget: %v", m)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	e := newEnv(t, testConfig())
	var parts []*fakePartition
	for i := range 3 {
		p := e.addPartition("t"+strconv.Itoa(i), nil)
		e.updates(p, 50*(i+1), 7, 5, 0)
		roll(t, p)
		parts = append(parts, p)
	}
	e.cleanAll()
	// The file is Kafka's offset checkpoint format.
	m, err := storage.ReadOffsetCheckpoint(e.dir + "/" + CheckpointFile)
	if err != nil || len(m) != 3 {
		t.Fatalf("checkpoint file: %v, %v", m, err)
	}
	// A new cleaner (a restart) reads it back and finds nothing to do.
	e.c = e.newCleaner()
	for _, p := range parts {
		if ck, ok := e.c.Checkpoint(p.tp(), p.log); !ok || ck != p.log.LogEndOffset() || m[p.tp()] != ck {
			t.Fatalf("%s: checkpoint %d %v after restart, file %d, want %d", p.topic, ck, ok, m[p.tp()], p.log.LogEndOffset())
		}
	}
	if n := e.cleanAll(); n != 0 {
		t.Fatalf("%d cleanings after a restart with nothing dirty", n)
	}
	// Truncation lowers it.
	if err := e.c.TruncateCheckpoint(parts[0].tp(), parts[0].log, 10); err != nil {
		t.Fatal(err)
	}
	if ck, _ := e.c.Checkpoint(parts[0].tp(), parts[0].log); ck != 10 {
		t.Fatalf("checkpoint %d after truncation, want 10", ck)
	}
	// A checkpoint past the log end (a lost tail) restarts from the start.
	if err := e.c.ckpt.set(e.dir, parts[1].tp(), 1<<40); err != nil {
		t.Fatal(err)
	}
	e.cleanAll()
	if ck, _ := e.c.Checkpoint(parts[1].tp(), parts[1].log); ck != parts[1].log.LogEndOffset() {
		t.Fatalf("checkpoint %d", ck)
	}
}

func TestNonCompactedTopicsAreLeftAlone(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", map[string]string{"cleanup.policy": "delete"})
	e.updates(p, 200, 5, 5, 0)
	roll(t, p)
	if n := e.cleanAll(); n != 0 {
		t.Fatal("cleaned a delete-only topic")
	}
}

func TestRunCleansInTheBackground(t *testing.T) {
	cfg := testConfig()
	cfg.Threads = 2
	e := newEnv(t, cfg)
	var parts []*fakePartition
	for i := range 4 {
		p := e.addPartition("t"+strconv.Itoa(i), nil)
		e.updates(p, 400, 10, 10, 0)
		roll(t, p)
		parts = append(parts, p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() {
		e.c.Run(ctx)
		close(stopped)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for e.c.Stats().Cleanings < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", e.c.Stats())
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-stopped
	for _, p := range parts {
		if n := len(readAll(t, p.log)); n != 10 {
			t.Fatalf("%s: %d records", p.topic, n)
		}
	}
}

func TestUnflushedSegmentsWaitForTheirFlush(t *testing.T) {
	e := newEnv(t, testConfig())
	p := e.addPartition("orders", nil)
	e.updates(p, 50, 5, 5, 0) // one segment
	if err := p.log.Roll(); err != nil {
		t.Fatal(err)
	}
	if n := e.cleanAll(); n != 0 {
		t.Fatal("cleaned segments that were not flushed")
	}
	if err := p.log.Flush(); err != nil {
		t.Fatal(err)
	}
	if n := e.cleanAll(); n != 1 {
		t.Fatalf("%d cleanings after the flush", n)
	}
}
