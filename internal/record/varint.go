package record

import (
	"encoding/binary"
	"math"
)

// Records use zig-zag varints (protobuf's sint32/sint64): a 32-bit field
// takes at most 5 bytes, a 64-bit one at most 10.
const (
	maxVarint32Len = 5
	maxVarint64Len = binary.MaxVarintLen64
)

// readVarint32 decodes a zig-zag varint that must fit in 32 bits. n is 0
// when b is too short or the encoding is too long or overflows.
func readVarint32(b []byte) (v int32, n int) {
	if len(b) > 0 && b[0] < 0x80 {
		u := uint32(b[0])
		return int32(u>>1) ^ -int32(u&1), 1
	}
	u, n := binary.Uvarint(b)
	if n <= 0 || n > maxVarint32Len || u > math.MaxUint32 {
		return 0, 0
	}
	return int32(uint32(u)>>1) ^ -int32(u&1), n
}

// readVarint64 decodes a zig-zag varint of up to 64 bits; n is 0 when it
// is truncated or malformed.
func readVarint64(b []byte) (v int64, n int) {
	u, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, 0
	}
	return int64(u>>1) ^ -int64(u&1), n
}

func appendVarint(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func varintLen(v int64) int {
	u := uint64(v<<1) ^ uint64(v>>63)
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}
