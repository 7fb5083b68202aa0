package record

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
)

// The Java client compresses snappy through snappy-java's stream format
// ("xerial" framing): a 16-byte header, then chunks of a 4-byte big-endian
// length and one raw snappy block each. Other clients (librdkafka, franz-go
// and sarama can be set either way) send one raw snappy block. Decoding
// accepts both; encoding writes the xerial form, which every client reads.
var xerialMagic = [8]byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

const (
	xerialHeaderLen = 16
	// snappy-java's default block size; every chunk holds at most this
	// much uncompressed data.
	xerialChunkSize = 32 << 10
	// xerialVersion and xerialCompatible follow the magic in the header.
	xerialVersion    = 1
	xerialCompatible = 1
)

func isXerial(src []byte) bool {
	return len(src) >= xerialHeaderLen && bytes.Equal(src[:len(xerialMagic)], xerialMagic[:])
}

// appendXerial appends src compressed in xerial framing to dst.
func appendXerial(dst, src []byte) []byte {
	dst = append(dst, xerialMagic[:]...)
	dst = binary.BigEndian.AppendUint32(dst, xerialVersion)
	dst = binary.BigEndian.AppendUint32(dst, xerialCompatible)
	for len(src) > 0 {
		chunk := src[:min(len(src), xerialChunkSize)]
		src = src[len(chunk):]
		at := len(dst)
		dst = grow(dst, 4+s2.MaxEncodedLen(len(chunk)))
		block := s2.EncodeSnappy(dst[at+4:cap(dst)], chunk)
		binary.BigEndian.PutUint32(dst[at:at+4], uint32(len(block)))
		dst = dst[:at+4+len(block)]
	}
	return dst
}

// grow returns b with room for n more bytes after len(b).
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), max(2*cap(b), len(b)+n))
	copy(nb, b)
	return nb
}

// snappyReader decodes either snappy form as a stream, one block at a
// time, never holding more than one decoded block.
type snappyReader struct {
	src    []byte // compressed input not yet decoded
	xerial bool
	buf    []byte // decoded block storage, reused
	out    []byte // decoded bytes not yet read
	limit  int    // largest decoded size accepted for a block
}

func (r *snappyReader) reset(src []byte, limit int) {
	r.xerial = isXerial(src)
	if r.xerial {
		src = src[xerialHeaderLen:]
	}
	r.src, r.out, r.limit = src, nil, limit
}

func (r *snappyReader) Read(p []byte) (int, error) {
	for len(r.out) == 0 {
		if len(r.src) == 0 {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.out)
	r.out = r.out[n:]
	return n, nil
}

// next decodes the next block into r.out.
func (r *snappyReader) next() error {
	block := r.src
	if r.xerial {
		// snappy-java also reads streams that were concatenated, headers
		// and all; a chunk length never starts with the magic's 0x82 byte
		// because lengths are positive.
		if isXerial(block) {
			r.src = block[xerialHeaderLen:]
			return nil
		}
		if len(block) < 4 {
			return fmt.Errorf("snappy: truncated xerial chunk length")
		}
		n := binary.BigEndian.Uint32(block)
		if uint64(n) > uint64(len(block)-4) {
			return fmt.Errorf("snappy: xerial chunk of %d bytes, %d remain", n, len(block)-4)
		}
		block = block[4 : 4+n]
		r.src = r.src[4+n:]
	} else {
		r.src = nil
	}
	size, err := s2.DecodedLen(block)
	if err != nil {
		return fmt.Errorf("snappy: %w", err)
	}
	if size > r.limit {
		// The stream limit would fail anyway; stop before allocating.
		return fmt.Errorf("snappy block decodes to %d bytes, over the %d-byte bound: %w", size, r.limit, ErrMessageTooLarge)
	}
	if cap(r.buf) < size {
		r.buf = make([]byte, size)
	}
	out, err := s2.Decode(r.buf[:size], block)
	if err != nil {
		return fmt.Errorf("snappy: %w", err)
	}
	r.out = out
	return nil
}
