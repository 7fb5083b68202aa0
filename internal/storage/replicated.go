package storage

import (
	"fmt"

	"github.com/spoolhq/spool/internal/record"
)

// AppendReplicated appends batches a follower received from its leader:
// whole v2 batches back to back, at the offsets and leader epochs the leader
// gave them. A batch may start past the log end (the leader compacted
// records away) but never before it. The bytes go to disk as they are: the
// batches that fit the active segment are written in one positional write,
// then published one by one (indexes, leader epochs, log end). The caller
// has checked the batches (CRC, magic); buf is not retained.
//
// It returns the first offset, the last offset and the new log end; Rolled
// and FlushTo as for Append.
func (l *Log) AppendReplicated(buf []byte) (AppendInfo, error) {
	l.writeMu.Lock()
	defer l.writeMu.Unlock()
	if l.mu.closed {
		return AppendInfo{}, ErrClosed
	}
	info := AppendInfo{FirstOffset: -1, LastOffset: -1}
	for len(buf) > 0 {
		n, run, err := l.nextRunLocked(buf)
		if err != nil {
			return info, err
		}
		ri, err := l.appendRunLocked(buf[:n], run)
		if err != nil {
			return info, err
		}
		if info.FirstOffset < 0 {
			info.FirstOffset = ri.FirstOffset
		}
		info.LastOffset, info.Position, info.End = ri.LastOffset, ri.Position, ri.End
		info.Rolled = info.Rolled || ri.Rolled
		info.FlushTo = max(info.FlushTo, ri.FlushTo)
		buf = buf[n:]
	}
	return info, nil
}

// runInfo is a run of batches going into one segment in one write.
type runInfo struct {
	seg    *segment
	count  int
	rolled bool
}

// nextRunLocked picks the segment for the first batch of buf (rolling when
// Kafka's rules say so) and extends the run over the following batches that
// fit it without rolling. It returns the run's length in bytes.
func (l *Log) nextRunLocked(buf []byte) (int, runInfo, error) {
	first, rest, err := l.peekReplicated(buf, l.mu.end.Offset)
	if err != nil {
		return 0, runInfo{}, err
	}
	now := l.now()
	run := runInfo{seg: l.activeLocked(), count: 1}
	if l.shouldRollLocked(run.seg, first, now) {
		if run.seg, err = l.rollLocked(now); err != nil {
			return 0, runInfo{}, err
		}
		run.rolled = true
	}
	seg := run.seg
	seg.mu.Lock()
	size := seg.mu.size + int64(len(first))
	// Each batch adds at most one entry to each index.
	room := min(l.cfg.maxIndexEntries()-len(seg.mu.idx.index.entries), l.cfg.maxTimeEntries()-len(seg.mu.idx.time.entries)) - 1
	seg.mu.Unlock()
	n, next := len(first), first.NextOffset()
	for len(rest) > 0 && room > 0 {
		b, after, err := l.peekReplicated(rest, next)
		if err != nil {
			return 0, runInfo{}, err
		}
		if size+int64(len(b)) > l.cfg.SegmentBytes || !seg.fits(b.LastOffset()) ||
			l.timeWaitedLocked(seg, now, b.MaxTimestamp()) > l.cfg.SegmentMs-seg.app.jitterMs {
			break
		}
		size += int64(len(b))
		n += len(b)
		next = b.NextOffset()
		rest = after
		run.count++
		room--
	}
	return n, run, nil
}

// peekReplicated frames the batch at the start of buf and checks that it
// does not go back before offset next.
func (l *Log) peekReplicated(buf []byte, next int64) (record.Batch, []byte, error) {
	b, rest, err := record.Peek(buf)
	if err != nil {
		return nil, nil, fmt.Errorf("append replicated batches to log %s: %w", l.dir, err)
	}
	if b.BaseOffset() < next {
		return nil, nil, &UnexpectedOffsetError{Expected: next, Got: b.BaseOffset()}
	}
	if int64(len(b)) > l.cfg.SegmentBytes {
		return nil, nil, fmt.Errorf("append %d bytes to log %s: %w", len(b), l.dir, ErrBatchTooLarge)
	}
	return b, rest, nil
}

// appendRunLocked writes a run in one write and publishes its batches.
func (l *Log) appendRunLocked(buf []byte, run runInfo) (AppendInfo, error) {
	pos, err := l.writeLocked(run.seg, buf)
	if err != nil {
		return AppendInfo{}, err
	}
	now := l.now()
	info := AppendInfo{FirstOffset: -1}
	for i := 0; i < run.count; i++ {
		b, rest, _ := record.Peek(buf)
		bi := l.publishLocked(run.seg, b, pos, now, run.rolled && i == 0)
		if info.FirstOffset < 0 {
			info.FirstOffset = bi.FirstOffset
		}
		info.LastOffset, info.Position, info.End, info.Rolled = bi.LastOffset, bi.Position, bi.End, info.Rolled || bi.Rolled
		info.FlushTo = max(info.FlushTo, bi.FlushTo)
		pos += int64(len(b))
		buf = rest
	}
	return info, nil
}
