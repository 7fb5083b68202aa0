package record

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Kafka's compression levels (KIP-390: compression.gzip.level,
// compression.lz4.level, compression.zstd.level) and their defaults.
const (
	GzipMinLevel     = 1
	GzipMaxLevel     = 9
	GzipDefaultLevel = -1 // deflate's default, level 6
	LZ4MinLevel      = 1
	LZ4MaxLevel      = 17
	LZ4DefaultLevel  = 9
	ZstdMinLevel     = -131072
	ZstdMaxLevel     = 22
	ZstdDefaultLevel = 3
)

// Valid reports whether c is one of the codecs Kafka defines.
func (c Codec) Valid() bool { return c >= CodecNone && c <= CodecZstd }

// DefaultLevel is Kafka's default compression level for c (0 for codecs
// without levels).
func DefaultLevel(c Codec) int {
	switch c {
	case CodecGzip:
		return GzipDefaultLevel
	case CodecLZ4:
		return LZ4DefaultLevel
	case CodecZstd:
		return ZstdDefaultLevel
	}
	return 0
}

// ValidLevel reports whether level is accepted for c by Kafka's config
// validation. Codecs without levels accept any value.
func ValidLevel(c Codec, level int) bool {
	switch c {
	case CodecGzip:
		return level == GzipDefaultLevel || level >= GzipMinLevel && level <= GzipMaxLevel
	case CodecLZ4:
		return level >= LZ4MinLevel && level <= LZ4MaxLevel
	case CodecZstd:
		return level >= ZstdMinLevel && level <= ZstdMaxLevel
	}
	return true
}

// Compress appends src compressed with c to dst, in the form Kafka's Java
// client writes for magic v2 batches (LZ4 frames with independent 64 KiB
// blocks, snappy in xerial framing). Level 0 means DefaultLevel(c); other
// levels must pass ValidLevel.
func Compress(dst, src []byte, c Codec, level int) ([]byte, error) {
	if level == 0 {
		level = DefaultLevel(c)
	}
	if !ValidLevel(c, level) {
		return dst, fmt.Errorf("compression level %d is out of range for %s", level, c)
	}
	switch c {
	case CodecNone:
		return append(dst, src...), nil
	case CodecGzip:
		return compressGzip(dst, src, level)
	case CodecSnappy:
		return appendXerial(dst, src), nil
	case CodecLZ4:
		return compressLZ4(dst, src, level)
	case CodecZstd:
		return compressZstd(dst, src, level)
	}
	return dst, fmt.Errorf("compress with codec %d: %w", int8(c), ErrUnsupportedCompression)
}

// Decompress appends the decompression of src to dst. It fails with
// ErrMessageTooLarge as soon as the output would exceed limit bytes
// (DefaultMaxDecompressedBytes if <= 0), so a compression bomb costs at most
// limit bytes of memory, and with ErrInvalidRecord when src is not valid
// for c.
func Decompress(dst, src []byte, c Codec, limit int) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxDecompressedBytes
	}
	if c == CodecNone {
		if len(src) > limit {
			return dst, fmt.Errorf("%d bytes exceed the %d-byte bound: %w", len(src), limit, ErrMessageTooLarge)
		}
		return append(dst, src...), nil
	}
	d, err := getDecoder(c, src, limit)
	if err != nil {
		return dst, err
	}
	defer d.put()
	for {
		dst = grow(dst, min(max(len(src), 4<<10), 256<<10))
		n, err := d.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// appendWriter is an io.Writer that appends to a slice, so that stream
// encoders can write straight into the caller's buffer.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

type gzipEncoder struct {
	out appendWriter
	w   *gzip.Writer
}

// gzipPools holds encoders per level, indexed by level+1 (-1..9).
var gzipPools [GzipMaxLevel + 2]sync.Pool

func compressGzip(dst, src []byte, level int) ([]byte, error) {
	pool := &gzipPools[level+1]
	e, _ := pool.Get().(*gzipEncoder)
	if e == nil {
		e = new(gzipEncoder)
		w, err := gzip.NewWriterLevel(&e.out, level)
		if err != nil {
			return dst, fmt.Errorf("new gzip writer: %w", err)
		}
		e.w = w
	} else {
		e.w.Reset(&e.out)
	}
	out, err := streamCompress(e.w, &e.out, dst, src)
	pool.Put(e)
	if err != nil {
		return dst, fmt.Errorf("gzip: %w", err)
	}
	return out, nil
}

// streamCompress writes src through a compressing writer whose output is
// out, appending the compressed bytes to dst.
func streamCompress(w io.WriteCloser, out *appendWriter, dst, src []byte) ([]byte, error) {
	out.b = dst
	_, err := w.Write(src)
	if err == nil {
		err = w.Close()
	}
	res := out.b
	out.b = nil
	return res, err
}

type lz4Encoder struct {
	out appendWriter
	w   *lz4.Writer
}

// lz4Pools holds encoders per pierrec level: index 0 is the fast
// compressor, 1..9 the high-compression levels.
var lz4Pools [10]sync.Pool

// lz4Level maps a Kafka level to a pool index. Kafka uses the fast
// compressor at its default level and the high-compression one otherwise;
// pierrec has nine high-compression levels to Kafka's seventeen.
func lz4Level(level int) int {
	if level == LZ4DefaultLevel {
		return 0
	}
	return min(level, 9)
}

func compressLZ4(dst, src []byte, level int) ([]byte, error) {
	idx := lz4Level(level)
	pool := &lz4Pools[idx]
	e, _ := pool.Get().(*lz4Encoder)
	if e == nil {
		e = &lz4Encoder{w: lz4.NewWriter(nil)}
		lvl := lz4.Fast
		if idx > 0 {
			lvl = lz4.Level1 << (idx - 1)
		}
		// Kafka's frames: independent 64 KiB blocks, no checksums beyond
		// the header's.
		err := e.w.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false),
			lz4.CompressionLevelOption(lvl), lz4.ConcurrencyOption(1))
		if err != nil {
			return dst, fmt.Errorf("configure lz4 writer: %w", err)
		}
	}
	e.w.Reset(&e.out)
	out, err := streamCompress(e.w, &e.out, dst, src)
	pool.Put(e)
	if err != nil {
		return dst, fmt.Errorf("lz4: %w", err)
	}
	return out, nil
}

// zstdPools holds encoders per klauspost speed (fastest..best).
var zstdPools [4]sync.Pool

func compressZstd(dst, src []byte, level int) ([]byte, error) {
	speed := zstd.EncoderLevelFromZstd(level)
	pool := &zstdPools[speed-zstd.SpeedFastest]
	e, _ := pool.Get().(*zstd.Encoder)
	if e == nil {
		var err error
		e, err = zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(speed))
		if err != nil {
			return dst, fmt.Errorf("new zstd encoder: %w", err)
		}
	}
	out := e.EncodeAll(src, dst)
	pool.Put(e)
	return out, nil
}
