package storage

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

const (
	offsetEntrySize = 8  // 4-byte relative offset, 4-byte position
	timeEntrySize   = 12 // 8-byte timestamp, 4-byte relative offset

	// noTimestamp is Kafka's RecordBatch.NO_TIMESTAMP.
	noTimestamp = -1
)

// indexEntry maps the last offset of a batch to the batch's file position.
type indexEntry struct {
	rel uint32 // offset - segment base
	pos uint32
}

// offsetIndex is a segment's sparse offset index, held in memory. Entries
// strictly increase in both offset and position.
type offsetIndex struct {
	base    int64
	entries []indexEntry
}

// lookup returns the position of the last indexed batch whose last offset is
// at or below offset: the scan for offset may start there. 0 when none is.
func (x *offsetIndex) lookup(offset int64) int64 {
	rel := offset - x.base
	if rel < 0 {
		return 0
	}
	i := sort.Search(len(x.entries), func(i int) bool { return int64(x.entries[i].rel) > rel })
	if i == 0 {
		return 0
	}
	return int64(x.entries[i-1].pos)
}

// floorPosition returns the largest indexed position at or below pos, 0
// when none is. Indexed positions are batch boundaries.
func (x *offsetIndex) floorPosition(pos int64) int64 {
	i := sort.Search(len(x.entries), func(i int) bool { return int64(x.entries[i].pos) > pos })
	if i == 0 {
		return 0
	}
	return int64(x.entries[i-1].pos)
}

func (x *offsetIndex) append(lastOffset, pos int64) {
	x.entries = append(x.entries, indexEntry{rel: uint32(lastOffset - x.base), pos: uint32(pos)})
}

// truncateToPosition drops the entries of batches at or after pos.
func (x *offsetIndex) truncateToPosition(pos int64) {
	i := sort.Search(len(x.entries), func(i int) bool { return int64(x.entries[i].pos) >= pos })
	x.entries = x.entries[:i]
}

// lastPosition is where the last indexed batch starts, 0 if none is.
func (x *offsetIndex) lastPosition() int64 {
	if len(x.entries) == 0 {
		return 0
	}
	return int64(x.entries[len(x.entries)-1].pos)
}

func (x *offsetIndex) marshal() []byte {
	buf := make([]byte, len(x.entries)*offsetEntrySize)
	for i, e := range x.entries {
		binary.BigEndian.PutUint32(buf[i*offsetEntrySize:], e.rel)
		binary.BigEndian.PutUint32(buf[i*offsetEntrySize+4:], e.pos)
	}
	return buf
}

// unmarshalOffsetIndex parses an .index file and checks that it can belong
// to a segment of logSize bytes; the error says what is wrong and where.
func unmarshalOffsetIndex(base int64, buf []byte, logSize int64) (*offsetIndex, int64, error) {
	if len(buf)%offsetEntrySize != 0 {
		return nil, int64(len(buf) / offsetEntrySize * offsetEntrySize), fmt.Errorf("size %d is not a multiple of %d", len(buf), offsetEntrySize)
	}
	x := &offsetIndex{base: base, entries: make([]indexEntry, len(buf)/offsetEntrySize)}
	for i := range x.entries {
		e := indexEntry{
			rel: binary.BigEndian.Uint32(buf[i*offsetEntrySize:]),
			pos: binary.BigEndian.Uint32(buf[i*offsetEntrySize+4:]),
		}
		at := int64(i * offsetEntrySize)
		switch {
		case e.rel > math.MaxInt32:
			return nil, at, fmt.Errorf("relative offset %d overflows", e.rel)
		case int64(e.pos) >= logSize:
			return nil, at, fmt.Errorf("position %d is past the log's %d bytes", e.pos, logSize)
		case i > 0 && (e.rel <= x.entries[i-1].rel || e.pos <= x.entries[i-1].pos):
			return nil, at, fmt.Errorf("entry (%d, %d) does not follow (%d, %d)", e.rel, e.pos, x.entries[i-1].rel, x.entries[i-1].pos)
		}
		x.entries[i] = e
	}
	return x, 0, nil
}

// timeEntry says that no batch before the one holding offset base+rel has a
// larger timestamp than ts.
type timeEntry struct {
	ts  int64
	rel uint32
}

// timeIndex is a segment's sparse time index, held in memory. Entries
// strictly increase in timestamp and never decrease in offset.
type timeIndex struct {
	base    int64
	entries []timeEntry
}

// lookup returns the last entry whose timestamp is at or below ts, or
// (noTimestamp, base) when there is none.
func (x *timeIndex) lookup(ts int64) (int64, int64) {
	i := sort.Search(len(x.entries), func(i int) bool { return x.entries[i].ts > ts })
	if i == 0 {
		return noTimestamp, x.base
	}
	e := x.entries[i-1]
	return e.ts, x.base + int64(e.rel)
}

