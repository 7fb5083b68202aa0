package storage

import (
	"io"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

func benchLog(b *testing.B) *Log {
	cfg := DefaultConfig()
	cfg.SegmentBytes = 64 << 20
	cfg.FileDeleteDelayMs = 0
	l, err := Open(b.TempDir(), cfg, Options{Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// BenchmarkAppend appends 16 KiB batches; the append path must not allocate
// per batch.
func BenchmarkAppend(b *testing.B) {
	l := benchLog(b)
	batch := makeBatch(batchSpec{n: 16, valueSize: 1000})
	batch = append(batch, make([]byte, 16<<10-len(batch))...)
	batch = batch[:16<<10]
	setLength(batch)
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch.SetBaseOffset(l.LogEndOffset())
		if _, err := l.Append(batch); err != nil {
			b.Fatal(err)
		}
		if i%8192 == 8191 { // keep the disk use bounded, off the clock
			b.StopTimer()
			if _, err := l.DeleteRecordsBefore(l.LogEndOffset(), l.LogEndOffset()); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	}
}

// setLength fixes a padded test batch's length field and CRC.
func setLength(b record.Batch) {
	n := uint32(len(b) - record.LogOverhead)
	b[8], b[9], b[10], b[11] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	b.UpdateCRC()
}

// BenchmarkRead reads 1 MiB fetches of 16 KiB batches from a 64 MiB log and
// writes them to io.Discard through the positional-read path.
func BenchmarkRead(b *testing.B) {
	l := benchLog(b)
	batch := makeBatch(batchSpec{n: 16, valueSize: 1000})
	batch = append(batch, make([]byte, 16<<10-len(batch))...)
	setLength(batch)
	const batches = 4096
	for range batches {
		batch.SetBaseOffset(l.LogEndOffset())
		if _, err := l.Append(batch); err != nil {
			b.Fatal(err)
		}
	}
	end := l.EndOffsetMetadata()
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	b.ResetTimer()
	var start int64
	for i := 0; i < b.N; i++ {
		res, err := l.Read(start, 1<<20, end, true)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.Slice.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
		res.Slice.Release()
		start += 16 * 64
		if start >= end.Offset {
			start = 0
		}
	}
}
