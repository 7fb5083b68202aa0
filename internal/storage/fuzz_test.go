package storage

import (
	"bytes"
	"math"
	"os"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

// validPrefix is the test's own account of what recovery must keep: whole
// v2 batches with good CRCs and increasing offsets, from the start.
func validPrefix(data []byte) (size int, end int64) {
	for {
		b, rest, err := record.Peek(data)
		if err != nil || b.Magic() != 2 || b.CRC() != b.ComputeCRC() || b.LastOffsetDelta() < 0 ||
			b.BaseOffset() < end || b.LastOffset() > math.MaxInt32 {
			return size, end
		}
		size += len(b)
		end = b.NextOffset()
		data = rest
	}
}

func FuzzRecovery(f *testing.F) {
	var valid []byte
	for i := range 5 {
		valid = append(valid, makeBatch(batchSpec{base: int64(i * 3), n: 3, ts: int64(i), valueSize: 10, epoch: -1})...)
	}
	next := makeBatch(batchSpec{base: 15, n: 1, valueSize: 5, epoch: -1})
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(bytes.Repeat([]byte{0xff}, 70))
	f.Add([]byte(next))      // a valid continuation is kept
	f.Add([]byte(next[:40])) // torn
	f.Add(append([]byte(next), 1, 2, 3))
	stale := makeBatch(batchSpec{base: 2, n: 1})
	f.Add([]byte(stale)) // offsets going backwards
	f.Fuzz(func(t *testing.T, garbage []byte) {
		dir := t.TempDir()
		data := append(append([]byte(nil), valid...), garbage...)
		if err := os.WriteFile(segmentPath(dir, 0, logSuffix), data, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := Open(dir, testConfig(), Options{Logger: quietLogger()})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer l.Close()
		wantSize, wantEnd := validPrefix(data)
		if wantSize < len(valid) {
			t.Fatalf("oracle kept %d of the %d valid bytes", wantSize, len(valid))
		}
		if l.Size() != int64(wantSize) || l.LogEndOffset() != wantEnd {
			t.Fatalf("kept %d bytes up to offset %d, want %d bytes up to %d", l.Size(), l.LogEndOffset(), wantSize, wantEnd)
		}
		got, err := os.ReadFile(segmentPath(dir, 0, logSuffix))
		if err != nil || !bytes.Equal(got, data[:wantSize]) {
			t.Fatalf("the file is not the valid prefix (%v)", err)
		}
		n := 0
		if err := l.Batches(0, func(record.Batch) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
	})
}
