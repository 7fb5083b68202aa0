package record

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchRecords is 16 records of 1 KiB values with keys and a header: a
// 16 KiB batch, the Java producer's default batch.size. Values are
// semi-compressible (random words) so codecs do real work.
func benchRecords() []testRecord {
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"order", "user", "id", "amount", "currency", "EUR", "status", "shipped", "created_at"}
	recs := make([]testRecord, 16)
	for i := range recs {
		var v bytes.Buffer
		for v.Len() < 1024 {
			fmt.Fprintf(&v, `"%s":%d,`, words[rng.IntN(len(words))], rng.IntN(1e6))
		}
		recs[i] = testRecord{
			ts:      testNow - 100 + int64(i),
			key:     fmt.Appendf(nil, "user-%d", rng.IntN(1000)),
			value:   v.Bytes()[:1024],
			headers: []Header{{Key: "content-type", Value: []byte("application/json")}},
		}
	}
	return recs
}

func benchmarkValidate(b *testing.B, c Codec) {
	batch := buildBatch(b, c, benchRecords())
	p := testPolicy()
	if _, err := Validate(batch, p); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(batch)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(batch, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateUncompressed(b *testing.B) { benchmarkValidate(b, CodecNone) }
func BenchmarkValidateGzip(b *testing.B)         { benchmarkValidate(b, CodecGzip) }
func BenchmarkValidateSnappy(b *testing.B)       { benchmarkValidate(b, CodecSnappy) }
func BenchmarkValidateLZ4(b *testing.B)          { benchmarkValidate(b, CodecLZ4) }
func BenchmarkValidateZstd(b *testing.B)         { benchmarkValidate(b, CodecZstd) }

func BenchmarkReader(b *testing.B) {
	for _, c := range []Codec{CodecNone, CodecLZ4, CodecZstd} {
		b.Run(c.String(), func(b *testing.B) {
			batch := buildBatch(b, c, benchRecords())
			var rd Reader
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(batch, 0)
				for rd.Next() {
				}
				if rd.Err() != nil {
					b.Fatal(rd.Err())
				}
			}
			rd.Close()
		})
	}
}

func BenchmarkRecompress(b *testing.B) {
	src := buildBatch(b, CodecNone, benchRecords())
	for _, c := range allCodecs[1:] {
		b.Run(c.String(), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Recompress(src, c, 0, 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
