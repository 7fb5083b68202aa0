package metadata

import "fmt"

// batchVersion is the version of the batch framing; see
// docs/format/metadata-records.md.
const batchVersion = 1

// AppendBatch appends the encoding of records, as one batch, to dst.
func AppendBatch(dst []byte, records []Record) ([]byte, error) {
	e := encoder{buf: append(dst, batchVersion)}
	e.uvarint(uint64(len(records)))
	var body encoder
	for i, r := range records {
		body.buf = body.buf[:0]
		if err := encodeBody(&body, r); err != nil {
			return dst, fmt.Errorf("record %d: %w", i, err)
		}
		e.uvarint(uint64(r.Type()))
		e.uvarint(0) // body version
		e.uvarint(uint64(len(body.buf)))
		e.buf = append(e.buf, body.buf...)
	}
	return e.buf, nil
}

// EncodeBatch returns the encoding of records as one batch.
func EncodeBatch(records []Record) ([]byte, error) {
	return AppendBatch(nil, records)
}

// DecodeBatch decodes a batch written by AppendBatch. Errors are
// *CorruptError.
func DecodeBatch(b []byte) ([]Record, error) {
	d := decoder{b: b}
	if v := d.int8(); d.err == nil && v != batchVersion {
		d.fail("unknown batch version %d", v)
	}
	n := d.uvarint()
	if d.err == nil && n > uint64(len(b)) {
		d.fail("%d records in %d bytes", n, len(b))
	}
	if d.err != nil {
		return nil, d.err
	}
	records := make([]Record, 0, n)
	for range n {
		r := decodeRecord(&d)
		if d.err != nil {
			return nil, d.err
		}
		records = append(records, r)
	}
	if d.off != len(b) {
		d.fail("%d bytes after the last record", len(b)-d.off)
		return nil, d.err
	}
	return records, nil
}

// decodeRecord reads one framed record. The body must be consumed exactly:
// a body longer than its version's fields is as corrupt as a shorter one.
func decodeRecord(d *decoder) Record {
	start := d.off
	t := RecordType(d.uvarint())
	version := d.uvarint()
	size := d.size()
	body := d.bytes(size)
	if d.err != nil {
		return nil
	}
	if version != 0 {
		d.off = start
		d.fail("%s version %d is not supported", t, version)
		return nil
	}
	bd := decoder{b: body}
	r := decodeBody(&bd, t)
	if bd.err == nil && bd.off != len(body) {
		bd.fail("%d bytes left over in %s", len(body)-bd.off, t)
	}
	if bd.err != nil {
		ce := bd.err.(*CorruptError)
		d.err = &CorruptError{Offset: d.off - size + ce.Offset, Reason: ce.Reason}
		return nil
	}
	return r
}

// size reads a plain (not plus-one) length that must fit in what is left.
func (d *decoder) size() int {
	v := d.uvarint()
	if d.err == nil && v > uint64(len(d.b)-d.off) {
		d.fail("size %d exceeds the %d bytes left", v, len(d.b)-d.off)
		return 0
	}
	return int(v)
}
