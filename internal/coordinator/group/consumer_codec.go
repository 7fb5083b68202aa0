package group

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The KIP-848 records are not in kmsg, so this file writes and reads the
// few primitive types their schemas use: keys in the classic encoding
// (int16-length strings), values in the flexible one (compact strings and
// arrays, a tagged-field section after every struct). See
// docs/format/consumer-offsets.md.

type recWriter struct{ b []byte }

func (w *recWriter) i8(v int8)   { w.b = append(w.b, byte(v)) }
func (w *recWriter) i16(v int16) { w.b = binary.BigEndian.AppendUint16(w.b, uint16(v)) }
func (w *recWriter) i32(v int32) { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)) }
func (w *recWriter) i64(v int64) { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)) }
func (w *recWriter) uuid(v [16]byte) {
	w.b = append(w.b, v[:]...)
}
func (w *recWriter) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }

// str is a classic (key) string: int16 length, then the bytes.
func (w *recWriter) str(s string) {
	w.i16(int16(len(s)))
	w.b = append(w.b, s...)
}

// compactStr is a flexible string: uvarint length+1, then the bytes.
func (w *recWriter) compactStr(s string) {
	w.uvarint(uint64(len(s)) + 1)
	w.b = append(w.b, s...)
}

// compactNullableStr writes a nil string as length 0.
func (w *recWriter) compactNullableStr(s *string) {
	if s == nil {
		w.uvarint(0)
		return
	}
	w.compactStr(*s)
}

// compactBytes is flexible bytes: uvarint length+1, then the bytes.
func (w *recWriter) compactBytes(b []byte) {
	w.uvarint(uint64(len(b)) + 1)
	w.b = append(w.b, b...)
}

func (w *recWriter) compactArrayLen(n int) { w.uvarint(uint64(n) + 1) }

// noTags closes a struct with an empty tagged-field section.
func (w *recWriter) noTags() { w.uvarint(0) }

var errShortRecord = errors.New("record ends early")

type recReader struct {
	b   []byte
	err error
}

func (r *recReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b) < n {
		r.err = errShortRecord
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *recReader) i8() int8 {
	if b := r.take(1); b != nil {
		return int8(b[0])
	}
	return 0
}

func (r *recReader) i16() int16 {
	if b := r.take(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (r *recReader) i32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *recReader) i64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *recReader) uuid() (id [16]byte) {
	if b := r.take(16); b != nil {
		copy(id[:], b)
	}
	return id
}

func (r *recReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errShortRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recReader) str() string {
	n := r.i16()
	if n < 0 {
		return ""
	}
	return string(r.take(int(n)))
}

func (r *recReader) compactNullableStr() *string {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return nil
	}
	s := string(r.take(int(n - 1)))
	return &s
}

// compactBytes reads flexible bytes (null reads as empty), copied.
func (r *recReader) compactBytes() []byte {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return []byte{}
	}
	return append([]byte{}, r.take(int(n-1))...)
}

func (r *recReader) compactStr() string { return deref(r.compactNullableStr()) }

// compactArrayLen returns the element count, 0 for a null array.
func (r *recReader) compactArrayLen() int {
	n := r.uvarint()
	if n == 0 || r.err != nil {
		return 0
	}
	if n-1 > uint64(len(r.b)) { // every element takes at least a byte
		r.err = errShortRecord
		return 0
	}
	return int(n - 1)
}

// tags reads a tagged-field section, handing each field to fn (nil: skip
// them all; fn ignores tags it does not know, as Kafka does).
func (r *recReader) tags(fn func(tag uint64, data []byte)) {
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		tag, size := r.uvarint(), r.uvarint()
		data := r.take(int(size))
		if r.err == nil && fn != nil {
			fn(tag, data)
		}
	}
}

func (r *recReader) done(what string) error {
	if r.err != nil {
		return fmt.Errorf("decode %s: %w", what, r.err)
	}
	return nil
}
