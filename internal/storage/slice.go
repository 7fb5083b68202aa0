package storage

import (
	"fmt"
	"io"
	"os"
	"slices"
)

// FileSlice is a byte range of a segment file holding whole batches. It
// holds a reference on the file: the file stays open and readable, even if
// retention deletes the segment meanwhile, until Release. Release it exactly
// once; the zero FileSlice is empty and needs no release.
type FileSlice struct {
	h    *fileHandle
	f    *os.File
	pos  int64
	size int64
}

// Len is the slice's size in bytes.
func (s *FileSlice) Len() int { return int(s.size) }

// Position is where the slice starts in its segment file.
func (s *FileSlice) Position() int64 { return s.pos }

// File is the path of the segment file (at the time of the read).
func (s *FileSlice) File() string {
	if s.f == nil {
		return ""
	}
	return s.f.Name()
}

// Release drops the slice's reference on the file.
func (s *FileSlice) Release() {
	if s.h == nil {
		return
	}
	h := s.h
	s.h, s.f = nil, nil
	_ = h.release()
}

// WriteTo writes the slice to w: with sendfile(2) at an explicit file offset
// when w is a socket (a *net.TCPConn or *net.UnixConn), else by positional
// reads. It implements io.WriterTo.
func (s *FileSlice) WriteTo(w io.Writer) (int64, error) {
	if s.size == 0 {
		return 0, nil
	}
	if s.f == nil {
		return 0, fmt.Errorf("write file slice: already released")
	}
	n, handled, err := sendFile(w, s.f, s.pos, s.size)
	if handled {
		return n, err
	}
	n, err = io.Copy(w, io.NewSectionReader(s.f, s.pos, s.size))
	if err == nil && n < s.size {
		err = io.ErrUnexpectedEOF // the file was truncated under the slice
	}
	return n, err
}

// ReadAt reads from the slice at off (relative to the slice), positionally.
func (s *FileSlice) ReadAt(p []byte, off int64) (int, error) {
	if s.f == nil && s.size > 0 {
		return 0, fmt.Errorf("read file slice: already released")
	}
	if off >= s.size {
		return 0, io.EOF
	}
	if rest := s.size - off; int64(len(p)) > rest {
		n, err := s.f.ReadAt(p[:rest], s.pos+off)
		if err == nil {
			err = io.EOF
		}
		return n, err
	}
	return s.f.ReadAt(p, s.pos+off)
}

// AppendTo appends the slice's bytes to dst.
func (s *FileSlice) AppendTo(dst []byte) ([]byte, error) {
	n := len(dst)
	dst = slices.Grow(dst, int(s.size))[:n+int(s.size)]
	got, err := s.ReadAt(dst[n:], 0)
	if err == io.EOF && int64(got) < s.size {
		err = io.ErrUnexpectedEOF // the file was truncated under the slice
	}
	if err != nil && err != io.EOF {
		return dst[:n], fmt.Errorf("read file slice: %w", err)
	}
	return dst, nil
}
