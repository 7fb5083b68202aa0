package cleaner

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fakePartition is a compacted partition over a bare log; its last stable
// offset is the log end unless lso is set.
type fakePartition struct {
	mu        sync.Mutex
	topic     string
	log       *storage.Log
	cfg       config.Topic
	lso       int64 // -1: the log end
	producers []producerstate.Entry
}

func (p *fakePartition) Topic() string        { return p.topic }
func (p *fakePartition) Index() int32         { return 0 }
func (p *fakePartition) Log() *storage.Log    { return p.log }
func (p *fakePartition) Config() config.Topic { p.mu.Lock(); defer p.mu.Unlock(); return p.cfg }
func (p *fakePartition) LastStableOffset() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.lso >= 0 {
		return p.lso
	}
	return p.log.LogEndOffset()
}
func (p *fakePartition) Producers() []producerstate.Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.producers
}

func (p *fakePartition) tp() storage.TopicPartition { return storage.TopicPartition{Topic: p.topic} }

// env is a log directory with partitions and a cleaner over them.
type env struct {
	t     testing.TB
	dir   string
	clock *clock
	cfg   Config
	mu    sync.Mutex
	parts []*fakePartition
	c     *Cleaner
}

// testConfig is a cleaner config with a small map and no backoff.
func testConfig() Config {
	c := DefaultConfig()
	c.DedupeBufferSize = 1 << 20
	c.Backoff = time.Millisecond
	return c
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), clock: &clock{now: time.UnixMilli(1_700_000_000_000)}, cfg: cfg}
	e.c = e.newCleaner()
	return e
}

func (e *env) newCleaner() *Cleaner {
	e.t.Helper()
	c, err := New(e.cfg, Options{Partitions: e.partitions, Now: e.clock.Now, Logger: quiet()})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) partitions() []Partition {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Partition, len(e.parts))
	for i, p := range e.parts {
		out[i] = p
	}
	return out
}

// segmentBytes is the test segments' size: a few dozen small batches.
const segmentBytes = 2048

// topicConfig resolves a compacted topic's config with overrides.
func topicConfig(t testing.TB, overrides map[string]string) config.Topic {
	t.Helper()
	o := map[string]string{"cleanup.policy": "compact", "min.cleanable.dirty.ratio": "0.01"}
	for k, v := range overrides {
		o[k] = v
	}
	cfg, err := config.ResolveTopic(config.Layers{Topic: o})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SegmentBytes = segmentBytes
	return cfg
}

func storageConfig(cfg config.Topic) storage.Config {
	sc := storage.DefaultConfig()
	sc.SegmentBytes = int64(cfg.SegmentBytes)
	sc.IndexIntervalBytes = 256
	sc.FileDeleteDelayMs = 0
	sc.RetentionMs = cfg.RetentionMs
	sc.CleanupPolicy = "compact"
	if cfg.CleanupPolicy.Delete {
		sc.CleanupPolicy = "compact,delete"
	}
	return sc
}

// addPartition opens a compacted partition's log in the environment.
func (e *env) addPartition(topic string, overrides map[string]string) *fakePartition {
	e.t.Helper()
	cfg := topicConfig(e.t, overrides)
	p := &fakePartition{topic: topic, cfg: cfg, lso: -1, log: e.openLog(topic, cfg, storage.Options{})}
	e.mu.Lock()
	e.parts = append(e.parts, p)
	e.mu.Unlock()
	return p
}

func (e *env) openLog(topic string, cfg config.Topic, opts storage.Options) *storage.Log {
	e.t.Helper()
	opts.Now, opts.Logger = e.clock.Now, quiet()
	l, err := storage.Open(filepath.Join(e.dir, topic+"-0"), storageConfig(cfg), opts)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { l.Close() })
	return l
}

// reopen opens p's log again as after a crash (nothing was closed).
func (e *env) reopen(p *fakePartition) {
	e.t.Helper()
	p.log = e.openLog(p.topic, p.cfg, storage.Options{})
}

// rec is a record to append: value "" with tombstone set is a null value.
type rec struct {
	key       string
	value     string
	tombstone bool
}

// put appends one batch of records stamped ts (the clock when 0).
func (e *env) put(p *fakePartition, ts int64, recs ...rec) {
	e.t.Helper()
	e.putBatch(p, record.NewBuilder(), ts, recs...)
}

