package producerstate

import (
	"encoding/binary"

	"github.com/spoolhq/spool/internal/record"
)

// spec describes a test batch: a bare 61-byte v2 header, which is all the
// state reads.
type spec struct {
	pid     int64
	epoch   int16
	seq     int32
	n       int32 // records; at least 1
	offset  int64
	ts      int64
	txn     bool
	control bool
}

// makeBatch builds the header; the byte positions are those of
// docs/format/record-batch.md, which record keeps unexported.
func makeBatch(s spec) record.Batch {
	be := binary.BigEndian
	b := make(record.Batch, record.HeaderSize)
	be.PutUint64(b[0:], uint64(s.offset))
	be.PutUint32(b[8:], record.HeaderSize-record.LogOverhead)
	b[16] = 2 // magic
	var attrs uint16
	if s.txn {
		attrs |= 0x10
	}
	if s.control {
		attrs |= 0x20
	}
	be.PutUint16(b[21:], attrs)
	be.PutUint32(b[23:], uint32(s.n-1))
	be.PutUint64(b[27:], uint64(s.ts))
	be.PutUint64(b[35:], uint64(s.ts))
	be.PutUint64(b[43:], uint64(s.pid))
	be.PutUint16(b[51:], uint16(s.epoch))
	be.PutUint32(b[53:], uint32(s.seq))
	be.PutUint32(b[57:], uint32(s.n))
	b.UpdateCRC()
	return b
}
