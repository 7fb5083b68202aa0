package record

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

func testInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 100<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	var text []byte
	for i := 0; len(text) < 300<<10; i++ {
		text = append(text, "the quick brown fox jumps over the lazy dog "...)
		text = append(text, byte('0'+i%10))
	}
	return map[string][]byte{
		"empty":  {},
		"byte":   {42},
		"text":   text,
		"random": random,
	}
}

func levelsFor(c Codec) []int {
	switch c {
	case CodecGzip:
		return []int{0, GzipDefaultLevel, GzipMinLevel, 5, GzipMaxLevel}
	case CodecLZ4:
		return []int{0, LZ4MinLevel, 4, LZ4DefaultLevel, LZ4MaxLevel}
	case CodecZstd:
		return []int{0, -5, 1, ZstdDefaultLevel, 7, ZstdMaxLevel}
	}
	return []int{0}
}

func TestCompressRoundTrip(t *testing.T) {
	for _, c := range allCodecs {
		for _, level := range levelsFor(c) {
			for name, in := range testInputs() {
				prefix := []byte("prefix")
				out, err := Compress(bytes.Clone(prefix), in, c, level)
				if err != nil {
					t.Fatalf("%s level %d %s: compress: %v", c, level, name, err)
				}
				if !bytes.HasPrefix(out, prefix) {
					t.Fatalf("%s level %d %s: compress lost dst prefix", c, level, name)
				}
				got, err := Decompress([]byte("x"), out[len(prefix):], c, len(in))
				if err != nil {
					t.Fatalf("%s level %d %s: decompress: %v", c, level, name, err)
				}
				if !bytes.Equal(got[1:], in) || got[0] != 'x' {
					t.Fatalf("%s level %d %s: round trip differs", c, level, name)
				}
			}
		}
	}
}

func TestCompressRejectsBadLevel(t *testing.T) {
	for _, tc := range []struct {
		c     Codec
		level int
	}{{CodecGzip, 10}, {CodecGzip, -2}, {CodecLZ4, 18}, {CodecLZ4, -1}, {CodecZstd, 23}, {CodecZstd, ZstdMinLevel - 1}} {
		if ValidLevel(tc.c, tc.level) {
			t.Errorf("ValidLevel(%s, %d) = true", tc.c, tc.level)
		}
		if _, err := Compress(nil, []byte("x"), tc.c, tc.level); err == nil {
			t.Errorf("Compress(%s, level %d) accepted", tc.c, tc.level)
		}
	}
	if _, err := Compress(nil, nil, Codec(5), 0); !errors.Is(err, ErrUnsupportedCompression) {
		t.Errorf("Compress(codec 5) = %v, want ErrUnsupportedCompression", err)
	}
	if DefaultLevel(CodecGzip) != -1 || DefaultLevel(CodecLZ4) != 9 || DefaultLevel(CodecZstd) != 3 {
		t.Errorf("default levels differ from Kafka's: %d %d %d", DefaultLevel(CodecGzip), DefaultLevel(CodecLZ4), DefaultLevel(CodecZstd))
	}
}

func TestSnappyWritesXerialFraming(t *testing.T) {
	in := testInputs()["text"] // several 32 KiB chunks
	out, err := Compress(nil, in, CodecSnappy, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}
	if !bytes.Equal(out[:16], wantHeader) {
		t.Fatalf("xerial header = % x, want % x", out[:16], wantHeader)
	}
	// Walk the chunks: each is a length and a raw snappy block of at most
	// 32 KiB of input.
	rest, total := out[16:], 0
	for len(rest) > 0 {
		n := binary.BigEndian.Uint32(rest)
		block := rest[4 : 4+n]
		plain, err := s2.Decode(nil, block)
		if err != nil {
			t.Fatalf("chunk is not a snappy block: %v", err)
		}
		if len(plain) > 32<<10 {
			t.Fatalf("chunk of %d bytes, want <= 32 KiB", len(plain))
		}
		total += len(plain)
		rest = rest[4+n:]
	}
	if total != len(in) {
		t.Fatalf("chunks hold %d bytes, want %d", total, len(in))
	}
}

func TestSnappyDecodesRawAndConcatenatedXerial(t *testing.T) {
	in := testInputs()["text"]
	raw := s2.EncodeSnappy(nil, in)
	got, err := Decompress(nil, raw, CodecSnappy, len(in))
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("raw snappy: err %v, equal %v", err, bytes.Equal(got, in))
	}
	a, _ := Compress(nil, in[:1000], CodecSnappy, 0)
	b, _ := Compress(nil, in[1000:], CodecSnappy, 0)
	got, err = Decompress(nil, append(a, b...), CodecSnappy, len(in))
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("concatenated xerial: err %v, equal %v", err, bytes.Equal(got, in))
	}
}

