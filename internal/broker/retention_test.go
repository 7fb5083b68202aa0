package broker_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

const (
	mib = 1 << 20
	// retainedValue is the size of the records these tests write: a 1 MiB
	// segment (the smallest segment.bytes allows) holds about a hundred.
	retainedValue = 10_000
)

// startRetentionNode runs a node that checks retention every 100 ms.
func startRetentionNode(t *testing.T) *testcluster.Node {
	return testcluster.Start(t, map[string]string{"log.retention.check.interval.ms": "100"})
}

// produceSized writes records first..first+n-1 to partition 0 of topic,
// each retainedValue bytes, its number in its first digits and in its key,
// stamped ts (now when zero). Batches stay small, so segments fill evenly.
func produceSized(t *testing.T, node *testcluster.Node, topic string, first, n int, ts time.Time) {
	t.Helper()
	cl := node.Client(kgo.ProducerBatchMaxBytes(64<<10), kgo.ProducerBatchCompression(kgo.NoCompression()))
	var recs []*kgo.Record
	for i := first; i < first+n; i++ {
		v := make([]byte, retainedValue)
		copy(v, fmt.Appendf(nil, "%08d|", i))
		recs = append(recs, &kgo.Record{Topic: topic, Key: []byte(strconv.Itoa(i)), Value: v, Timestamp: ts})
	}
	if err := cl.ProduceSync(testcluster.Context(t, 30*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
}

// recordNumber is the number produceSized wrote into a record.
func recordNumber(t *testing.T, r *kgo.Record) int64 {
	t.Helper()
	n, err := strconv.ParseInt(string(r.Key), 10, 64)
	if err != nil || string(r.Value[:9]) != fmt.Sprintf("%08d|", n) {
		t.Fatalf("%s[%d]@%d: key %q does not match value %q", r.Topic, r.Partition, r.Offset, r.Key, r.Value[:9])
	}
	return n
}

// offsets returns partition 0's log start and end offsets.
func offsets(t *testing.T, node *testcluster.Node, topic string) (start, end int64) {
	t.Helper()
	adm := node.Admin()
	ctx := testcluster.Context(t, 10*time.Second)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		t.Fatalf("list start offsets: %v", err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	s, _ := starts.Lookup(topic, 0)
	e, _ := ends.Lookup(topic, 0)
	return s.Offset, e.Offset
}

// logSize is partition 0's size as DescribeLogDirs reports it.
func logSize(t *testing.T, node *testcluster.Node, topic string) int64 {
	t.Helper()
	dirs, err := node.Admin().DescribeAllLogDirs(testcluster.Context(t, 10*time.Second), kadm.TopicsSet{topic: {0: {}}})
	if err != nil {
		t.Fatalf("describe log dirs: %v", err)
	}
	var size int64 = -1
	dirs.Each(func(d kadm.DescribedLogDir) {
		if d.Err != nil {
			t.Fatalf("describe log dir %s: %v", d.Dir, d.Err)
		}
		if p, ok := d.Topics.Lookup(topic, 0); ok {
			size = p.Size
		}
	})
	if size < 0 {
		t.Fatalf("no log dir reports %s-0", topic)
	}
	return size
}

// consumeFrom reads partition 0 of topic with a fresh consumer whose
// first fetch is at offset at, until the log end, and returns the offsets
// it saw; each record must hold the number of its offset.
func consumeFrom(t *testing.T, node *testcluster.Node, topic string, at kgo.Offset, reset kgo.Offset, end int64) []int64 {
	t.Helper()
	cl := node.Client(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: at}}),
		kgo.ConsumeResetOffset(reset),
	)
	ctx := testcluster.Context(t, 20*time.Second)
	var got []int64
	for len(got) == 0 || got[len(got)-1] < end-1 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed offsets up to %v of %d: %v", got[max(0, len(got)-1):], end, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if n := recordNumber(t, r); n != r.Offset {
				t.Fatalf("offset %d holds record %d", r.Offset, n)
			}
			got = append(got, r.Offset)
		})
	}
	return got
}

// checkContiguous asserts that offsets run from first to end-1 without gaps.
func checkContiguous(t *testing.T, offsets []int64, first, end int64) {
	t.Helper()
	if len(offsets) == 0 || offsets[0] != first {
		t.Fatalf("consumption began at %v, want offset %d", offsets[:min(1, len(offsets))], first)
	}
	for i, o := range offsets {
		if o != first+int64(i) {
			t.Fatalf("offset %d follows %d", o, offsets[i-1])
		}
	}
	if last := offsets[len(offsets)-1]; last != end-1 {
		t.Fatalf("consumption ended at %d, want %d", last, end-1)
	}
}

