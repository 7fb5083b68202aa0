package api

import "encoding/binary"

// Primitive encoders for the responses we write by hand (Fetch). They
// follow the Kafka protocol's types; "compact" variants are the flexible
// versions' varint-length forms (KIP-482).

func appendInt8(b []byte, v int8) []byte   { return append(b, byte(v)) }
func appendInt16(b []byte, v int16) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
func appendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }
func appendInt64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }
func appendUvarint(b []byte, v uint64) []byte {
	return binary.AppendUvarint(b, v)
}

func appendString(b []byte, s string, flexible bool) []byte {
	if flexible {
		b = appendUvarint(b, uint64(len(s))+1)
	} else {
		b = appendInt16(b, int16(len(s)))
	}
	return append(b, s...)
}

func appendNullableString(b []byte, s *string, flexible bool) []byte {
	if s == nil {
		if flexible {
			return appendUvarint(b, 0)
		}
		return appendInt16(b, -1)
	}
	return appendString(b, *s, flexible)
}

// appendArrayLen writes an array length; n < 0 means a null array.
func appendArrayLen(b []byte, n int, flexible bool) []byte {
	if flexible {
		return appendUvarint(b, uint64(n+1))
	}
	return appendInt32(b, int32(n))
}

// appendBytesLen writes the length prefix of a bytes field whose n bytes
// follow separately.
func appendBytesLen(b []byte, n int, flexible bool) []byte {
	if flexible {
		return appendUvarint(b, uint64(n)+1)
	}
	return appendInt32(b, int32(n))
}

func appendUUID(b []byte, id [16]byte) []byte { return append(b, id[:]...) }

// appendTag writes one tagged field whose body is built by fn.
func appendTag(b []byte, tag uint64, fn func([]byte) []byte) []byte {
	body := fn(nil)
	b = appendUvarint(b, tag)
	b = appendUvarint(b, uint64(len(body)))
	return append(b, body...)
}
