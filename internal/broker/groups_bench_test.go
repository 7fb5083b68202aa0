package broker_test

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// BenchmarkOffsetCommit measures committing offsets through the group
// coordinator: each op is one OffsetCommit of 10 partitions by a simple
// (non-member) committer, answered after its record is in
// __consumer_offsets. One committer at a time gives the commit latency;
// with -cpu or parallel runs the throughput.
func BenchmarkOffsetCommit(b *testing.B) {
	node := testcluster.Start(b, nil)
	cl, err := kgo.NewClient(kgo.SeedBrokers(node.Addr()))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	if _, err := adm.CreateTopic(ctx, 10, 1, nil, "bench-commits"); err != nil {
		b.Fatal(err)
	}
	offsets := make(kadm.Offsets)
	commit := func(i int) {
		for p := range int32(10) {
			offsets.Add(kadm.Offset{Topic: "bench-commits", Partition: p, At: int64(i), LeaderEpoch: -1})
		}
		resp, err := adm.CommitOffsets(ctx, "bench-group", offsets)
		if err == nil {
			err = resp.Error()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	commit(0) // creates __consumer_offsets and loads its coordinator
	b.ResetTimer()
	for i := range b.N {
		commit(i + 1)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
}