func TestLZ4FrameMatchesKafka(t *testing.T) {
	out, err := Compress(nil, []byte("hello hello hello"), CodecLZ4, 0)
	if err != nil {
		t.Fatal(err)
	}
	if magic := binary.LittleEndian.Uint32(out); magic != 0x184D2204 {
		t.Fatalf("magic %#x", magic)
	}
	// FLG: version 01, independent blocks, no block or content checksum,
	// no content size. BD: 64 KiB blocks.
	if out[4] != 0x60 || out[5] != 0x40 {
		t.Fatalf("FLG %#x BD %#x, want 0x60 0x40 as Kafka writes", out[4], out[5])
	}
}

func TestDecodersReadConcatenatedStreams(t *testing.T) {
	var gz bytes.Buffer
	for _, part := range []string{"first ", "second"} {
		w := gzip.NewWriter(&gz)
		w.Write([]byte(part))
		w.Close()
	}
	got, err := Decompress(nil, gz.Bytes(), CodecGzip, 100)
	if err != nil || string(got) != "first second" {
		t.Fatalf("multi-member gzip: %q, %v", got, err)
	}
	enc, _ := zstd.NewWriter(nil)
	frames := enc.EncodeAll([]byte("first "), nil)
	frames = enc.EncodeAll([]byte("second"), frames)
	got, err = Decompress(nil, frames, CodecZstd, 100)
	if err != nil || string(got) != "first second" {
		t.Fatalf("two zstd frames: %q, %v", got, err)
	}
}

func TestDecompressIsBounded(t *testing.T) {
	zeros := make([]byte, 8<<20)
	for _, c := range allCodecs {
		comp, err := Compress(nil, zeros, c, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decompress(nil, comp, c, 1<<20); !errors.Is(err, ErrMessageTooLarge) {
			t.Errorf("%s: 8 MiB under a 1 MiB bound: %v, want ErrMessageTooLarge", c, err)
		}
		if _, err := Decompress(nil, comp, c, len(zeros)-1); !errors.Is(err, ErrMessageTooLarge) {
			t.Errorf("%s: one byte over the bound: %v, want ErrMessageTooLarge", c, err)
		}
		if got, err := Decompress(nil, comp, c, len(zeros)); err != nil || len(got) != len(zeros) {
			t.Errorf("%s: exactly at the bound: %d bytes, %v", c, len(got), err)
		}
	}
}

func TestDecompressRejectsGarbage(t *testing.T) {
	garbage := []byte("this is not compressed data at all, not in any codec")
	for _, c := range allCodecs[1:] {
		if _, err := Decompress(nil, garbage, c, 1<<20); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: garbage gave %v, want ErrInvalidRecord", c, err)
		}
		good, _ := Compress(nil, testInputs()["text"], c, 0)
		if _, err := Decompress(nil, good[:len(good)/2], c, 1<<20); !errors.Is(err, ErrInvalidRecord) {
			t.Errorf("%s: truncated stream gave %v, want ErrInvalidRecord", c, err)
		}
	}
}

func TestPooledDecodersStartNoGoroutines(t *testing.T) {
	in := testInputs()["text"]
	comp := map[Codec][]byte{}
	for _, c := range allCodecs {
		comp[c], _ = Compress(nil, in, c, 0)
	}
	before := runtime.NumGoroutine()
	for range 20 {
		for _, c := range allCodecs {
			if _, err := Decompress(nil, comp[c], c, len(in)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("goroutines grew from %d to %d", before, after)
	}
}

func TestLZ4FramesAsKafkaReadsThem(t *testing.T) {
	in := testInputs()["text"]
	frame, _ := Compress(nil, in, CodecLZ4, 0)
	// Kafka reads one frame and ignores what follows it.
	got, err := Decompress(nil, append(bytes.Clone(frame), "trailing junk"...), CodecLZ4, len(in))
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("frame with trailing bytes: %v", err)
	}
	dependent := bytes.Clone(frame)
	dependent[4] &^= 0x20
	if _, err := Decompress(nil, dependent, CodecLZ4, len(in)); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("dependent blocks: %v, want ErrInvalidRecord", err)
	}
	legacy := bytes.Clone(frame)
	binary.LittleEndian.PutUint32(legacy, 0x184C2102)
	if _, err := Decompress(nil, legacy, CodecLZ4, len(in)); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("legacy frame: %v, want ErrInvalidRecord", err)
	}
}
