package group

import (
	"fmt"
	"testing"
)

// BenchmarkReplayOffsets measures how fast a coordinator loads a
// __consumer_offsets partition: records replayed per second for 100
// groups committing to 100 partitions each, ten times over (100,000
// records, the last of each key winning).
func BenchmarkReplayOffsets(b *testing.B) {
	var records [][2][]byte
	for round := range 10 {
		for g := range 100 {
			for p := range int32(100) {
				rec := offsetCommitRecord(fmt.Sprintf("group-%d", g), "orders", p, offsetEntry{
					offset: int64(round*1000 + int(p)), leaderEpoch: 3, commitTime: 1700000000000, expireTime: -1,
				})
				records = append(records, [2][]byte{rec.Key, rec.Value})
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		s := NewShard(DefaultConfig(), 0)
		for i, r := range records {
			if err := s.Replay(int64(i), r[0], r[1]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(records)*b.N)/b.Elapsed().Seconds(), "records/s")
}
