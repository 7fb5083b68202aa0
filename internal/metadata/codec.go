package metadata

import (
	"encoding/binary"
	"fmt"
)

// The primitive encodings of docs/format/metadata-records.md: signed integers
// as zigzag varints, strings and arrays prefixed by their length plus one so
// that 0 can mean null, UUIDs as 16 raw bytes.

// CorruptError reports bytes that do not decode as metadata records.
type CorruptError struct {
	Offset int // byte offset in the batch or snapshot where decoding failed
	Reason string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("corrupt metadata at byte %d: %s", e.Offset, e.Reason)
}

type encoder struct {
	buf []byte
}

func (e *encoder) uvarint(v uint64) { e.buf = binary.AppendUvarint(e.buf, v) }
func (e *encoder) varint(v int64)   { e.buf = binary.AppendVarint(e.buf, v) }
func (e *encoder) int8(v int8)      { e.buf = append(e.buf, byte(v)) }
func (e *encoder) uuid(u UUID)      { e.buf = append(e.buf, u[:]...) }

func (e *encoder) bool(v bool) {
	if v {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *encoder) string(s string) {
	e.uvarint(uint64(len(s)) + 1)
	e.buf = append(e.buf, s...)
}

func (e *encoder) nullableString(s *string) {
	if s == nil {
		e.uvarint(0)
		return
	}
	e.string(*s)
}

// int32s keeps the difference between a nil and an empty slice, which
// PartitionChangeRecord gives meaning to.
func (e *encoder) int32s(a []int32) {
	if a == nil {
		e.uvarint(0)
		return
	}
	e.uvarint(uint64(len(a)) + 1)
	for _, v := range a {
		e.varint(int64(v))
	}
}

// decoder reads primitives from b, remembering the first error so that a
// record's decode function can read every field and check once at the end.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = &CorruptError{Offset: d.off, Reason: fmt.Sprintf(format, args...)}
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad unsigned varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) int64() int64 { return d.varint() }

func (d *decoder) int32() int32 {
	v := d.varint()
	if int64(int32(v)) != v {
		d.fail("int32 out of range: %d", v)
	}
	return int32(v)
}

func (d *decoder) int16() int16 {
	v := d.varint()
	if int64(int16(v)) != v {
		d.fail("int16 out of range: %d", v)
	}
	return int16(v)
}

func (d *decoder) uint16() uint16 {
	v := d.uvarint()
	if uint64(uint16(v)) != v {
		d.fail("uint16 out of range: %d", v)
	}
	return uint16(v)
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n < 0 || n > len(d.b)-d.off {
		d.fail("%d bytes wanted, %d left", n, len(d.b)-d.off)
		return nil
	}
	b := d.b[d.off : d.off+n]
	d.off += n
	return b
}

func (d *decoder) int8() int8 {
	b := d.bytes(1)
	if b == nil {
		return 0
	}
	return int8(b[0])
}

func (d *decoder) bool() bool {
	switch d.int8() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad bool")
	return false
}

func (d *decoder) uuid() UUID {
	var u UUID
	copy(u[:], d.bytes(len(u)))
	return u
}

// length reads a length-plus-one prefix; null reports a 0 prefix.
func (d *decoder) length() (n int, null bool) {
	v := d.uvarint()
	if v == 0 {
		return 0, true
	}
	if v-1 > uint64(len(d.b)-d.off) {
		// Every element takes at least one byte, so a longer length is corrupt;
		// checking here keeps a bad prefix from allocating gigabytes.
		d.fail("length %d exceeds the %d bytes left", v-1, len(d.b)-d.off)
		return 0, true
	}
	return int(v - 1), false
}

func (d *decoder) nullableString() *string {
	n, null := d.length()
	if null {
		return nil
	}
	s := string(d.bytes(n))
	return &s
}

func (d *decoder) string() string {
	s := d.nullableString()
	if s == nil {
		if d.err == nil {
			d.fail("null string in a non-nullable field")
		}
		return ""
	}
	return *s
}

func (d *decoder) int32s() []int32 {
	n, null := d.length()
	if null {
		return nil
	}
	a := make([]int32, n)
	for i := range a {
		a[i] = d.int32()
	}
	return a
}
