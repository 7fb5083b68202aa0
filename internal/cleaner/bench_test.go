package cleaner

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// BenchmarkClean measures cleaning throughput: MB/s of log cleaned (the
// dirty section mapped and every segment rewritten) for a 32 MiB log of
// 1 MiB segments, 100-byte values in batches of 100 records over 50,000
// keys (each written about six times), uncompressed and with lz4.
func BenchmarkClean(b *testing.B) {
	for _, codec := range []record.Codec{record.CodecNone, record.CodecLZ4} {
		b.Run(codec.String(), func(b *testing.B) {
			template := b.TempDir()
			size := writeBenchLog(b, template, codec)
			b.SetBytes(size)
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				e := benchEnv(b, template)
				b.StartTimer()
				if cleaned, err := e.c.CleanOnce(context.Background()); !cleaned || err != nil {
					b.Fatalf("cleaned %v: %v", cleaned, err)
				}
				b.StopTimer()
				for _, p := range e.parts {
					p.log.Close()
				}
				b.StartTimer()
			}
		})
	}
}

const benchKeys = 50_000

func benchTopic(b *testing.B) config.Topic {
	cfg := topicConfig(b, nil)
	cfg.SegmentBytes = 1 << 20
	return cfg
}

// writeBenchLog writes the benchmark's log under dir and returns its size.
func writeBenchLog(b *testing.B, dir string, codec record.Codec) int64 {
	cfg := benchTopic(b)
	l, err := storage.Open(filepath.Join(dir, "bench-0"), storageConfig(cfg), storage.Options{Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	value := make([]byte, 100)
	for k := 0; l.Size() < 32<<20; k++ {
		bl := record.NewBuilder()
		bl.Codec = codec
		bl.BaseOffset = l.LogEndOffset()
		for i := range 100 {
			key := (k*100 + i) * 7919 % benchKeys
			copy(value, fmt.Sprintf("value-%d-%d", key, k))
			bl.Append(1_700_000_000_000, fmt.Appendf(nil, "key-%08d", key), value)
		}
		batch, err := bl.Build()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := l.Append(batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Roll(); err != nil {
		b.Fatal(err)
	}
	size := l.Size()
	if _, err := l.FlushAndClose(); err != nil {
		b.Fatal(err)
	}
	return size
}

// benchEnv copies the template log to a new directory and opens a cleaner
// over it.
func benchEnv(b *testing.B, template string) *env {
	cfg := testConfig()
	cfg.DedupeBufferSize = 16 << 20
	e := newEnv(b, cfg)
	dst := filepath.Join(e.dir, "bench-0")
	if err := copyDir(filepath.Join(template, "bench-0"), dst); err != nil {
		b.Fatal(err)
	}
	tc := benchTopic(b)
	l, err := storage.Open(dst, storageConfig(tc), storage.Options{Logger: quiet(), CleanShutdown: true})
	if err != nil {
		b.Fatal(err)
	}
	e.parts = append(e.parts, &fakePartition{topic: "bench", cfg: tc, lso: -1, log: l})
	return e
}

func copyDir(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := copyFile(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
