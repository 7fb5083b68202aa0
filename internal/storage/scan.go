package storage

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spoolhq/spool/internal/record"
)

// headerScanner walks the batch headers of a segment file between two
// positions, one positional read per batch. It trusts the bytes (no CRC):
// it serves reads and index rebuilds of data that recovery already checked,
// and reports a CorruptionError where a header cannot be right.
type headerScanner struct {
	f   *os.File
	pos int64 // next batch position
	end int64
	buf [record.HeaderSize]byte
}

func newHeaderScanner(f *os.File, pos, end int64) headerScanner {
	return headerScanner{f: f, pos: pos, end: end}
}

// next returns the header of the batch at s.pos and its position, or
// ok=false at the end.
func (s *headerScanner) next() (h record.Batch, pos int64, ok bool, err error) {
	if s.pos >= s.end {
		return nil, s.pos, false, nil
	}
	h, err = readHeader(s.f, s.pos, s.end, s.buf[:])
	if err != nil {
		return nil, s.pos, false, &CorruptionError{File: s.f.Name(), Pos: s.pos, Err: err}
	}
	pos = s.pos
	s.pos += batchSize(h)
	return h, pos, true, nil
}

// batchSize is the whole batch's size in the file, from its header.
func batchSize(h record.Batch) int64 { return int64(h.BatchLength()) + record.LogOverhead }

// readHeader reads the header at pos and checks that a batch of sane length
// and magic 2 ends at or before end.
func readHeader(f *os.File, pos, end int64, buf []byte) (record.Batch, error) {
	if end-pos < record.HeaderSize {
		return nil, fmt.Errorf("%d bytes left, less than a batch header", end-pos)
	}
	if _, err := f.ReadAt(buf[:record.HeaderSize], pos); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("file ends inside a batch header")
		}
		return nil, err
	}
	h := record.Batch(buf[:record.HeaderSize])
	if err := checkHeader(h, end-pos); err != nil {
		return nil, err
	}
	return h, nil
}

// checkHeader checks the header fields that say where the next batch is.
func checkHeader(h record.Batch, avail int64) error {
	size := batchSize(h)
	switch {
	case size < record.HeaderSize:
		return fmt.Errorf("batch length %d is below the header size", h.BatchLength())
	case size > avail:
		return fmt.Errorf("batch of %d bytes runs past the end (%d bytes left)", size, avail)
	case h.Magic() != 2:
		return fmt.Errorf("batch magic %d is not 2", h.Magic())
	case h.LastOffsetDelta() < 0:
		return fmt.Errorf("batch last offset delta %d is negative", h.LastOffsetDelta())
	}
	return nil
}
