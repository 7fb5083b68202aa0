package wirecheck

import (
	"encoding/binary"
	"math"
)

// walker reads a body along a plan. It only moves an offset: nothing is
// copied or allocated unless the body is refused.
type walker struct {
	b    []byte
	off  int  // next byte to read
	end  int  // end of the section being read: the body, or one tagged field
	flex bool // flexible version: compact lengths and tagged-field sections
}

func (w *walker) left() int { return w.end - w.off }

// structure walks one struct.
func (w *walker) structure(p *plan) error {
	if p.fixed >= 0 && w.left() >= p.fixed {
		w.off += p.fixed
		return nil
	}
	for i := range p.ops {
		if err := w.value(&p.ops[i]); err != nil {
			return err
		}
	}
	if !w.flex {
		return nil
	}
	if w.off < w.end && w.b[w.off] == 0 { // no tagged fields, the usual case
		w.off++
		return nil
	}
	return w.tags(p)
}

func (w *walker) value(o *op) error {
	switch o.typ {
	case tFixed:
		if w.left() >= o.size {
			w.off += o.size
			return nil
		}
		for i := range o.parts {
			if err := w.value(&o.parts[i]); err != nil {
				return err
			}
		}
		return w.fail(reasonShort, o.path, w.off, "", 0, int64(o.size)) // not reached
	case tBool, tInt8:
		return w.skip(o, 1)
	case tInt16:
		return w.skip(o, 2)
	case tInt32:
		return w.skip(o, 4)
	case tInt64, tFloat64:
		return w.skip(o, 8)
	case tUUID:
		return w.skip(o, 16)
	case tUvarint, tVarint:
		at := w.off
		if _, ok := w.uvarint(); !ok {
			return w.fail(reasonVarint, o.path, at, "uvarint", 0, 0)
		}
		return nil
	case tString:
		return w.data(o, 2)
	case tBytes, tRecords:
		return w.data(o, 4)
	case tArray:
		return w.array(o)
	case tStruct:
		return w.object(o)
	}
	// Not reached: compile refuses unknown types. Refuse rather than panic
	// on a request path.
	return w.fail(reasonNoSchema, o.path, w.off, "", 0, 0)
}

func (w *walker) skip(o *op, n int) error {
	if w.left() < n {
		return w.fail(reasonShort, o.path, w.off, "", 0, int64(n))
	}
	w.off += n
	return nil
}

// data walks a string or a byte array.
func (w *walker) data(o *op, width int) error {
	n, err := w.length(o, width, "length")
	if err != nil || n < 0 {
		return err
	}
	if n > int64(w.left()) {
		return w.fail(reasonShort, o.path, w.off, "length", n, n)
	}
	w.off += int(n)
	return nil
}

func (w *walker) array(o *op) error {
	at := w.off
	n, err := w.length(o, 4, "count")
	if err != nil || n < 0 {
		return err
	}
	if n > math.MaxInt32 {
		// kmsg reads a compact count as an int32 and would wrap.
		return w.fail(reasonNull, o.path, at, "count", n, 0)
	}
	if n > int64(w.left()/o.emin) {
		return w.fail(reasonShort, o.path, at, "count", n, n*int64(o.emin))
	}
	if o.efix >= 0 {
		w.off += int(n) * o.efix // fits: efix == emin, or 0
		return nil
	}
	for i := int64(0); i < n; i++ {
		if o.body != nil {
			err = w.structure(o.body)
		} else {
			err = w.value(o.item)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// object walks a struct that is not an array element.
func (w *walker) object(o *op) error {
	if o.null {
		if w.left() < 1 {
			return w.fail(reasonShort, o.path, w.off, "", 0, 1)
		}
		marker := int8(w.b[w.off])
		if marker == -1 {
			w.off++
			return nil
		}
		if marker < 0 {
			return w.fail(reasonMarker, o.path, w.off, "", int64(marker), 0)
		}
		w.off++
	}
	return w.structure(o.body)
}

// length reads a length or count: an int16 (width 2) or int32 (width 4),
// or a uvarint of n+1 in flexible versions. It returns -1 for null, and
// refuses null where o is not nullable.
func (w *walker) length(o *op, width int, what string) (int64, error) {
	at := w.off
	var n int64
	if w.flex {
		u, ok := w.uvarint()
		if !ok {
			return 0, w.fail(reasonVarint, o.path, at, what, 0, 0)
		}
		n = int64(u) - 1
	} else {
		if w.left() < width {
			return 0, w.fail(reasonShort, o.path, at, "", 0, int64(width))
		}
		if width == 2 {
			n = int64(int16(binary.BigEndian.Uint16(w.b[w.off:])))
		} else {
			n = int64(int32(binary.BigEndian.Uint32(w.b[w.off:])))
		}
		w.off += width
	}
	if n < 0 {
		if !o.null {
			return 0, w.fail(reasonNull, o.path, at, what, n, 0)
		}
		return -1, nil
	}
	return n, nil
}

// tags walks a tagged-field section: a count, then per field a tag, a size
// and the content. A known tag's content is walked within its size.
func (w *walker) tags(p *plan) error {
	at := w.off
	n, ok := w.uvarint()
	if !ok {
		return w.fail(reasonVarint, p.path, at, "tagged-field count", 0, 0)
	}
	// Each field takes at least a tag byte and a size byte. This is the
	// check kmsg lacks: it loops n times however few bytes are left.
	if int64(n) > int64(w.left()/2) {
		return w.fail(reasonShort, p.path, at, "tagged-field count", int64(n), 2*int64(n))
	}
	for ; n > 0; n-- {
		at = w.off
		tag, ok := w.uvarint()
		if !ok {
			return w.fail(reasonVarint, p.path, at, "tag", 0, 0)
		}
		at = w.off
		size, ok := w.uvarint()
		if !ok {
			return w.fail(reasonVarint, p.path, at, "tag size", 0, 0)
		}
		if int64(size) > int64(w.left()) {
			return w.fail(reasonShort, p.path, at, "tag size", int64(size), int64(size))
		}
		if err := w.tag(p, tag, int(size)); err != nil {
			return err
		}
	}
	return nil
}

// tag walks the content of one tagged field of size bytes.
func (w *walker) tag(p *plan, tag uint32, size int) error {
	var known *op
	for i := range p.tags {
		if p.tags[i].tag == tag {
			known = &p.tags[i].op
			break
		}
	}
	if known == nil {
		w.off += size
		return nil
	}
	end := w.end
	w.end = w.off + size
	if err := w.value(known); err != nil {
		return err
	}
	if w.off != w.end {
		return w.fail(reasonTagSize, known.path, w.off, "", 0, 0)
	}
	w.end = end
	return nil
}

// uvarint reads a uvarint as kmsg does: at most five bytes, 32 bits.
func (w *walker) uvarint() (uint32, bool) {
	var x uint32
	for i := 0; i < 5; i++ {
		if w.off+i >= w.end {
			return 0, false
		}
		c := w.b[w.off+i]
		if i == 4 && c > 0x0f {
			return 0, false // past 32 bits
		}
		x |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			w.off += i + 1
			return x, true
		}
	}
	return 0, false
}

// fail builds the error; it is kept out of the walk's straight path so
// that only a refused body allocates.
//
//go:noinline
func (w *walker) fail(r reason, path string, at int, what string, value, need int64) error {
	return &Error{Field: path, Offset: at, reason: r, what: what, value: value, need: need, left: w.end - at}
}
