package metadata

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// bigImage builds an image of n topics of parts partitions each, one batch
// per topic, the way a log replays them.
func bigImage(tb testing.TB, n, parts int) *Image {
	img := NewImage("c")
	for i := range n {
		var id UUID
		binary.BigEndian.PutUint64(id[8:], uint64(i)+2)
		reps := make([][]int32, parts)
		for p := range reps {
			reps[p] = []int32{1, 2, 3}
		}
		next, _, err := img.ApplyAt(int64(i), 1, topicRecords(fmt.Sprintf("topic-%05d", i), id, reps...))
		if err != nil {
			tb.Fatal(err)
		}
		img = next
	}
	return img
}

// BenchmarkReplayTopics measures replaying 5,000 topic creations (20,000
// partitions) one batch at a time, the worst case for per-batch map copies.
func BenchmarkReplayTopics(b *testing.B) {
	for b.Loop() {
		bigImage(b, 5000, 4)
	}
}

// BenchmarkSnapshotLoad measures loading a snapshot of 20,000 partitions.
func BenchmarkSnapshotLoad(b *testing.B) {
	var buf bytes.Buffer
	if err := EncodeSnapshot(&buf, bigImage(b, 5000, 4)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := DecodeSnapshot(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkApplyOneChange measures one partition change in a big image.
func BenchmarkApplyOneChange(b *testing.B) {
	img := bigImage(b, 5000, 4)
	id := img.Topic("topic-02500").ID
	rec := []Record{PartitionChangeRecord{TopicID: id, Partition: 1, Leader: 2, LeaderRecoveryState: NoRecoveryStateChange}}
	for b.Loop() {
		if _, _, err := img.Apply(rec); err != nil {
			b.Fatal(err)
		}
	}
}
