package broker_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/testcluster"
)

func ctxFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// produceAll sends n keyed records with headers and waits for every
// acknowledgement.
func produceAll(t *testing.T, cl *kgo.Client, topic string, n int) {
	t.Helper()
	ctx := ctxFor(t, 30*time.Second)
	var recs []*kgo.Record
	for i := range n {
		recs = append(recs, &kgo.Record{
			Topic:   topic,
			Key:     fmt.Appendf(nil, "key-%d", i%17),
			Value:   fmt.Appendf(nil, "value-%d", i),
			Headers: []kgo.RecordHeader{{Key: "i", Value: fmt.Appendf(nil, "%d", i)}},
		})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// consumeAll reads n records of topic from the start and checks that each
// value appears once, in order within its partition.
func consumeAll(t *testing.T, node *testcluster.Node, topic string, n int) {
	t.Helper()
	cl := node.Client(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx := ctxFor(t, 30*time.Second)
	seen := map[string]bool{}
	lastOffset := map[int32]int64{}
	for len(seen) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(seen), n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			if seen[v] {
				t.Fatalf("record %q consumed twice", v)
			}
			seen[v] = true
			if last, ok := lastOffset[r.Partition]; ok && r.Offset != last+1 {
				t.Fatalf("partition %d: offset %d follows %d", r.Partition, r.Offset, last)
			}
			lastOffset[r.Partition] = r.Offset
			if len(r.Headers) != 1 || r.Headers[0].Key != "i" || "value-"+string(r.Headers[0].Value) != v {
				t.Fatalf("record %q has headers %v", v, r.Headers)
			}
		})
	}
}

func TestProduceConsumeEveryCodec(t *testing.T) {
	node := testcluster.Start(t, map[string]string{"num.partitions": "3"})
	codecs := map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}
	for name, codec := range codecs {
		t.Run(name, func(t *testing.T) {
			topic := "codec-" + name
			cl := node.Client(kgo.ProducerBatchCompression(codec), kgo.AllowAutoTopicCreation())
			produceAll(t, cl, topic, 2000)
			consumeAll(t, node, topic, 2000)
		})
	}
}

func TestAcksOneAndZero(t *testing.T) {
	node := testcluster.Start(t, nil)
	for i, acks := range []kgo.Acks{kgo.LeaderAck(), kgo.NoAck()} {
		topic := fmt.Sprintf("acks-%d", i)
		cl := node.Client(kgo.RequiredAcks(acks), kgo.DisableIdempotentWrite(), kgo.AllowAutoTopicCreation())
		produceAll(t, cl, topic, 500)
		consumeAll(t, node, topic, 500)
	}
}

func TestRestartKeepsData(t *testing.T) {
	node := testcluster.Start(t, map[string]string{"num.partitions": "2"})
	produceAll(t, node.Client(kgo.AllowAutoTopicCreation()), "durable", 1000)
	node.Restart()
	consumeAll(t, node, "durable", 1000)
	// The log continues where it left off.
	produceAll(t, node.Client(), "durable", 10)
	end, err := node.Admin().ListEndOffsets(ctxFor(t, 10*time.Second), "durable")
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	end.Each(func(o kadm.ListedOffset) { total += o.Offset })
	if total != 1010 {
		t.Fatalf("end offsets add up to %d, want 1010", total)
	}
}

func TestFetchWaitsForData(t *testing.T) {
	node := testcluster.Start(t, nil)
	consumer := node.Client(kgo.ConsumeTopics("waiting"), kgo.FetchMaxWait(5*time.Second), kgo.AllowAutoTopicCreation())
	got := make(chan *kgo.Record, 1)
	go func() {
		fs := consumer.PollFetches(ctxFor(t, 20*time.Second))
		if r := fs.Records(); len(r) > 0 {
			got <- r[0]
		}
		close(got)
	}()
	// Let the consumer reach its long poll before producing; if it gets
	// there late, it reads the record without waiting, and the test still
	// checks the round trip.
	time.Sleep(300 * time.Millisecond)
	if err := node.Client().ProduceSync(ctxFor(t, 10*time.Second), &kgo.Record{Topic: "waiting", Value: []byte("wake")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	r, ok := <-got
	if !ok || string(r.Value) != "wake" {
		t.Fatalf("long-polling consumer got %v", r)
	}
}

func TestStartFailureReleasesEverything(t *testing.T) {
	node := testcluster.Start(t, nil)
	// A second node on the same directory and port must fail to start,
	// cleanly, and leave the first one working.
	props := maps.Clone(node.Props)
	cfg, _, err := config.Parse(props)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := broker.Start(ctxFor(t, 10*time.Second), cfg, testcluster.Logger()); err == nil {
		b.Close()
		t.Fatal("a second broker started on the same directory")
	}
	produceAll(t, node.Client(kgo.AllowAutoTopicCreation()), "still-fine", 10)
}
