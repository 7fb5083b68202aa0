package wirecheck

import (
	"encoding/binary"
	"testing"
)

// everyType uses each wire type, including those no request schema uses
// yet (float64, varints, non-nullable bytes), at version 0 (non-flexible)
// and 1 (flexible).
var everyType = []field{
	f("Bool", tBool, always),
	f("Int8", tInt8, always),
	f("Int16", tInt16, always),
	f("Int32", tInt32, always),
	f("Int64", tInt64, always),
	f("Float64", tFloat64, always),
	f("UUID", tUUID, always),
	f("Uvarint", tUvarint, always),
	f("Varint", tVarint, always),
	f("String", tString, always),
	f("NullString", tString, always).nullable(always),
	f("Bytes", tBytes, always),
	records("Records", always),
	arrayOf("Strings", tString, always),
	array("Structs", always, f("X", tInt8, always)),
	object("Present", always, f("Y", tInt16, always)).nullable(always),
	object("Absent", always, f("Y", tInt16, always)).nullable(always),
	f("OnlyFlexible", tInt32, since(1)),
}

// enc writes the primitives of the Kafka protocol for hand-built bodies.
type enc struct {
	b    []byte
	flex bool
}

func (e *enc) raw(b ...byte)    { e.b = append(e.b, b...) }
func (e *enc) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

// length writes n as an int16/int32 (width) or compact length; n < 0 is null.
func (e *enc) length(n, width int) {
	switch {
	case e.flex:
		e.uvarint(uint64(n + 1))
	case width == 2:
		e.b = binary.BigEndian.AppendUint16(e.b, uint16(n))
	default:
		e.b = binary.BigEndian.AppendUint32(e.b, uint32(n))
	}
}

func (e *enc) tags() {
	if e.flex {
		e.raw(0)
	}
}

// everyTypeBody is a valid body of everyType.
func everyTypeBody(flex bool) []byte {
	e := &enc{flex: flex}
	e.raw(1, 2, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 5) // bool to int64
	e.raw(0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18) // pi
	e.raw(make([]byte, 16)...)
	e.raw(0xff, 0xff, 0xff, 0xff, 0x0f) // uvarint 2^32-1
	e.raw(0x01)                         // varint -1
	e.length(3, 2)
	e.raw([]byte("abc")...)
	e.length(-1, 2)
	e.length(2, 4)
	e.raw([]byte("xy")...)
	e.length(-1, 4)
	e.length(2, 4) // Strings
	e.length(1, 2)
	e.raw('a')
	e.length(0, 2)
	e.length(2, 4) // Structs
	e.raw(7)
	e.tags()
	e.raw(8)
	e.tags()
	e.raw(1, 0, 9) // Present
	e.tags()
	e.raw(0xff) // Absent
	if flex {
		e.raw(0, 0, 0, 10)
	}
	e.tags()
	return e.b
}

func TestEveryType(t *testing.T) {
	for v, flex := range []bool{false, true} {
		p, err := compileStruct(everyType, int16(v), flex, "")
		if err != nil {
			t.Fatal(err)
		}
		body := everyTypeBody(flex)
		if err := check(p, flex, body); err != nil {
			t.Fatalf("v%d: %v\n%x", v, err, body)
		}
		for n := range len(body) {
			if err := check(p, flex, body[:n]); err == nil {
				t.Fatalf("v%d: accepted a truncation to %d of %d bytes", v, n, len(body))
			}
		}
		if err := check(p, flex, append(body, 0)); err == nil {
			t.Fatalf("v%d: accepted a trailing byte", v)
		}
	}
}

func TestPrimitiveRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []field
		flex   bool
		body   []byte
		reason reason
		ok     bool
	}{
		{"uvarint of five bytes", []field{f("U", tUvarint, always)}, false, []byte{0x80, 0x80, 0x80, 0x80, 0x0f}, 0, true},
		{"uvarint past 32 bits", []field{f("U", tUvarint, always)}, false, []byte{0x80, 0x80, 0x80, 0x80, 0x10}, reasonVarint, false},
		{"uvarint of six bytes", []field{f("U", tUvarint, always)}, false, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, reasonVarint, false},
		{"null bytes", []field{f("B", tBytes, always)}, false, []byte{0xff, 0xff, 0xff, 0xff}, reasonNull, false},
		{"null string", []field{f("S", tString, always)}, false, []byte{0xff, 0xff}, reasonNull, false},
		{"compact null string", []field{f("S", tString, always)}, true, []byte{0, 0}, reasonNull, false},
		{"any negative string length is null", []field{f("S", tString, always).nullable(always)}, false, []byte{0x80, 0x00}, 0, true},
		{"string past the end", []field{f("S", tString, always)}, false, []byte{0, 2, 'a'}, reasonShort, false},
		{"array of structs past the end", []field{array("A", always, f("X", tInt64, always))}, false,
			[]byte{0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0}, reasonShort, false},
		{"tagged-field count past the end", []field{f("X", tInt8, always)}, true, []byte{0, 2, 1, 0}, reasonShort, false},
		{"unknown tagged field", []field{f("X", tInt8, always)}, true, []byte{0, 1, 9, 2, 0xaa, 0xbb}, 0, true},
		{"unknown tagged field past the end", []field{f("X", tInt8, always)}, true, []byte{0, 1, 9, 3, 0xaa, 0xbb}, reasonShort, false},
		{"known tagged field cut short", []field{tagged(3, f("T", tInt32, always))}, true, []byte{1, 3, 2, 0, 0}, reasonShort, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := compileStruct(tc.fields, 0, tc.flex, "")
			if err != nil {
				t.Fatal(err)
			}
			err = check(p, tc.flex, tc.body)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if e, ok := err.(*Error); !ok || e.reason != tc.reason {
				t.Fatalf("got %v, want reason %d", err, tc.reason)
			}
		})
	}
}

func TestCompileRefusesBadSchemas(t *testing.T) {
	for name, fields := range map[string][]field{
		"tag used twice":            {tagged(1, f("A", tInt8, always)), tagged(1, f("B", tInt8, always))},
		"array without elements":    {{name: "A", typ: tArray, in: always}},
		"array of arrays":           {arrayOf("A", tArray, always)},
		"primitive with fields":     {{name: "A", typ: tInt8, in: always, fields: []field{f("B", tInt8, always)}}},
		"struct without fields":     {{name: "A", typ: tStruct, in: always}},
		"unknown type":              {{name: "A", typ: 200, in: always}},
		"array with elem and field": {{name: "A", typ: tArray, in: always, elem: tInt8, fields: []field{f("B", tInt8, always)}}},
	} {
		if _, err := compileStruct(fields, 0, true, ""); err == nil {
			t.Errorf("%s: compiled", name)
		}
	}
}
