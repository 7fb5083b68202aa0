package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// zstdMaxWindow is the largest zstd window accepted: libzstd's default
// limit, so any frame a Java (zstd-jni) or librdkafka producer writes at any
// level decodes. The window is allocated by the decoder, so this also bounds
// its memory.
const zstdMaxWindow = 1 << 27

// decoder is a pooled streaming decompressor for one batch's records. It
// keeps a reader for each codec it has served so that reuse allocates
// nothing, and it enforces a bound on the decompressed size.
type decoder struct {
	src   bytes.Reader // deliberately not bytes.Buffer: zstd would decode it all at once
	codec Codec
	r     io.Reader
	left  int64 // decompressed bytes still allowed
	limit int

	gz *gzip.Reader
	zs *zstd.Decoder
	lz *lz4.Reader
	sn snappyReader
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

// getDecoder returns a pooled decoder streaming the decompression of src,
// which must not yield more than limit bytes. Call put when done.
func getDecoder(c Codec, src []byte, limit int) (*decoder, error) {
	d := decoderPool.Get().(*decoder)
	if err := d.reset(c, src, limit); err != nil {
		d.put()
		return nil, err
	}
	return d, nil
}

func (d *decoder) put() {
	d.src.Reset(nil)
	d.sn.src, d.sn.out = nil, nil
	d.r = nil
	decoderPool.Put(d)
}

func (d *decoder) reset(c Codec, src []byte, limit int) error {
	d.codec, d.left, d.limit = c, int64(limit), limit
	d.src.Reset(src)
	switch c {
	case CodecGzip:
		return d.resetGzip()
	case CodecSnappy:
		d.sn.reset(src, limit)
		d.r = &d.sn
	case CodecLZ4:
		frame, err := lz4Frame(src)
		if err != nil {
			return fmt.Errorf("%w: %w", err, ErrInvalidRecord)
		}
		if d.lz == nil {
			d.lz = lz4.NewReader(nil)
		}
		d.src.Reset(frame)
		d.lz.Reset(&d.src)
		d.r = d.lz
	case CodecZstd:
		return d.resetZstd()
	default:
		return fmt.Errorf("decompress codec %d: %w", int8(c), ErrUnsupportedCompression)
	}
	return nil
}

func (d *decoder) resetGzip() error {
	var err error
	if d.gz == nil {
		d.gz, err = gzip.NewReader(&d.src)
	} else {
		err = d.gz.Reset(&d.src)
	}
	if err != nil {
		return fmt.Errorf("gzip header: %w: %w", err, ErrInvalidRecord)
	}
	d.r = d.gz
	return nil
}

func (d *decoder) resetZstd() error {
	if d.zs == nil {
		// One goroutine-free decoder per pooled entry; concurrency 1 makes
		// the stream decode synchronously inside Read.
		zs, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(zstdMaxWindow))
		if err != nil {
			return fmt.Errorf("new zstd decoder: %w", err)
		}
		d.zs = zs
	}
	if err := d.zs.Reset(&d.src); err != nil {
		return fmt.Errorf("zstd: %w: %w", err, ErrInvalidRecord)
	}
	d.r = d.zs
	return nil
}

// Read yields decompressed bytes. Any failure of the codec is reported as
// ErrInvalidRecord: the CRC has already shown the bytes are what the client
// sent, so retrying cannot help. Output past the bound is ErrMessageTooLarge.
func (d *decoder) Read(p []byte) (int, error) {
	if int64(len(p)) > d.left+1 {
		p = p[:d.left+1]
	}
	n, err := d.r.Read(p)
	if int64(n) > d.left {
		return 0, fmt.Errorf("%s records decompress to more than %d bytes: %w", d.codec, d.limit, ErrMessageTooLarge)
	}
	d.left -= int64(n)
	switch {
	case err == nil, err == io.EOF:
		return n, err
	case err == io.ErrUnexpectedEOF:
		return n, fmt.Errorf("%s records end early: %w", d.codec, ErrInvalidRecord)
	case isSentinel(err):
		return n, err
	}
	return n, fmt.Errorf("decompress %s records: %w: %w", d.codec, err, ErrInvalidRecord)
}

func isSentinel(err error) bool {
	for _, s := range [...]error{ErrMessageTooLarge, ErrInvalidRecord, ErrCorruptMessage} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// lz4Frame returns the LZ4 frame that starts src, checking what Kafka's
// decoder requires: version 1 and independent blocks. Like Kafka, it reads
// one frame and ignores what follows. Handing pierrec exactly one such
// frame also matters for pooling: its Reader keeps the history of dependent
// blocks across Reset, which would leak one batch's bytes into the next.
func lz4Frame(src []byte) ([]byte, error) {
	const (
		magic           = 0x184D2204
		flagContentSum  = 0x04
		flagContentSize = 0x08
		flagBlockSum    = 0x10
		flagIndependent = 0x20
		uncompressedBit = 0x80000000
	)
	if len(src) < 7 || binary.LittleEndian.Uint32(src) != magic {
		return nil, errors.New("lz4: not an lz4 frame")
	}
	flg := src[4]
	if flg>>6 != 1 || flg&0x03 != 0 {
		return nil, fmt.Errorf("lz4: unsupported frame flags %#x", flg)
	}
	if flg&flagIndependent == 0 {
		return nil, errors.New("lz4: dependent blocks are not supported")
	}
	p := 7
	if flg&flagContentSize != 0 {
		p += 8
	}
	for {
		if len(src)-p < 4 {
			return nil, errors.New("lz4: frame ends early")
		}
		size := int(binary.LittleEndian.Uint32(src[p:]) &^ uncompressedBit)
		p += 4
		if size == 0 {
			break
		}
		p += size
		if flg&flagBlockSum != 0 {
			p += 4
		}
		if p > len(src) {
			return nil, errors.New("lz4: frame ends early")
		}
	}
	if flg&flagContentSum != 0 {
		p += 4
	}
	if p > len(src) {
		return nil, errors.New("lz4: frame ends early")
	}
	return src[:p], nil
}
