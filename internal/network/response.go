package network

import (
	"bufio"
	"io"
	"syscall"
)

// FileRange is a range of a file to send as part of a response, typically
// record batches in a log segment. The writer copies small ranges into its
// buffer and sends large ones with sendfile(2).
type FileRange interface {
	// Len is the number of bytes in the range.
	Len() int
	// ReadInto fills p (len(p) == Len()) with the range's bytes.
	ReadInto(p []byte) error
	// SendTo writes the range to a socket without copying it through user
	// space.
	SendTo(c syscall.Conn) error
	// Release gives up the reader's hold on the file; the writer calls it
	// once the range is written or abandoned.
	Release()
}

// Part is a file range followed by the response bytes that come after it.
type Part struct {
	File  FileRange
	After []byte
}

// Response is one encoded response frame: Head holds the 4-byte size
// prefix, the response header and the body up to the first file range;
// Parts hold the file ranges and the bytes between them. A nil *Response
// means the request gets no response (a produce with acks=0).
type Response struct {
	Head  []byte
	Parts []Part
}

// Size is the frame's total size including the size prefix.
func (r *Response) Size() int {
	n := len(r.Head)
	for _, p := range r.Parts {
		n += p.File.Len() + len(p.After)
	}
	return n
}

// Release releases every file range of the response.
func (r *Response) Release() {
	for _, p := range r.Parts {
		p.File.Release()
	}
}

// Reply is a handler's answer to one request: either Ready now, or Later on
// a channel that delivers exactly one response (nil for none). A handler
// whose work ends with the response sets Ready; one that must wait for an
// event sets Later.
type Reply struct {
	Ready *Response
	Later <-chan *Response
	// FrameDone says the handler kept no reference into the request frame,
	// so its buffer may be reused for the next request.
	FrameDone bool
}

// Now wraps a finished response.
func Now(r *Response) Reply { return Reply{Ready: r} }

// sendfileThreshold is the file range size below which copying through the
// write buffer costs less than a flush plus a sendfile call.
const sendfileThreshold = 16 << 10

// writeResponse writes r through w, flushing before each large file range
// so that the range can go to the socket directly.
func writeResponse(w *bufio.Writer, sock io.Writer, r *Response) error {
	if _, err := w.Write(r.Head); err != nil {
		return err
	}
	for _, p := range r.Parts {
		if err := writeFileRange(w, sock, p.File); err != nil {
			return err
		}
		if _, err := w.Write(p.After); err != nil {
			return err
		}
	}
	return nil
}

func writeFileRange(w *bufio.Writer, sock io.Writer, f FileRange) error {
	n := f.Len()
	if n == 0 {
		return nil
	}
	sc, canSend := sock.(syscall.Conn)
	if !canSend || n < sendfileThreshold {
		return copyFileRange(w, f)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.SendTo(sc)
}

func copyFileRange(w *bufio.Writer, f FileRange) error {
	n := f.Len()
	if n > w.Available() {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if n <= w.Available() {
		buf := w.AvailableBuffer()[:n]
		if err := f.ReadInto(buf); err != nil {
			return err
		}
		_, err := w.Write(buf)
		return err
	}
	// Larger than the whole buffer and no sendfile (e.g. a TLS socket).
	buf := make([]byte, n)
	if err := f.ReadInto(buf); err != nil {
		return err
	}
	_, err := w.Write(buf)
	return err
}
