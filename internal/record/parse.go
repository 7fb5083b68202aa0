package record

import "fmt"

// A record body (after its length varint):
//
//	attributes int8, timestampDelta varlong, offsetDelta varint,
//	keyLength varint, key, valueLength varint, value,
//	headerCount varint, headers: [keyLength varint, key, valueLength varint, value]
//
// A length of -1 is null; header keys may not be null.

func malformed(field string) error {
	return fmt.Errorf("malformed %s: %w", field, ErrInvalidRecord)
}

// parse decodes body into r; the slices alias body. With skipHeaders the
// headers are checked but not kept (r.Headers is left empty).
func (r *Record) parse(body []byte, skipHeaders bool) error {
	if len(body) == 0 {
		return malformed("attributes")
	}
	r.Attributes = int8(body[0])
	p := 1
	ts, n := readVarint64(body[p:])
	if n == 0 {
		return malformed("timestamp delta")
	}
	r.TimestampDelta, p = ts, p+n
	od, n := readVarint32(body[p:])
	if n == 0 {
		return malformed("offset delta")
	}
	r.OffsetDelta, p = od, p+n
	var ok bool
	if r.Key, p, ok = readBytes(body, p); !ok {
		return malformed("key")
	}
	if r.Value, p, ok = readBytes(body, p); !ok {
		return malformed("value")
	}
	p, err := r.parseHeaders(body, p, skipHeaders)
	if err != nil {
		return err
	}
	if p != len(body) {
		return fmt.Errorf("record length overstates its fields by %d bytes: %w", len(body)-p, ErrInvalidRecord)
	}
	return nil
}

func (r *Record) parseHeaders(body []byte, p int, skip bool) (int, error) {
	count, n := readVarint32(body[p:])
	if n == 0 || count < 0 {
		return p, malformed("header count")
	}
	p += n
	// Each header takes at least two bytes; refuse counts the body cannot
	// hold before building anything.
	if int(count) > (len(body)-p)/2 {
		return p, fmt.Errorf("header count %d exceeds the record's %d remaining bytes: %w", count, len(body)-p, ErrInvalidRecord)
	}
	// Header keys repeat from record to record; reusing the previous
	// record's key string saves an allocation per header.
	prev := r.Headers[:cap(r.Headers)]
	r.Headers = r.Headers[:0]
	for i := range int(count) {
		kl, n := readVarint32(body[p:])
		if n == 0 || kl < 0 || int(kl) > len(body)-p-n {
			return p, malformed("header key")
		}
		key := body[p+n : p+n+int(kl)]
		var value []byte
		var ok bool
		if value, p, ok = readBytes(body, p+n+int(kl)); !ok {
			return p, malformed("header value")
		}
		if skip {
			continue
		}
		h := Header{Value: value}
		if i < len(prev) && prev[i].Key == string(key) {
			h.Key = prev[i].Key
		} else {
			h.Key = string(key)
		}
		r.Headers = append(r.Headers, h)
	}
	return p, nil
}

// readBytes reads a varint length and that many bytes at body[p:]; length
// -1 gives nil. An empty, non-null field gives a non-nil empty slice.
func readBytes(body []byte, p int) ([]byte, int, bool) {
	l, n := readVarint32(body[p:])
	if n == 0 || l < -1 {
		return nil, p, false
	}
	p += n
	if l == -1 {
		return nil, p, true
	}
	if int(l) > len(body)-p {
		return nil, p, false
	}
	return body[p : p+int(l) : p+int(l)], p + int(l), true
}
