package replica_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/record"
)

// cpuSeconds is the process's user and total (user and system) CPU time
// so far.
func cpuSeconds(b *testing.B) (user, total float64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano()).Seconds(), time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkFollowerFetch measures replication throughput: a leader holds
// b.N MiB (batches of 16 records of 1 KiB), then a second replica is added
// and copies it over loopback TCP (sendfile on the leader, one write per
// segment run on the follower). cpu-s/GB counts both sides, which share
// the process.
func BenchmarkFollowerFetch(b *testing.B) {
	c := startClusterB(b, 1, 2)
	c.createTopic("bench", 1, []int32{1}, []int32{1})
	leader := c.partB(b, 1)
	bl := record.NewBuilder()
	value := make([]byte, 1000)
	for range 16 {
		bl.Append(1, nil, value)
	}
	batch, err := bl.Build()
	if err != nil {
		b.Fatal(err)
	}
	perMiB := (1 << 20) / len(batch)
	for range b.N * perMiB {
		if _, err := leader.AppendRecords(append([]byte(nil), batch...), partition.AppendOptions{Acks: 1}); err != nil {
			b.Fatal(err)
		}
	}
	size := leader.Size()
	b.SetBytes(size / int64(b.N))
	b.ResetTimer()
	user0, cpu0 := cpuSeconds(b)
	start := time.Now()
	c.apply(metadata.PartitionChangeRecord{TopicID: c.topicID, Partition: 0, Leader: metadata.NoLeaderChange,
		Replicas: []int32{1, 2}, LeaderRecoveryState: metadata.NoRecoveryStateChange})
	end := leader.LogEndOffset()
	for {
		if t, ok := c.nodes[2].m.TopicByID(c.topicID); ok && t.Partitions[0].LogEndOffset() == end {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	user, cpu := cpuSeconds(b)
	b.StopTimer()
	gb := float64(size) / 1e9
	b.ReportMetric(float64(size)/elapsed.Seconds()/1e6, "MB/s")
	b.ReportMetric((cpu-cpu0)/gb, "cpu-s/GB")
	b.ReportMetric((user-user0)/gb, "user-s/GB")
}

// BenchmarkAcksAllLatency produces one 1 KiB record at a time with
// acks=all, to a partition with one replica and with a leader and one
// follower: the difference is what waiting for the follower costs.
func BenchmarkAcksAllLatency(b *testing.B) {
	for _, replicas := range [][]int32{{1}, {1, 2}} {
		b.Run(fmt.Sprintf("replicas=%d", len(replicas)), func(b *testing.B) {
			c := startClusterB(b, 1, 2)
			c.createTopic("bench", 1, replicas, replicas)
			cl, err := kgo.NewClient(kgo.SeedBrokers(c.nodes[1].addr), kgo.DisableIdempotentWrite(),
				kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(0), kgo.ProducerBatchCompression(kgo.NoCompression()))
			if err != nil {
				b.Fatal(err)
			}
			defer cl.Close()
			ctx := context.Background()
			rec := func() *kgo.Record { return &kgo.Record{Topic: "bench", Value: make([]byte, 1024)} }
			for range 100 { // warm up: metadata, connections, the follower's fetch session
				if err := cl.ProduceSync(ctx, rec()).FirstErr(); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				if err := cl.ProduceSync(ctx, rec()).FirstErr(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
