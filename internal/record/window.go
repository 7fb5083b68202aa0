package record

import (
	"fmt"
	"io"
)

// minWindow is the first buffer size for streamed (decompressed) records.
const minWindow = 32 << 10

// window hands out one length-prefixed record body at a time, either from
// a byte slice (an uncompressed batch, never copied) or from a stream it
// buffers. Bodies stay valid until the next call.
type window struct {
	r        io.Reader // nil: buf[pos:end] is all the input there is
	own      []byte    // storage for streamed input, kept across resets
	buf      []byte
	pos, end int
	eof      bool
	left     int64 // bytes the stream may still yield within its bound
}

func (w *window) resetBytes(b []byte) {
	w.r, w.buf, w.pos, w.end, w.eof = nil, b, 0, len(b), true
}

func (w *window) resetStream(r io.Reader, limit int64) {
	w.r, w.buf, w.pos, w.end, w.eof, w.left = r, w.own[:cap(w.own)], 0, 0, false, limit
}

// next returns the body of the next record, without its length prefix.
func (w *window) next() ([]byte, error) {
	if err := w.fill(maxVarint32Len); err != nil {
		return nil, err
	}
	avail := w.end - w.pos
	if avail == 0 {
		return nil, fmt.Errorf("records end before the declared count: %w", ErrInvalidRecord)
	}
	size, n := readVarint32(w.buf[w.pos:w.end])
	if n == 0 {
		return nil, fmt.Errorf("malformed record length: %w", ErrInvalidRecord)
	}
	if size < 0 {
		return nil, fmt.Errorf("record length %d is negative: %w", size, ErrInvalidRecord)
	}
	need := n + int(size)
	if w.r != nil && int64(need-avail) > w.left {
		// Say so now rather than decompress up to the bound first.
		return nil, fmt.Errorf("record of %d bytes exceeds the decompression bound: %w", size, ErrMessageTooLarge)
	}
	if err := w.fill(need); err != nil {
		return nil, err
	}
	if w.end-w.pos < need {
		return nil, fmt.Errorf("record length %d but only %d bytes remain: %w", size, w.end-w.pos-n, ErrInvalidRecord)
	}
	body := w.buf[w.pos+n : w.pos+need]
	w.pos += need
	return body, nil
}

// remaining reports whether any input is left.
func (w *window) remaining() (bool, error) {
	if err := w.fill(1); err != nil {
		return false, err
	}
	return w.end > w.pos, nil
}

// fill buffers at least k unread bytes, or all that is left of the input.
func (w *window) fill(k int) error {
	for w.end-w.pos < k && !w.eof && w.r != nil {
		if w.end == len(w.buf) {
			w.makeRoom()
		}
		n, err := w.r.Read(w.buf[w.end:])
		w.end += n
		w.left -= int64(n)
		if err == io.EOF {
			w.eof = true
		} else if err != nil {
			return err
		}
	}
	return nil
}

// makeRoom frees space at the end of a full buffer: first by dropping what
// was read, then by doubling it. Growth follows data actually decoded, so a
// record's declared length alone never allocates.
func (w *window) makeRoom() {
	if w.pos > 0 {
		w.end = copy(w.buf, w.buf[w.pos:w.end])
		w.pos = 0
		return
	}
	nb := make([]byte, max(2*len(w.buf), minWindow))
	copy(nb, w.buf[:w.end])
	w.buf, w.own = nb, nb
}
