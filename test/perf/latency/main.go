// Command latency measures end-to-end latency through a broker: a producer
// sends records at a fixed rate, each carrying its send time, and a
// consumer on the same machine reports how long each took to arrive.
//
//	go run ./test/perf/latency -bootstrap 127.0.0.1:9092 -topic lat -rate 10000 -duration 30s
//
// It prints the count and the 50th, 90th, 99th, 99.9th percentiles and the
// maximum in milliseconds. Records are 1 KiB by default.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

func run() error {
	bootstrap := flag.String("bootstrap", "127.0.0.1:9092", "broker address")
	topic := flag.String("topic", "latency", "topic (created with -partitions if missing)")
	partitions := flag.Int("partitions", 1, "partitions of a created topic")
	rate := flag.Int("rate", 10000, "records per second")
	size := flag.Int("size", 1024, "record size in bytes (at least 8)")
	duration := flag.Duration("duration", 20*time.Second, "how long to produce")
	acks := flag.String("acks", "all", "acks: all or 1")
	flag.Parse()
	if *size < 8 {
		return fmt.Errorf("-size must be at least 8")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *duration+30*time.Second)
	defer cancel()
	if err := ensureTopic(ctx, *bootstrap, *topic, *partitions); err != nil {
		return err
	}
	consumer, err := kgo.NewClient(kgo.SeedBrokers(*bootstrap), kgo.ConsumeTopics(*topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()), kgo.FetchMaxWait(time.Second))
	if err != nil {
		return err
	}
	defer consumer.Close()
	// Let the consumer find the end of the log before producing.
	warmup, stopWarmup := context.WithTimeout(ctx, 500*time.Millisecond)
	consumer.PollFetches(warmup)
	stopWarmup()

	producerOpts := []kgo.Opt{kgo.SeedBrokers(*bootstrap), kgo.ProducerLinger(0)}
	if *acks == "1" {
		producerOpts = append(producerOpts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	}
	producer, err := kgo.NewClient(producerOpts...)
	if err != nil {
		return err
	}
	defer producer.Close()

	total := int(duration.Seconds() * float64(*rate))
	go send(ctx, producer, *topic, *rate, *size, total)
	lat := make([]time.Duration, 0, total)
	for len(lat) < total && ctx.Err() == nil {
		fs := consumer.PollFetches(ctx)
		now := time.Now()
		fs.EachError(func(t string, p int32, err error) { fmt.Fprintf(os.Stderr, "fetch %s[%d]: %v\n", t, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			sent := time.Unix(0, int64(binary.BigEndian.Uint64(r.Value)))
			lat = append(lat, now.Sub(sent))
		})
	}
	report(lat)
	return nil
}

// send produces total records at rate per second, pacing by a ticker of
// 1 ms so that records go out evenly rather than in bursts.
func send(ctx context.Context, cl *kgo.Client, topic string, rate, size, total int) {
	value := make([]byte, size)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	sent := 0
	for sent < total {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		due := int(time.Since(start).Seconds() * float64(rate))
		for ; sent < due && sent < total; sent++ {
			v := make([]byte, size)
			copy(v, value)
			binary.BigEndian.PutUint64(v, uint64(time.Now().UnixNano()))
			cl.Produce(ctx, &kgo.Record{Topic: topic, Value: v}, func(_ *kgo.Record, err error) {
				if err != nil {
					fmt.Fprintln(os.Stderr, "produce:", err)
				}
			})
		}
	}
}

func ensureTopic(ctx context.Context, bootstrap, topic string, partitions int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, int32(partitions), 1, nil, topic)
	if err != nil && resp.Err == nil {
		return err
	}
	return nil
}

func report(lat []time.Duration) {
	if len(lat) == 0 {
		fmt.Println("no records received")
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	fmt.Printf("records %d  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms\n",
		len(lat), pct(0.50), pct(0.90), pct(0.99), pct(0.999), float64(lat[len(lat)-1])/float64(time.Millisecond))
}