func TestRetentionBytesDeletesOldSegments(t *testing.T) {
	node := startRetentionNode(t)
	const topic, limit = "by-size", 2 * mib
	node.CreateTopic(topic, 1, map[string]string{
		"segment.bytes": strconv.Itoa(mib), "retention.bytes": strconv.Itoa(limit), "file.delete.delay.ms": "0",
	})
	const total = 600 // about six segments
	produceSized(t, node, topic, 0, total, time.Time{})

	var start, end int64
	testcluster.CheckFor(t, 10*time.Second, func() error {
		start, end = offsets(t, node, topic)
		segs := node.Segments(topic, 0)
		// Retention keeps at least retention.bytes, so it stops with one
		// segment's worth of slack above the limit at most.
		if size := logSize(t, node, topic); start == 0 || size > limit+mib || len(segs) > 4 {
			return fmt.Errorf("log start %d, size %d, segments on disk %v", start, size, segs)
		}
		if segs[0] != start {
			return fmt.Errorf("log start %d, but the first segment on disk begins at %d", start, segs[0])
		}
		return nil
	})
	if size := logSize(t, node, topic); size < limit || end != total {
		t.Fatalf("retention left %d bytes (limit %d) and log end %d (want %d)", size, limit, end, total)
	}
	t.Logf("retention.bytes moved the log start to %d; segments on disk %v", start, node.Segments(topic, 0))

	// A consumer from the earliest offset reads what is left.
	checkContiguous(t, consumeFrom(t, node, topic, kgo.NewOffset().AtStart(), kgo.NewOffset().AtStart(), end), start, end)
	// One asking for offset 0, gone now, is told OFFSET_OUT_OF_RANGE and
	// resets to the log start as its ConsumeResetOffset says.
	checkContiguous(t, consumeFrom(t, node, topic, kgo.NewOffset().At(0), kgo.NewOffset().AtStart(), end), start, end)
	// With no reset ("none"), the error reaches the application.
	checkOutOfRange(t, node, topic, 0)
}

// checkOutOfRange asserts that a fetch at offset, with no reset policy,
// fails with OFFSET_OUT_OF_RANGE.
func checkOutOfRange(t *testing.T, node *testcluster.Node, topic string, offset int64) {
	t.Helper()
	cl := node.Client(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().At(offset)}}),
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
	)
	ctx := testcluster.Context(t, 10*time.Second)
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("no OFFSET_OUT_OF_RANGE fetching %s at %d: %v", topic, offset, err)
		}
		if len(fs.Records()) > 0 {
			t.Fatalf("fetching %s at %d returned records from offset %d", topic, offset, fs.Records()[0].Offset)
		}
		var got error
		fs.EachError(func(_ string, _ int32, err error) { got = err })
		if errors.Is(got, kerr.OffsetOutOfRange) {
			return
		}
		if got != nil {
			t.Fatalf("fetching %s at %d: %v, want OFFSET_OUT_OF_RANGE", topic, offset, got)
		}
	}
}

func TestRetentionMsDeletesExpiredSegments(t *testing.T) {
	node := startRetentionNode(t)
	const topic = "by-time"
	node.CreateTopic(topic, 1, map[string]string{
		"segment.bytes": strconv.Itoa(mib), "retention.ms": "3600000", "file.delete.delay.ms": "0",
	})
	// 300 records stamped two hours ago fill about three segments past
	// retention.ms; the 300 after them are current.
	produceSized(t, node, topic, 0, 300, time.Now().Add(-2*time.Hour))
	produceSized(t, node, topic, 300, 300, time.Time{})

	var start, end int64
	testcluster.CheckFor(t, 10*time.Second, func() error {
		start, end = offsets(t, node, topic)
		segs := node.Segments(topic, 0)
		// Every segment wholly before offset 300 is expired; the one that
		// holds 300 has current records and stays.
		if len(segs) < 2 || segs[0] > 300 || segs[1] <= 300 || start != segs[0] || start == 0 {
			return fmt.Errorf("log start %d, segments on disk %v", start, segs)
		}
		return nil
	})
	t.Logf("retention.ms moved the log start to %d; segments on disk %v", start, node.Segments(topic, 0))
	checkContiguous(t, consumeFrom(t, node, topic, kgo.NewOffset().At(0), kgo.NewOffset().AtStart(), end), start, end)
}

func TestSegmentMsRollsByRecordTime(t *testing.T) {
	node := startRetentionNode(t)
	const topic = "by-age"
	node.CreateTopic(topic, 1, map[string]string{"segment.ms": "60000"})
	// A segment is as old as its newest batch's timestamp is past its first
	// batch's: batches stamped two minutes apart each start a segment.
	began := time.Now().Add(-time.Hour)
	for i := range 5 {
		produceSized(t, node, topic, i, 1, began.Add(time.Duration(i)*2*time.Minute))
	}
	// Records stamped within the minute share the last segment.
	produceSized(t, node, topic, 5, 3, began.Add(8*time.Minute+time.Second))
	if segs := node.Segments(topic, 0); fmt.Sprint(segs) != "[0 1 2 3 4]" {
		t.Fatalf("segments on disk %v, want [0 1 2 3 4]", segs)
	}
	_, end := offsets(t, node, topic)
	checkContiguous(t, consumeFrom(t, node, topic, kgo.NewOffset().AtStart(), kgo.NewOffset().AtStart(), end), 0, 8)
}