// last returns the newest entry, or (noTimestamp, base) when empty.
func (x *timeIndex) last() (int64, int64) {
	if len(x.entries) == 0 {
		return noTimestamp, x.base
	}
	e := x.entries[len(x.entries)-1]
	return e.ts, x.base + int64(e.rel)
}

// maybeAppend adds an entry when ts is newer than the last one.
func (x *timeIndex) maybeAppend(ts, offset int64) {
	if last, _ := x.last(); ts <= last {
		return
	}
	x.entries = append(x.entries, timeEntry{ts: ts, rel: uint32(offset - x.base)})
}

// truncateToOffset drops entries that point at offset or later.
func (x *timeIndex) truncateToOffset(offset int64) {
	i := sort.Search(len(x.entries), func(i int) bool { return x.base+int64(x.entries[i].rel) >= offset })
	x.entries = x.entries[:i]
}

// marshal encodes the entries plus, when it is newer, a final entry for the
// segment's max timestamp; Kafka writes that entry when a segment stops
// being active, and retention and ListOffsets read it back.
func (x *timeIndex) marshal(maxTs, maxTsOffset int64) []byte {
	n := len(x.entries)
	last, _ := x.last()
	final := maxTs > last
	if final {
		n++
	}
	buf := make([]byte, n*timeEntrySize)
	for i, e := range x.entries {
		putTimeEntry(buf[i*timeEntrySize:], e)
	}
	if final {
		putTimeEntry(buf[len(x.entries)*timeEntrySize:], timeEntry{ts: maxTs, rel: uint32(maxTsOffset - x.base)})
	}
	return buf
}

func putTimeEntry(b []byte, e timeEntry) {
	binary.BigEndian.PutUint64(b, uint64(e.ts))
	binary.BigEndian.PutUint32(b[8:], e.rel)
}

// unmarshalTimeIndex parses a .timeindex file and checks its order.
func unmarshalTimeIndex(base int64, buf []byte) (*timeIndex, int64, error) {
	if len(buf)%timeEntrySize != 0 {
		return nil, int64(len(buf) / timeEntrySize * timeEntrySize), fmt.Errorf("size %d is not a multiple of %d", len(buf), timeEntrySize)
	}
	x := &timeIndex{base: base, entries: make([]timeEntry, len(buf)/timeEntrySize)}
	for i := range x.entries {
		e := timeEntry{
			ts:  int64(binary.BigEndian.Uint64(buf[i*timeEntrySize:])),
			rel: binary.BigEndian.Uint32(buf[i*timeEntrySize+8:]),
		}
		at := int64(i * timeEntrySize)
		switch {
		case e.rel > math.MaxInt32:
			return nil, at, fmt.Errorf("relative offset %d overflows", e.rel)
		case e.ts < 0:
			return nil, at, fmt.Errorf("timestamp %d is negative", e.ts)
		case i > 0 && (e.ts <= x.entries[i-1].ts || e.rel < x.entries[i-1].rel):
			return nil, at, fmt.Errorf("entry (%d, %d) does not follow (%d, %d)", e.ts, e.rel, x.entries[i-1].ts, x.entries[i-1].rel)
		}
		x.entries[i] = e
	}
	return x, 0, nil
}

// indexBuilder decides where index entries go as batches are appended or
// rescanned; both paths share it so a rebuilt index equals the one the
// appends made.
type indexBuilder struct {
	index           *offsetIndex
	time            *timeIndex
	interval        int64
	bytesSinceEntry int64
	maxTs           int64 // newest batch max timestamp so far
	maxTsOffset     int64 // last offset of the first batch holding maxTs
	maxTsPos        int64 // that batch's position, -1 when unknown
}

func newIndexBuilder(base, interval int64) *indexBuilder {
	return &indexBuilder{
		index:       &offsetIndex{base: base},
		time:        &timeIndex{base: base},
		interval:    interval,
		maxTs:       noTimestamp,
		maxTsOffset: base,
		maxTsPos:    -1,
	}
}

// observe accounts for a batch of size bytes at pos. As in Kafka, the batch
// gets an index entry when more than interval bytes precede it since the last
// entry, and the time index records the max timestamp so far at that point.
func (b *indexBuilder) observe(pos, size, lastOffset, maxTs int64) {
	if maxTs > b.maxTs {
		b.maxTs, b.maxTsOffset, b.maxTsPos = maxTs, lastOffset, pos
	}
	if b.bytesSinceEntry > b.interval {
		b.index.append(lastOffset, pos)
		b.time.maybeAppend(b.maxTs, b.maxTsOffset)
		b.bytesSinceEntry = 0
	}
	b.bytesSinceEntry += size
}
