package record

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
)

// Recompress returns a new batch with b's header fields and records, the
// records compressed with codec at level (0: DefaultLevel(codec); codec may
// be CodecNone), and a new length and CRC. It is for topics whose
// compression.type is not "producer". The records are not re-encoded: a v2
// records section is the same bytes under any codec.
//
// maxBytes bounds b's decompressed records (ErrMessageTooLarge beyond it;
// DefaultMaxDecompressedBytes if <= 0). Kafka rejects a batch that grows
// past max.message.bytes through recompression; compare the result's length
// with it. Recompress does not look inside the records: run Validate or a
// Reader over b first.
func Recompress(b Batch, codec Codec, level int, maxBytes int) (Batch, error) {
	if !codec.Valid() {
		return nil, fmt.Errorf("recompress to codec %d: %w", int8(codec), ErrUnsupportedCompression)
	}
	if len(b) < HeaderSize {
		return nil, fmt.Errorf("recompress %d-byte batch: %w", len(b), ErrShortBatch)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxDecompressedBytes
	}
	plain := b.Records()
	if c := b.Codec(); c != CodecNone {
		buf := scratchPool.Get().(*[]byte)
		defer putScratch(buf)
		var err error
		*buf, err = Decompress((*buf)[:0], plain, c, maxBytes)
		if err != nil {
			return nil, fmt.Errorf("recompress: %w", err)
		}
		plain = *buf
	}
	out := make([]byte, HeaderSize, HeaderSize+len(plain)/2+64)
	copy(out, b[:HeaderSize])
	out, err := Compress(out, plain, codec, level)
	if err != nil {
		return nil, fmt.Errorf("recompress: %w", err)
	}
	if len(out)-LogOverhead > math.MaxInt32 {
		return nil, fmt.Errorf("recompressed batch of %d bytes: %w", len(out), ErrMessageTooLarge)
	}
	nb := Batch(out)
	attrs := uint16(b.Attributes())&^attrCompressionMask | uint16(codec)
	binary.BigEndian.PutUint16(nb[offAttributes:], attrs)
	binary.BigEndian.PutUint32(nb[offBatchLength:], uint32(len(out)-LogOverhead))
	nb.UpdateCRC()
	return nb, nil
}

// scratchPool holds decompression buffers for Recompress; only the
// compressed result is new memory.
var scratchPool = sync.Pool{New: func() any { return new([]byte) }}

func putScratch(buf *[]byte) {
	if cap(*buf) > maxPooledWindow {
		*buf = nil
	}
	scratchPool.Put(buf)
}
