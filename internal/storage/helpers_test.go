package storage

import (
	"encoding/binary"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/record"
)

// batchSpec describes a test batch: n records of valueSize bytes each, the
// i-th with timestamp ts+i.
type batchSpec struct {
	base      int64
	n         int
	ts        int64
	valueSize int
	epoch     int32
}

// makeBatch encodes a valid v2 batch (uncompressed records, correct CRC).
func makeBatch(s batchSpec) record.Batch {
	if s.n == 0 {
		s.n = 1
	}
	var recs []byte
	for i := 0; i < s.n; i++ {
		recs = appendRecord(recs, int64(i), int64(i), make([]byte, s.valueSize))
	}
	b := make([]byte, record.HeaderSize, record.HeaderSize+len(recs))
	binary.BigEndian.PutUint64(b[0:], uint64(s.base))
	binary.BigEndian.PutUint32(b[8:], uint32(record.HeaderSize-record.LogOverhead+len(recs)))
	binary.BigEndian.PutUint32(b[12:], uint32(s.epoch))
	b[16] = 2
	binary.BigEndian.PutUint16(b[21:], 0)
	binary.BigEndian.PutUint32(b[23:], uint32(s.n-1))
	binary.BigEndian.PutUint64(b[27:], uint64(s.ts))
	binary.BigEndian.PutUint64(b[35:], uint64(s.ts+int64(s.n-1)))
	binary.BigEndian.PutUint64(b[43:], ^uint64(0)) // producer id -1
	binary.BigEndian.PutUint16(b[51:], 0xffff)     // producer epoch -1
	binary.BigEndian.PutUint32(b[53:], 0xffffffff) // base sequence -1
	binary.BigEndian.PutUint32(b[57:], uint32(s.n))
	b = append(b, recs...)
	batch := record.Batch(b)
	batch.UpdateCRC()
	return batch
}

// appendRecord appends one v2 record: length, attributes, timestamp delta,
// offset delta, key (null), value, no headers.
func appendRecord(dst []byte, tsDelta, offDelta int64, value []byte) []byte {
	var body []byte
	body = append(body, 0)
	body = binary.AppendVarint(body, tsDelta)
	body = binary.AppendVarint(body, offDelta)
	body = binary.AppendVarint(body, -1)
	body = binary.AppendVarint(body, int64(len(value)))
	body = append(body, value...)
	body = binary.AppendVarint(body, 0)
	dst = binary.AppendVarint(dst, int64(len(body)))
	return append(dst, body...)
}

// testClock is a settable clock.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *testClock { return &testClock{now: time.UnixMilli(1_700_000_000_000)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testConfig is a config with small segments for fast tests.
func testConfig() Config {
	c := DefaultConfig()
	c.SegmentBytes = 4096
	c.IndexIntervalBytes = 256
	c.FileDeleteDelayMs = 0
	return c
}

type testLog struct {
	*Log
	t     *testing.T
	clock *testClock
	dir   string
}

func openTestLog(t *testing.T, dir string, cfg Config, opts Options) *testLog {
	t.Helper()
	clock := newClock()
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	l, err := Open(dir, cfg, opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return &testLog{Log: l, t: t, clock: clock, dir: dir}
}

// appendN appends count batches of n records each with valueSize bytes;
// timestamps follow the clock.
func (l *testLog) appendN(count, n, valueSize int) []AppendInfo {
	l.t.Helper()
	var infos []AppendInfo
	for i := 0; i < count; i++ {
		b := makeBatch(batchSpec{base: l.LogEndOffset(), n: n, ts: l.clock.Now().UnixMilli(), valueSize: valueSize})
		info, err := l.Append(b)
		if err != nil {
			l.t.Fatalf("append %d: %v", i, err)
		}
		infos = append(infos, info)
	}
	return infos
}

// readAll reads every batch from start via Read, segment by segment.
func (l *testLog) readAll(start int64) []record.Batch {
	l.t.Helper()
	var out []record.Batch
	for start < l.LogEndOffset() {
		res, err := l.Read(start, 1<<20, l.EndOffsetMetadata(), true)
		if err != nil {
			l.t.Fatalf("read %d: %v", start, err)
		}
		if res.Slice.Len() == 0 {
			l.t.Fatalf("read %d: empty before the log end %d", start, l.LogEndOffset())
		}
		data, err := res.Slice.AppendTo(nil)
		res.Slice.Release()
		if err != nil {
			l.t.Fatal(err)
		}
		for len(data) > 0 {
			b, rest, err := record.Peek(data)
			if err != nil {
				l.t.Fatalf("read %d: %v", start, err)
			}
			out = append(out, b)
			start = b.NextOffset()
			data = rest
		}
	}
	return out
}

// checkOffsets fails unless batches hold exactly offsets [from, to) in
// order, each with a valid CRC.
func checkOffsets(t *testing.T, batches []record.Batch, from, to int64) {
	t.Helper()
	next := from
	for _, b := range batches {
		if b.BaseOffset() > next || b.LastOffset() < next {
			t.Fatalf("batch [%d, %d] does not hold the expected offset %d", b.BaseOffset(), b.LastOffset(), next)
		}
		if b.CRC() != b.ComputeCRC() {
			t.Fatalf("batch at %d has a bad CRC", b.BaseOffset())
		}
		next = b.NextOffset()
	}
	if next != to {
		t.Fatalf("batches end at %d, want %d", next, to)
	}
}
