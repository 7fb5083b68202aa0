package wirecheck

import "fmt"

// reason says why a body was refused.
type reason uint8

const (
	// reasonShort: a value, length or count needs more bytes than are left.
	// kmsg refuses these too, or spins on them (tagged-field counts).
	reasonShort reason = iota + 1
	// reasonVarint: a uvarint is cut off or longer than 32 bits.
	reasonVarint
	// reasonNull: a null (negative) length or count for a field that is
	// not nullable at this version, or a count past int32. Kafka refuses
	// these; kmsg reads some of them as empty.
	reasonNull
	// reasonMarker: a nullable struct's marker is below -1. Kafka reads
	// any negative marker as null, kmsg anything but -1 as present; we
	// take neither side.
	reasonMarker
	// reasonTagSize: a known tagged field's content does not end exactly
	// at its declared size. Kafka reads known tags without looking at the
	// size, so a mismatch would be misread there; kmsg ignores the excess.
	reasonTagSize
	// reasonTrailing: bytes are left after the request.
	reasonTrailing
	// reasonNoSchema: the API or version has no schema.
	reasonNoSchema
)

// Error is a refused request body: what is wrong and where.
type Error struct {
	Field  string // dotted field path in the request schema; empty for the body as a whole
	Offset int    // byte offset in the body of the value that is wrong
	reason reason
	what   string // what was read: "length", "count", "tagged-field count", ...
	value  int64  // the number read, where there is one
	need   int64  // bytes the value needs
	left   int    // bytes left when it was read
}

func (e *Error) Error() string {
	at := "body"
	if e.Field != "" {
		at = e.Field
	}
	switch e.reason {
	case reasonShort:
		if e.what == "" {
			return fmt.Sprintf("%s at byte %d: needs %d bytes, %d left", at, e.Offset, e.need, e.left)
		}
		return fmt.Sprintf("%s at byte %d: %s %d needs at least %d bytes, %d left",
			at, e.Offset, e.what, e.value, e.need, e.left)
	case reasonVarint:
		return fmt.Sprintf("%s at byte %d: malformed %s", at, e.Offset, e.what)
	case reasonNull:
		return fmt.Sprintf("%s at byte %d: %s %d is not allowed here", at, e.Offset, e.what, e.value)
	case reasonMarker:
		return fmt.Sprintf("%s at byte %d: struct marker %d is neither -1 nor non-negative", at, e.Offset, e.value)
	case reasonTagSize:
		return fmt.Sprintf("%s at byte %d: tagged field content ends %d bytes before its size", at, e.Offset, e.left)
	case reasonTrailing:
		return fmt.Sprintf("%d unread bytes after the request at byte %d", e.left, e.Offset)
	case reasonNoSchema:
		return fmt.Sprintf("no request schema for api key %d version %d", e.value>>16, int16(e.value))
	}
	return fmt.Sprintf("%s at byte %d: invalid", at, e.Offset)
}
