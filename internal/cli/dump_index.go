package cli

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
)

// Index files hold fixed-size entries: .index maps a relative offset (int32)
// to a file position (int32); .timeindex maps a timestamp (int64) to a
// relative offset (int32). Both may end in zeroed, preallocated entries.
const (
	offsetEntrySize = 8
	timeEntrySize   = 12
)

// siblingLog is the segment file an index belongs to.
func siblingLog(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".log"
}

func (r *dumpRun) dumpIndex(path string) error {
	base, err := baseOffsetOf(path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("java.nio.file.NoSuchFileException: %s", path)
	}
	entries := len(data) / offsetEntrySize
	if entries == 0 {
		fmt.Fprintf(r.out, "%s is empty.\n", path)
		return nil
	}
	if r.o.sanityOnly {
		return r.indexSanity(path, data)
	}
	seg, closeSeg, err := openSegment(siblingLog(path))
	if err != nil {
		return err
	}
	defer closeSeg()
	abs, _ := filepath.Abs(path)
	for i := range entries {
		rel := int64(int32(binary.BigEndian.Uint32(data[i*offsetEntrySize:])))
		pos := int64(int32(binary.BigEndian.Uint32(data[i*offsetEntrySize+4:])))
		offset := base + rel
		// The zeroed tail of a preallocated index repeats the base offset.
		if offset == base && i > 0 {
			return nil
		}
		if b, err := batchAt(seg, pos, r.o.maxMessageSize); err == nil && b.LastOffset() != offset {
			r.indexMis = addPair(r.indexMis, abs, offset, b.LastOffset())
		}
		if !r.o.verifyOnly {
			fmt.Fprintf(r.out, "offset: %d position: %d\n", offset, pos)
		}
	}
	return nil
}

// indexSanity is the check a broker makes at startup: a whole number of
// entries.
func (r *dumpRun) indexSanity(path string, data []byte) error {
	if len(data)%offsetEntrySize != 0 {
		return fmt.Errorf("org.apache.kafka.common.errors.CorruptIndexException: Index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d.", path, len(data), offsetEntrySize)
	}
	fmt.Fprintf(r.out, "%s passed sanity check.\n", path)
	return nil
}

func openSegment(path string) (*os.File, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("java.nio.file.NoSuchFileException: %s", path)
	}
	return f, func() { f.Close() }, nil
}

// batchAt reads the batch that starts at pos in a segment.
func batchAt(f *os.File, pos int64, maxSize int) (record.Batch, error) {
	var head [record.LogOverhead]byte
	if _, err := f.ReadAt(head[:], pos); err != nil {
		return nil, err
	}
	size := int64(int32(binary.BigEndian.Uint32(head[8:]))) + record.LogOverhead
	if size < record.HeaderSize || size > int64(maxSize)+record.LogOverhead {
		return nil, errors.New("batch size out of range")
	}
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, pos); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	b, _, err := record.Peek(buf)
	return b, err
}

func (r *dumpRun) dumpTimeIndex(path string) error {
	base, err := baseOffsetOf(path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("java.nio.file.NoSuchFileException: %s", path)
	}
	if r.o.sanityOnly {
		if len(data)%timeEntrySize != 0 {
			return fmt.Errorf("org.apache.kafka.common.errors.CorruptIndexException: Time index file %s is corrupt, found %d bytes which is neither positive nor a multiple of %d.", path, len(data), timeEntrySize)
		}
		fmt.Fprintf(r.out, "%s passed sanity check.\n", path)
		return nil
	}
	batches, err := segmentBatches(siblingLog(path))
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(path)
	prev := int64(-1)
	for i := range len(data) / timeEntrySize {
		ts := int64(binary.BigEndian.Uint64(data[i*timeEntrySize:]))
		offset := base + int64(int32(binary.BigEndian.Uint32(data[i*timeEntrySize+8:])))
		if offset == base && i > 0 {
			return nil
		}
		r.checkTimeEntry(abs, batches, ts, offset, prev)
		if !r.o.verifyOnly {
			fmt.Fprintf(r.out, "timestamp: %d offset: %d\n", ts, offset)
		}
		prev = ts
	}
	return nil
}

// batchSummary is what the time index check needs of a batch.
type batchSummary struct {
	lastOffset, maxTimestamp int64
}

func segmentBatches(path string) ([]batchSummary, error) {
	f, closeSeg, err := openSegment(path)
	if err != nil {
		return nil, err
	}
	defer closeSeg()
	seg := &segmentReader{r: bufio.NewReaderSize(f, 1<<20), maxBytes: 1<<63 - 1}
	var out []batchSummary
	for {
		b, err := seg.next()
		if err != nil {
			return out, nil
		}
		out = append(out, batchSummary{lastOffset: b.LastOffset(), maxTimestamp: b.MaxTimestamp()})
		seg.pos += int64(len(b))
	}
}

// checkTimeEntry compares one time index entry with the log: it must name
// the last offset of a batch whose max timestamp it holds, and timestamps
// must grow.
func (r *dumpRun) checkTimeEntry(path string, batches []batchSummary, ts, offset, prev int64) {
	for _, b := range batches {
		if b.lastOffset < offset {
			continue
		}
		if b.lastOffset != offset {
			r.timeMissing = addPair(r.timeMissing, path, offset, b.lastOffset)
			return
		}
		if b.maxTimestamp != ts {
			r.timeMis = addPair(r.timeMis, path, ts, b.maxTimestamp)
		}
		if prev >= ts {
			r.timeOrder = addPair(r.timeOrder, path, ts, prev)
		}
		return
	}
	r.timeMissing = addPair(r.timeMissing, path, offset, -1)
}

// dumpProducerSnapshot prints each producer of a producer-state snapshot
// the way Kafka prints its own snapshots: one line per producer with its
// newest batch (Spool keeps the last five; Kafka's snapshots keep one).
func (r *dumpRun) dumpProducerSnapshot(path string) error {
	state, err := producerstate.ReadSnapshot(path)
	if err != nil {
		fmt.Fprintln(r.errOut, err)
		return nil
	}
	for _, p := range state.Producers() {
		txn := "OptionalLong.empty"
		if p.TxnFirstOffset >= 0 {
			txn = fmt.Sprintf("OptionalLong[%d]", p.TxnFirstOffset)
		}
		fmt.Fprintf(r.out, "producerId: %d producerEpoch: %d coordinatorEpoch: %d currentTxnFirstOffset: %s lastTimestamp: %d ",
			p.ProducerID, p.Epoch, p.CoordinatorEpoch, txn, p.LastTimestamp)
		if n := len(p.Batches); n > 0 {
			b := p.Batches[n-1]
			fmt.Fprintf(r.out, "firstSequence: %d lastSequence: %d lastOffset: %d offsetDelta: %d timestamp: %d",
				b.FirstSeq, b.LastSeq, b.LastOffset, b.LastOffset-b.FirstOffset, b.MaxTimestamp)
		}
		fmt.Fprintln(r.out)
	}
	return nil
}