func (e *env) putBatch(p *fakePartition, bl *record.Builder, ts int64, recs ...rec) storage.AppendInfo {
	e.t.Helper()
	if ts == 0 {
		ts = e.clock.Now().UnixMilli()
	}
	bl.BaseOffset = p.log.LogEndOffset()
	for _, r := range recs {
		var v []byte
		if !r.tombstone {
			v = []byte(r.value)
		}
		var k []byte
		if r.key != "" {
			k = []byte(r.key)
		}
		bl.Append(ts, k, v)
	}
	b, err := bl.Build()
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := p.log.Append(b)
	if err != nil {
		e.t.Fatal(err)
	}
	if info.FlushTo > 0 { // as the partition does: a roll flushes
		if err := p.log.FlushUpTo(info.FlushTo); err != nil {
			e.t.Fatal(err)
		}
	}
	return info
}

// updates appends n records over keys k0..k(keys-1), perBatch a batch,
// each value "<key>@<offset>" so that a reader can check offsets.
func (e *env) updates(p *fakePartition, n, keys, perBatch int, ts int64) {
	e.t.Helper()
	for i := 0; i < n; i += perBatch {
		base := p.log.LogEndOffset()
		var recs []rec
		for j := i; j < min(n, i+perBatch); j++ {
			k := "k" + strconv.Itoa(j%keys)
			recs = append(recs, rec{key: k, value: fmt.Sprintf("%s@%d", k, base+int64(j-i))})
		}
		e.put(p, ts, recs...)
	}
}

// read is one record read back.
type read struct {
	offset    int64
	key       string
	value     string
	tombstone bool
}

// readAll reads p's log from its start through Read, as a consumer does,
// checking that offsets increase and CRCs hold.
func readAll(t testing.TB, l *storage.Log) []read {
	t.Helper()
	var out []read
	next := l.LogStartOffset()
	for next < l.LogEndOffset() {
		res, err := l.Read(next, 1<<20, l.EndOffsetMetadata(), true)
		if err != nil {
			t.Fatalf("read at %d: %v", next, err)
		}
		data, err := res.Slice.AppendTo(nil)
		res.Slice.Release()
		if err != nil {
			t.Fatal(err)
		}
		if len(data) == 0 {
			break
		}
		for len(data) > 0 {
			b, rest, err := record.Peek(data)
			if err != nil || b.CRC() != b.ComputeCRC() {
				t.Fatalf("bad batch at %d: %v", next, err)
			}
			for r, err := range b.All(0) {
				if err != nil {
					t.Fatal(err)
				}
				if r.Offset < next {
					continue
				}
				if n := len(out); n > 0 && r.Offset <= out[n-1].offset {
					t.Fatalf("offset %d after %d", r.Offset, out[n-1].offset)
				}
				out = append(out, read{r.Offset, string(r.Key), string(r.Value), r.Value == nil})
			}
			next, data = b.NextOffset(), rest
		}
	}
	return out
}

// latest maps each key to its last record.
func latest(recs []read) map[string]read {
	m := map[string]read{}
	for _, r := range recs {
		m[r.key] = r
	}
	return m
}

// checkValues fails unless every "<key>@<offset>" value sits at its
// offset.
func checkValues(t testing.TB, recs []read) {
	t.Helper()
	for _, r := range recs {
		if r.tombstone {
			continue
		}
		if want := fmt.Sprintf("%s@%d", r.key, r.offset); r.value != want {
			t.Fatalf("record at %d holds %q, want %q", r.offset, r.value, want)
		}
	}
}

// cleanAll runs passes until none cleans anything.
func (e *env) cleanAll() int {
	e.t.Helper()
	n := 0
	for {
		cleaned, err := e.c.CleanOnce(context.Background())
		if err != nil {
			e.t.Fatalf("clean: %v", err)
		}
		if !cleaned {
			return n
		}
		n++
		if n > 100 {
			e.t.Fatal("the cleaner never stops")
		}
	}
}

// roll closes p's active segment and flushes it, as the partition does,
// so its data becomes cleanable.
func roll(t testing.TB, p *fakePartition) {
	t.Helper()
	if err := p.log.Roll(); err != nil {
		t.Fatal(err)
	}
	if err := p.log.Flush(); err != nil {
		t.Fatal(err)
	}
}
