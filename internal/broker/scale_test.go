package broker_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

const (
	scaleTopics     = 40
	scalePartitions = 100
)

// TestThousandsOfPartitions hosts 4,000 partitions on one node: each gets
// one record, every record is read back, and all of it survives a clean
// restart. A log in use keeps its active segment's file open, so the
// broker may hold one descriptor per partition used, no more; a restarted
// broker holds none until its logs are used again.
func TestThousandsOfPartitions(t *testing.T) {
	fdsBefore := testcluster.OpenFDs(t)
	node := testcluster.Start(t, map[string]string{"log.dirs": scaleDataDir(t)})
	var topics []string
	for i := range scaleTopics {
		topics = append(topics, fmt.Sprintf("scale-%02d", i))
	}
	total := scaleTopics * scalePartitions

	began := time.Now()
	createTopics(t, node, topics)
	t.Logf("created %d topics × %d partitions in %v", scaleTopics, scalePartitions, time.Since(began))

	began = time.Now()
	produceOnePerPartition(t, node, topics)
	t.Logf("produced one record to each of %d partitions in %v", total, time.Since(began))

	began = time.Now()
	consumeOnePerPartition(t, node, topics)
	t.Logf("consumed %d records in %v", total, time.Since(began))
	fdsLoaded := testcluster.OpenFDs(t)

	began = time.Now()
	node.Stop()
	stopped := time.Since(began)
	fdsStopped := testcluster.OpenFDs(t)
	// The next start trusts the logs only after a clean shutdown.
	if _, err := os.Stat(filepath.Join(node.Props["log.dirs"], ".kafka_cleanshutdown")); err != nil {
		t.Fatalf("no clean shutdown marker: %v", err)
	}
	began = time.Now()
	node.Restart()
	t.Logf("clean shutdown took %v, start after it %v", stopped, time.Since(began))
	fdsRestarted := testcluster.OpenFDs(t)

	checkEndOffsets(t, node, topics, 1)
	began = time.Now()
	consumeOnePerPartition(t, node, topics)
	t.Logf("consumed %d records after the restart in %v", total, time.Since(began))
	fdsAfter := testcluster.OpenFDs(t)
	t.Logf("open descriptors: %d before the node, %d after producing and consuming, %d stopped, %d restarted, %d after consuming again",
		fdsBefore, fdsLoaded, fdsStopped, fdsRestarted, fdsAfter)

	// A log holds at most its active segment open; the segments read by the
	// consumers are closed after each read. Nothing here may grow with the
	// number of partitions beyond that, and an idle restarted broker holds
	// no segment open at all.
	if limit := fdsBefore + total + 200; fdsLoaded > limit || fdsAfter > limit {
		t.Errorf("%d and %d descriptors open for %d partitions (limit %d)", fdsLoaded, fdsAfter, total, limit)
	}
	if fdsRestarted > fdsBefore+200 {
		t.Errorf("%d descriptors open right after a restart, %d before the node started", fdsRestarted, fdsBefore)
	}
	if fdsStopped > fdsBefore+50 {
		t.Errorf("%d descriptors open after the node stopped, %d before it started", fdsStopped, fdsBefore)
	}
}

// scaleDataDir is where the scale test keeps its logs: $SPOOL_TEST_SCALE_DIR
// if set (to measure a real disk), else a directory in memory (/dev/shm)
// when there is one. The test is about the broker's own costs growing with
// the number of partitions; on a slow virtual disk, creating the 20,000
// files of 4,000 partitions alone takes longer than the whole test may.
func scaleDataDir(t *testing.T) string {
	base := os.Getenv("SPOOL_TEST_SCALE_DIR")
	if base == "" {
		if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
			base = "/dev/shm"
		} else {
			return t.TempDir()
		}
	}
	dir, err := os.MkdirTemp(base, "spool-scale-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Logf("logs in %s", dir)
	return dir
}

// createTopics creates topics with scalePartitions partitions each, at
// most 40 topics a request: the controller refuses a request that makes
// more than 10,000 metadata records, as Kafka's does.
func createTopics(t *testing.T, node *testcluster.Node, topics []string) {
	t.Helper()
	adm := node.Admin()
	for chunk := range slices.Chunk(topics, 40) {
		created, err := adm.CreateTopics(testcluster.Context(t, 60*time.Second), scalePartitions, 1, nil, chunk...)
		if err == nil {
			err = created.Error()
		}
		if err != nil {
			t.Fatalf("create %d topics: %v", len(chunk), err)
		}
	}
}

// produceOnePerPartition writes the record "<topic>/<partition>" to every
// partition of topics.
func produceOnePerPartition(t *testing.T, node *testcluster.Node, topics []string) {
	t.Helper()
	cl := node.Client(kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0))
	var recs []*kgo.Record
	for _, topic := range topics {
		for p := range int32(scalePartitions) {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "%s/%d", topic, p)})
		}
	}
	if err := cl.ProduceSync(testcluster.Context(t, 60*time.Second), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

// consumeOnePerPartition reads every partition of topics from the start
// and checks that each holds exactly its one record, at offset 0.
func consumeOnePerPartition(t *testing.T, node *testcluster.Node, topics []string) {
	t.Helper()
	cl := node.Client(kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx := testcluster.Context(t, 60*time.Second)
	seen := map[string]bool{}
	for len(seen) < len(topics)*scalePartitions {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(seen), len(topics)*scalePartitions, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			want := fmt.Sprintf("%s/%d", r.Topic, r.Partition)
			if string(r.Value) != want || r.Offset != 0 {
				t.Fatalf("%s[%d] offset %d holds %q, want %q at offset 0", r.Topic, r.Partition, r.Offset, r.Value, want)
			}
			if seen[want] {
				t.Fatalf("%s consumed twice", want)
			}
			seen[want] = true
		})
	}
}

// checkEndOffsets asserts that every partition of topics ends at end.
func checkEndOffsets(t *testing.T, node *testcluster.Node, topics []string, end int64) {
	t.Helper()
	listed, err := node.Admin().ListEndOffsets(testcluster.Context(t, 30*time.Second), topics...)
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	n := 0
	listed.Each(func(o kadm.ListedOffset) {
		n++
		if o.Offset != end {
			t.Errorf("%s[%d] ends at %d, want %d", o.Topic, o.Partition, o.Offset, end)
		}
	})
	if n != len(topics)*scalePartitions {
		t.Fatalf("listed %d partitions, want %d", n, len(topics)*scalePartitions)
	}
}
