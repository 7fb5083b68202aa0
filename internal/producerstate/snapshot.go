package producerstate

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"maps"
	"slices"
)

// Sizes and constants of the snapshot format; docs/format/producer-snapshot.md.
const (
	snapshotMagic   = "SPPS"
	snapshotVersion = 1
	headerSize      = 20
	entrySize       = 32
	batchSize       = 32
	crcSize         = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MarshalSnapshot encodes the state as a snapshot at offset. offset may be
// above EndOffset when the batches in between have no producer id, but not
// below it: the state would then hold batches the name says it does not.
// It only encodes, so a caller can take it under the partition lock and
// write the file after releasing it.
func (s *State) MarshalSnapshot(offset int64) ([]byte, error) {
	if offset < s.end {
		return nil, fmt.Errorf("snapshot at offset %d: state already holds batches up to %d", offset, s.end)
	}
	ids := slices.Sorted(maps.Keys(s.producers))
	size := headerSize + crcSize
	for _, id := range ids {
		size += entrySize + s.producers[id].n*batchSize
	}
	buf := make([]byte, 0, size)
	buf = append(buf, snapshotMagic...)
	buf = binary.BigEndian.AppendUint32(buf, snapshotVersion)
	buf = binary.BigEndian.AppendUint64(buf, uint64(offset))
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(ids)))
	for _, id := range ids {
		buf = appendEntry(buf, id, s.producers[id])
	}
	return binary.BigEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli)), nil
}

func appendEntry(buf []byte, id int64, p *producer) []byte {
	buf = binary.BigEndian.AppendUint64(buf, uint64(id))
	buf = binary.BigEndian.AppendUint16(buf, uint16(p.epoch))
	buf = binary.BigEndian.AppendUint16(buf, uint16(p.n))
	buf = binary.BigEndian.AppendUint32(buf, uint32(p.coordinatorEpoch))
	buf = binary.BigEndian.AppendUint64(buf, uint64(p.lastTimestamp))
	buf = binary.BigEndian.AppendUint64(buf, uint64(p.txnFirstOffset))
	for _, m := range p.batches[:p.n] {
		buf = binary.BigEndian.AppendUint32(buf, uint32(m.FirstSeq))
		buf = binary.BigEndian.AppendUint32(buf, uint32(m.LastSeq))
		buf = binary.BigEndian.AppendUint64(buf, uint64(m.FirstOffset))
		buf = binary.BigEndian.AppendUint64(buf, uint64(m.LastOffset))
		buf = binary.BigEndian.AppendUint64(buf, uint64(m.MaxTimestamp))
	}
	return buf
}

// UnmarshalSnapshot decodes a snapshot that claims to be at offset (the
// offset in its file name). Any defect is a *CorruptSnapshotError with an
// empty Path.
func UnmarshalSnapshot(data []byte, offset int64) (*State, error) {
	if len(data) < headerSize+crcSize {
		return nil, corrupt(0, "%d bytes is shorter than an empty snapshot", len(data))
	}
	body := data[:len(data)-crcSize]
	if got, want := crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(data[len(body):]); got != want {
		return nil, corrupt(len(body), "crc is %#08x, computed %#08x", want, got)
	}
	if err := checkHeader(body, offset); err != nil {
		return nil, err
	}
	return decodeEntries(body, offset)
}

func checkHeader(body []byte, offset int64) error {
	if string(body[:4]) != snapshotMagic {
		return corrupt(0, "magic is %q, not %q", body[:4], snapshotMagic)
	}
	if v := binary.BigEndian.Uint32(body[4:]); v != snapshotVersion {
		return corrupt(4, "unknown version %d", v)
	}
	if o := int64(binary.BigEndian.Uint64(body[8:])); o != offset {
		return corrupt(8, "holds offset %d, its name says %d", o, offset)
	}
	return nil
}

func decodeEntries(body []byte, offset int64) (*State, error) {
	s := New(offset)
	count := binary.BigEndian.Uint32(body[16:])
	pos := headerSize
	prev := int64(-1)
	for range count {
		id, p, next, err := decodeEntry(body, pos)
		if err != nil {
			return nil, err
		}
		if id <= prev {
			return nil, corrupt(pos, "producer id %d does not follow %d", id, prev)
		}
		s.producers[id] = p
		prev, pos = id, next
	}
	if pos != len(body) {
		return nil, corrupt(pos, "%d bytes follow the last producer entry", len(body)-pos)
	}
	return s, nil
}

// decodeEntry reads the producer entry at pos and returns the position
// after it.
func decodeEntry(body []byte, pos int) (int64, *producer, int, error) {
	if len(body)-pos < entrySize {
		return 0, nil, 0, corrupt(pos, "producer entry runs past the end")
	}
	e := body[pos:]
	id := int64(binary.BigEndian.Uint64(e))
	n := int(int16(binary.BigEndian.Uint16(e[10:])))
	if id < 0 {
		return 0, nil, 0, corrupt(pos, "negative producer id %d", id)
	}
	if n < 0 || n > MaxBatches {
		return 0, nil, 0, corrupt(pos+10, "%d batches, want 0 to %d", n, MaxBatches)
	}
	if len(e) < entrySize+n*batchSize {
		return 0, nil, 0, corrupt(pos, "batches of producer %d run past the end", id)
	}
	p := &producer{
		epoch:            int16(binary.BigEndian.Uint16(e[8:])),
		coordinatorEpoch: int32(binary.BigEndian.Uint32(e[12:])),
		lastTimestamp:    int64(binary.BigEndian.Uint64(e[16:])),
		txnFirstOffset:   int64(binary.BigEndian.Uint64(e[24:])),
		n:                n,
	}
	for i := range n {
		p.batches[i] = decodeBatch(e[entrySize+i*batchSize:])
	}
	return id, p, pos + entrySize + n*batchSize, nil
}

func decodeBatch(b []byte) BatchMetadata {
	return BatchMetadata{
		FirstSeq:     int32(binary.BigEndian.Uint32(b)),
		LastSeq:      int32(binary.BigEndian.Uint32(b[4:])),
		FirstOffset:  int64(binary.BigEndian.Uint64(b[8:])),
		LastOffset:   int64(binary.BigEndian.Uint64(b[16:])),
		MaxTimestamp: int64(binary.BigEndian.Uint64(b[24:])),
	}
}

func corrupt(pos int, format string, args ...any) *CorruptSnapshotError {
	return &CorruptSnapshotError{Pos: pos, Reason: fmt.Sprintf(format, args...)}
}
