package wirecheck

import (
	"bytes"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestNullsMatchKmsg checks every positional field a schema lets be null,
// at every version, against kmsg: a body with that field null and every
// other value empty or zero must be accepted, and kmsg must decode it and
// encode it back byte for byte. kmsg reads a null array as empty in any
// version, so the mutations of TestKmsgEncodingsAccepted cannot see an
// array marked nullable where it is not; kmsg's encoder can, since it
// writes such an array back as empty.
func TestNullsMatchKmsg(t *testing.T) {
	checked := 0
	defer func() { t.Logf("%d nullable fields and versions checked", checked) }()
	for _, m := range requests {
		c := plans[m.key]
		for v, p := range c.versions {
			v := int16(v)
			flex := v >= m.flexible
			for _, target := range nullable(p, nil) {
				checked++
				e := &enc{flex: flex}
				e.minimal(p, target)
				if err := Request(m.key, v, e.b); err != nil {
					t.Errorf("%s v%d: %s null: refused: %v\n%x", m.name, v, target.path, err, e.b)
					continue
				}
				req := kmsg.RequestForKey(m.key)
				req.SetVersion(v)
				if err := req.ReadFrom(e.b); err != nil {
					t.Errorf("%s v%d: %s null: kmsg refuses it: %v\n%x", m.name, v, target.path, err, e.b)
					continue
				}
				if again := req.AppendTo(nil); !bytes.Equal(again, e.b) {
					t.Errorf("%s v%d: %s is not nullable in kmsg: %x re-encodes as %x",
						m.name, v, target.path, e.b, again)
				}
			}
		}
	}
}

// nullable appends to out the ops of p, at any depth, that may be null.
func nullable(p *plan, out []*op) []*op {
	for i := range p.ops {
		o := &p.ops[i]
		if o.null {
			out = append(out, o)
		}
		if o.body != nil {
			out = nullable(o.body, out)
		}
	}
	return out
}

// holds reports whether target is one of p's ops at any depth.
func holds(p *plan, target *op) bool {
	for i := range p.ops {
		o := &p.ops[i]
		if o == target || o.body != nil && holds(o.body, target) {
			return true
		}
	}
	return false
}

// minimal writes the body of p in which target is null and everything
// else is as small as it can be: zero numbers, empty strings, bytes and
// arrays, present structs, no tagged fields. The arrays on the way to
// target get one element. Every value is written as kmsg writes it, so
// kmsg's encoding of what it decodes is the same bytes.
func (e *enc) minimal(p *plan, target *op) {
	for i := range p.ops {
		e.minimalOp(&p.ops[i], target)
	}
	e.tags()
}

func (e *enc) minimalOp(o *op, target *op) {
	null := o == target
	switch o.typ {
	case tUvarint, tVarint:
		e.raw(0)
	case tString:
		e.length(emptyOrNull(null), 2)
	case tBytes, tRecords:
		e.length(emptyOrNull(null), 4)
	case tArray:
		switch {
		case null:
			e.length(-1, 4)
		case o.body != nil && holds(o.body, target):
			e.length(1, 4)
			e.minimal(o.body, target)
		default:
			e.length(0, 4)
		}
	case tStruct:
		if o.null {
			if null {
				e.raw(0xff)
				return
			}
			e.raw(1)
		}
		e.minimal(o.body, target)
	default: // fixed-size fields and runs of them
		e.raw(make([]byte, fixedSize(o))...)
	}
}

// emptyOrNull is the length of an empty value, or of null.
func emptyOrNull(null bool) int {
	if null {
		return -1
	}
	return 0
}