func TestDeleteRecordsMovesLogStart(t *testing.T) {
	node := startRetentionNode(t)
	const topic = "deleted"
	node.CreateTopic(topic, 1, map[string]string{"segment.bytes": strconv.Itoa(mib), "file.delete.delay.ms": "0"})
	const total = 600
	produceSized(t, node, topic, 0, total, time.Time{})
	segsBefore := node.Segments(topic, 0)

	// A consumer is reading from the start, one batch a fetch, when the
	// records under it are deleted.
	reader := node.Client(
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxPartitionBytes(1), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)
	var read []int64
	readRecords := func(until int64) {
		ctx := testcluster.Context(t, 20*time.Second)
		for len(read) == 0 || read[len(read)-1] < until {
			fs := reader.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				t.Fatalf("read up to offset %d: %v", until, err)
			}
			fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
			fs.EachRecord(func(r *kgo.Record) {
				recordNumber(t, r)
				read = append(read, r.Offset)
			})
		}
	}
	readRecords(0)

	deleteRecords(t, node, topic, 300, 300)
	if start, _ := offsets(t, node, topic); start != 300 {
		t.Fatalf("log start %d after deleting records before 300", start)
	}
	// Segments wholly below the new start go; the one holding 300 stays.
	testcluster.CheckFor(t, 10*time.Second, func() error {
		if segs := node.Segments(topic, 0); segs[0] > 300 || (len(segs) > 1 && segs[1] <= 300) {
			return fmt.Errorf("segments on disk %v, before DeleteRecords %v", segs, segsBefore)
		}
		return nil
	})

	// The reader finishes what it had fetched, is told OFFSET_OUT_OF_RANGE
	// at its next fetch, and resumes exactly at the new log start.
	readRecords(total - 1)
	jump := 0
	for jump < len(read) && read[jump] < 300 {
		jump++
	}
	if jump == len(read) || jump >= 100 {
		t.Fatalf("the reader read %d records below offset 300 before the deletion", jump)
	}
	t.Logf("the reader read offsets 0 to %d, then resumed at %d", read[jump-1], read[jump])
	checkContiguous(t, read[:jump], 0, read[jump-1]+1)
	checkContiguous(t, read[jump:], 300, total)

	// A new consumer from the earliest offset starts there too.
	checkContiguous(t, consumeFrom(t, node, topic, kgo.NewOffset().AtStart(), kgo.NewOffset().AtStart(), total), 300, total)

	// Past the high watermark is out of range; the log start never moves
	// back; -1 means "up to the high watermark".
	deleteRecordsFails(t, node, topic, total+1, kerr.OffsetOutOfRange)
	deleteRecords(t, node, topic, 100, 300)
	deleteRecords(t, node, topic, -1, total)
	if start, end := offsets(t, node, topic); start != total || end != total {
		t.Fatalf("after deleting every record the log spans [%d, %d), want [%d, %d)", start, end, total, total)
	}
	// The log start survives a restart, and the log goes on from there.
	node.Restart()
	if start, end := offsets(t, node, topic); start != total || end != total {
		t.Fatalf("after a restart the log spans [%d, %d), want [%d, %d)", start, end, total, total)
	}
	produceSized(t, node, topic, total, 1, time.Time{})
	checkContiguous(t, consumeFrom(t, node, topic, kgo.NewOffset().At(0), kgo.NewOffset().AtStart(), total+1), total, total+1)
}

func TestDeleteRecordsRefusedOnCompactedTopics(t *testing.T) {
	node := startRetentionNode(t)
	node.CreateTopic("compacted", 1, map[string]string{"cleanup.policy": "compact"})
	produceSized(t, node, "compacted", 0, 5, time.Time{})
	deleteRecordsFails(t, node, "compacted", 2, kerr.PolicyViolation)
}

// deleteRecords deletes partition 0's records before offset and checks the
// low watermark the broker answers.
func deleteRecords(t *testing.T, node *testcluster.Node, topic string, offset, wantLow int64) {
	t.Helper()
	resp := deleteRecordsResponse(t, node, topic, offset)
	if resp.Err != nil || resp.LowWatermark != wantLow {
		t.Fatalf("delete records of %s before %d: low watermark %d, err %v; want %d", topic, offset, resp.LowWatermark, resp.Err, wantLow)
	}
}

func deleteRecordsFails(t *testing.T, node *testcluster.Node, topic string, offset int64, want error) {
	t.Helper()
	if resp := deleteRecordsResponse(t, node, topic, offset); !errors.Is(resp.Err, want) {
		t.Fatalf("delete records of %s before %d: %v, want %v", topic, offset, resp.Err, want)
	}
}

func deleteRecordsResponse(t *testing.T, node *testcluster.Node, topic string, offset int64) kadm.DeleteRecordsResponse {
	t.Helper()
	var os kadm.Offsets
	os.Add(kadm.Offset{Topic: topic, Partition: 0, At: offset})
	resps, err := node.Admin().DeleteRecords(testcluster.Context(t, 10*time.Second), os)
	if err != nil {
		t.Fatalf("delete records: %v", err)
	}
	resp, ok := resps.Lookup(topic, 0)
	if !ok {
		t.Fatalf("no DeleteRecords answer for %s-0", topic)
	}
	return resp
}
