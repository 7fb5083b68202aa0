package wirecheck

import "fmt"

// A plan is a struct's layout at one version of one message: only the fields
// on the wire at that version, with the sizes the walk needs worked out in
// advance, so that checking a request makes no version comparisons.
type plan struct {
	path string  // dotted path of the struct, for errors; "" at the top
	ops  []op    // positional fields in wire order
	tags []tagOp // known tagged fields (flexible versions only)
	min  int     // fewest bytes an encoding of the struct takes
	// fixed is the exact encoded size when every field is fixed-size and
	// there is no tagged-field section (non-flexible versions), else -1:
	// arrays of such structs are skipped in one step.
	fixed int
}

// op is one field of a plan.
type op struct {
	typ  typ
	null bool   // may be null at this version
	path string // dotted field path, for errors
	item *op    // element of an array of primitives
	body *plan  // struct, or element of an array of structs
	// emin is the fewest bytes one array element takes (at least 1, as
	// kmsg assumes), efix its exact size if fixed, else -1.
	emin, efix int
	size       int  // bytes of a tFixed run
	parts      []op // the fields of a tFixed run, walked one by one only to report an error
}

type tagOp struct {
	tag uint32
	op  op
}

// compile returns the plan of m at version v.
func compile(m *message, v int16) (*plan, error) {
	flex := v >= m.flexible
	return compileStruct(m.fields, v, flex, "")
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func compileStruct(fields []field, v int16, flex bool, at string) (*plan, error) {
	p := &plan{path: at}
	seen := map[uint32]bool{}
	for _, fl := range fields {
		path := join(at, fl.name)
		if fl.tagged {
			if seen[fl.tag] {
				return nil, fmt.Errorf("%s: tag %d used twice", path, fl.tag)
			}
			seen[fl.tag] = true
			if !flex {
				continue
			}
			o, err := compileOp(fl, v, flex, path)
			if err != nil {
				return nil, err
			}
			p.tags = append(p.tags, tagOp{tag: fl.tag, op: o})
			continue
		}
		if !fl.in.has(v) {
			continue
		}
		o, err := compileOp(fl, v, flex, path)
		if err != nil {
			return nil, err
		}
		p.ops = append(p.ops, o)
		p.min += minSize(&o, flex)
		if size := fixedSize(&o); size >= 0 && p.fixed >= 0 {
			p.fixed += size
		} else {
			p.fixed = -1
		}
	}
	if flex {
		p.min++ // the tagged-field count
		p.fixed = -1
	}
	p.ops = mergeFixed(p.ops)
	return p, nil
}

// mergeFixed replaces each run of two or more adjacent fixed-size fields
// by one op that skips them all: most of a Fetch partition, for one, is a
// run of six integers.
func mergeFixed(ops []op) []op {
	var out []op
	for i := 0; i < len(ops); {
		j, size := i, 0
		for ; j < len(ops) && fixedSize(&ops[j]) >= 0; j++ {
			size += fixedSize(&ops[j])
		}
		switch {
		case j-i >= 2:
			out = append(out, op{typ: tFixed, path: ops[i].path, size: size, parts: ops[i:j], efix: -1})
			i = j
		default:
			out = append(out, ops[i])
			i++
		}
	}
	return out
}

func compileOp(fl field, v int16, flex bool, path string) (op, error) {
	o := op{typ: fl.typ, null: fl.null.has(v), path: path, efix: -1}
	switch fl.typ {
	case tBool, tInt8, tInt16, tInt32, tInt64, tFloat64, tUUID, tUvarint, tVarint, tString, tBytes, tRecords:
		if len(fl.fields) > 0 || fl.elem != 0 {
			return o, fmt.Errorf("%s: a primitive with fields or an element type", path)
		}
	case tStruct:
		if len(fl.fields) == 0 {
			return o, fmt.Errorf("%s: a struct without fields", path)
		}
		body, err := compileStruct(fl.fields, v, flex, path)
		if err != nil {
			return o, err
		}
		o.body = body
	case tArray:
		if err := compileArray(&o, fl, v, flex, path); err != nil {
			return o, err
		}
	default:
		return o, fmt.Errorf("%s: unknown type %d", path, fl.typ)
	}
	return o, nil
}

func compileArray(o *op, fl field, v int16, flex bool, path string) error {
	switch {
	case fl.elem != 0 && len(fl.fields) == 0:
		if fl.elem == tArray || fl.elem == tStruct {
			return fmt.Errorf("%s: elem must be a primitive", path)
		}
		o.item = &op{typ: fl.elem, path: path + "[]", efix: -1}
		o.emin, o.efix = minSize(o.item, flex), fixedSize(o.item)
	case fl.elem == 0 && len(fl.fields) > 0:
		body, err := compileStruct(fl.fields, v, flex, path)
		if err != nil {
			return err
		}
		o.body, o.emin, o.efix = body, body.min, body.fixed
	default:
		return fmt.Errorf("%s: an array needs either an element type or fields", path)
	}
	if o.emin < 1 {
		o.emin = 1
	}
	return nil
}

// minSize is the fewest bytes o can be encoded in: a null or empty value.
func minSize(o *op, flex bool) int {
	switch o.typ {
	case tString:
		if flex {
			return 1
		}
		return 2
	case tBytes, tRecords, tArray:
		if flex {
			return 1
		}
		return 4
	case tUvarint, tVarint:
		return 1
	case tStruct:
		if o.null {
			return 1 // the marker alone
		}
		return o.body.min
	}
	return fixedSize(o)
}

// fixedSize is o's encoded size if every value of it takes the same number
// of bytes, else -1.
func fixedSize(o *op) int {
	switch o.typ {
	case tBool, tInt8:
		return 1
	case tInt16:
		return 2
	case tInt32:
		return 4
	case tInt64, tFloat64:
		return 8
	case tUUID:
		return 16
	case tStruct:
		if o.null {
			return -1
		}
		return o.body.fixed
	case tFixed:
		return o.size
	}
	return -1
}
