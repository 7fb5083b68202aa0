package wirecheck

import "math"

// The schema language. A message is a list of fields; each field has a wire
// type and the versions in which it is on the wire, like the "versions" and
// "nullableVersions" of Kafka's JSON message definitions, so a schema here
// can be read side by side with them. Schemas are compiled into one plan per
// version (compile.go) before any request is checked.

// typ is a field's wire type.
type typ uint8

const (
	tBool typ = iota + 1
	tInt8
	tInt16
	tInt32
	tInt64
	tFloat64
	tUUID
	tUvarint
	tVarint
	// tString is an int16 length and the bytes, or in flexible versions a
	// uvarint of length+1 (0 = null).
	tString
	// tBytes is an int32 length and the bytes, or in flexible versions a
	// uvarint of length+1 (0 = null).
	tBytes
	// tRecords is a record set: nullable bytes whose content is not ours to
	// walk here (record.Validate does that for Produce).
	tRecords
	// tArray is an int32 count, or in flexible versions a uvarint of
	// count+1 (0 = null), then the elements: either primitives (elem) or
	// structs (fields).
	tArray
	// tStruct is a struct that is not an array element: the content of a
	// tagged field, or a nullable struct behind an int8 marker (-1 = null).
	tStruct
	// tFixed is not for schemas: compiled plans use it for a run of
	// adjacent fixed-size fields.
	tFixed
)

// span is a set of versions [lo, end). The zero span holds no version, so a
// field that leaves its nullable span unset is never null.
type span struct{ lo, end int16 }

var always = span{0, math.MaxInt16}

// since is every version from v on: Kafka's "v+".
func since(v int16) span { return span{v, math.MaxInt16} }

// upTo is versions 0 to v: Kafka's "0-v".
func upTo(v int16) span { return span{0, v + 1} }

// between is versions lo to hi: Kafka's "lo-hi".
func between(lo, hi int16) span { return span{lo, hi + 1} }

func (s span) has(v int16) bool { return v >= s.lo && v < s.end }

// field is one field of a struct.
type field struct {
	name   string
	typ    typ
	in     span    // versions in which the field is on the wire
	null   span    // versions in which it may be null
	tagged bool    // a tagged field (KIP-482) rather than a positional one
	tag    uint32  // its tag number
	elem   typ     // element type of an array of primitives
	fields []field // fields of a struct, or of an array's struct elements
}

// message is the request schema of one API.
type message struct {
	key      int16
	name     string
	max      int16 // versions 0 to max are described
	flexible int16 // first flexible version; math.MaxInt16 if none
	fields   []field
}

// f is a primitive field.
func f(name string, t typ, in span) field { return field{name: name, typ: t, in: in} }

// records is a record set, nullable wherever it is present.
func records(name string, in span) field {
	return field{name: name, typ: tRecords, in: in, null: in}
}

// array is an array of structs with the given fields.
func array(name string, in span, fields ...field) field {
	return field{name: name, typ: tArray, in: in, fields: fields}
}

// arrayOf is an array of primitives.
func arrayOf(name string, elem typ, in span) field {
	return field{name: name, typ: tArray, in: in, elem: elem}
}

// object is a struct that is not an array element.
func object(name string, in span, fields ...field) field {
	return field{name: name, typ: tStruct, in: in, fields: fields}
}

// nullable marks the versions in which the field may be null.
func (fl field) nullable(s span) field {
	fl.null = s
	return fl
}

// tagged makes fl the tagged field number tag. Kafka adds tagged fields at
// some flexible version, but kmsg decodes a known tag in every flexible
// version of the message, and it is kmsg's decoding that the check guards:
// a tagged field is therefore walked whenever it appears, and fl's own
// versions are ignored. The fields inside a tagged struct are read by kmsg
// whatever the version, so they are declared "always".
func tagged(tag uint32, fl field) field {
	fl.tagged, fl.tag, fl.in = true, tag, always
	return fl
}
