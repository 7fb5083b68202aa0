package broker_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// TestCompactedTopicKeepsLatestValues produces many updates per key to a
// compacted topic with franz-go's (idempotent) producer, waits for the log
// cleaner to shrink the log, and checks that a consumer reading from the
// start sees every key's latest value exactly once, at the offset it was
// produced at, before and after a restart.
func TestCompactedTopicKeepsLatestValues(t *testing.T) {
	node := testcluster.Start(t, map[string]string{
		"log.cleaner.backoff.ms":         "20",
		"log.cleaner.dedupe.buffer.size": strconv.Itoa(4 << 20),
	})
	const topic, keys, rounds = "compacted", 50, 20
	// Each round's records are 2 s younger than the last, so with
	// segment.ms=1000 each round rolls a segment of its own.
	node.CreateTopic(topic, 1, map[string]string{
		"cleanup.policy": "compact", "segment.ms": "1000", "min.cleanable.dirty.ratio": "0.01",
		"file.delete.delay.ms": "0",
	})
	cl := node.Client(kgo.DefaultProduceTopic(topic), kgo.ProducerLinger(0), kgo.ProducerBatchCompression(kgo.NoCompression()))
	ctx := testcluster.Context(t, 30*time.Second)
	base := time.Now().Add(-time.Hour)
	want := map[string]int64{} // key -> offset of its latest value
	for r := range rounds {
		var recs []*kgo.Record
		for k := range keys {
			recs = append(recs, &kgo.Record{Key: fmt.Appendf(nil, "key-%02d", k), Value: make([]byte, 200),
				Timestamp: base.Add(time.Duration(2*r) * time.Second)})
		}
		res, err := cl.ProduceSync(ctx, recs...).First()
		if err != nil {
			t.Fatalf("produce round %d: %v", r, err)
		}
		for i, rec := range recs {
			want[string(rec.Key)] = res.Offset + int64(i)
		}
	}
	// A last record, much younger, rolls the last round's segment: every
	// update becomes cleanable.
	if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte("end"), Timestamp: base.Add(time.Minute)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	_, end := offsets(t, node, topic)
	if end != keys*rounds+1 {
		t.Fatalf("log end %d after %d records", end, keys*rounds+1)
	}
	// The cleaner works while the rounds arrive; at the end one round's
	// worth of values is left (the latest), in one segment before the
	// active one.
	const produced = keys * rounds * 200
	testcluster.CheckFor(t, 30*time.Second, func() error {
		if size, segs := logSize(t, node, topic), node.Segments(topic, 0); size > produced/rounds*3/2 || len(segs) > 2 {
			return fmt.Errorf("log of %d bytes (%d produced) in segments %v", size, produced, segs)
		}
		return nil
	})
	t.Logf("compaction left %d bytes of %d produced; segments %v", logSize(t, node, topic), produced, node.Segments(topic, 0))

	checkLatest(t, node, topic, want, end)
	node.Restart()
	checkLatest(t, node, topic, want, end)
	if start, e := offsets(t, node, topic); start != 0 || e != end {
		t.Fatalf("log range [%d, %d) after compaction, want [0, %d)", start, e, end)
	}
}

// checkLatest consumes topic from the start to end and checks that each
// key of want appears once, at its latest offset, with the end record last.
func checkLatest(t *testing.T, node *testcluster.Node, topic string, want map[string]int64, end int64) {
	t.Helper()
	cl := node.Client(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}))
	ctx := testcluster.Context(t, 20*time.Second)
	seen := map[string]int64{}
	last := int64(-1)
	for last < end-1 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed up to offset %d of %d: %v", last, end, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset <= last {
				t.Fatalf("offset %d after %d", r.Offset, last)
			}
			last = r.Offset
			if string(r.Key) == "end" {
				return
			}
			if at, dup := seen[string(r.Key)]; dup {
				t.Fatalf("key %s at offsets %d and %d", r.Key, at, r.Offset)
			}
			seen[string(r.Key)] = r.Offset
		})
	}
	if len(seen) != len(want) {
		t.Fatalf("read %d keys, want %d", len(seen), len(want))
	}
	for k, off := range want {
		if seen[k] != off {
			t.Fatalf("key %s read at offset %d, its latest value is at %d", k, seen[k], off)
		}
	}
}
