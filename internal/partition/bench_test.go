package partition

import (
	"fmt"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/record"
)

// BenchmarkAppendRecords measures the leader append path (validation,
// offset assignment, the write, the high watermark) for batches of 1 KiB
// records. Allocations are per batch and must not grow with the number of
// records in it.
func BenchmarkAppendRecords(b *testing.B) {
	for _, n := range []int{16, 256} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			now := time.Now()
			cfg := topicConfig(b, nil)
			p := openPartition(b, b.TempDir(), cfg, func() time.Time { return now })
			bl := record.NewBuilder()
			value := make([]byte, 1024)
			for i := range n {
				bl.Append(now.UnixMilli(), fmt.Appendf(nil, "key-%d", i), value)
			}
			batch, err := bl.Build()
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				batch.SetBaseOffset(0) // the append patched it; producers send 0
				if _, err := p.AppendRecords(batch, AppendOptions{Acks: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
