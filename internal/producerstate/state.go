package producerstate

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/spoolhq/spool/internal/record"
)

// MaxBatches is how many of a producer's latest batches are remembered to
// answer retries as duplicates. Five matches the most requests an idempotent
// producer may have in flight per connection.
const MaxBatches = 5

// DefaultExpirationMs is Kafka's producer.id.expiration.ms default (one day).
const DefaultExpirationMs = 86400000

// Sentinels Kafka uses for "none" in producer state.
const (
	noEpoch    = -1
	noSequence = -1
	noOffset   = -1
)

// BatchMetadata describes one data batch a producer appended, at the
// offsets the log gave it.
type BatchMetadata struct {
	FirstSeq     int32
	LastSeq      int32
	FirstOffset  int64
	LastOffset   int64
	MaxTimestamp int64
}

// Entry is a copy of one producer's state, for inspection (DescribeProducers,
// dump tools, tests).
type Entry struct {
	ProducerID int64
	Epoch      int16
	// CoordinatorEpoch is that of the last transaction marker; -1 if none.
	CoordinatorEpoch int32
	// LastTimestamp is the max timestamp of the last batch or marker;
	// expiry counts from it.
	LastTimestamp int64
	// TxnFirstOffset is the first offset of the open transaction; -1 if none.
	TxnFirstOffset int64
	// Batches are the last data batches of the current epoch, oldest first.
	Batches []BatchMetadata
}

// LastSequence is the last sequence the producer appended in its current
// epoch, or -1 if it has appended none.
func (e Entry) LastSequence() int32 {
	if len(e.Batches) == 0 {
		return noSequence
	}
	return e.Batches[len(e.Batches)-1].LastSeq
}

// producer is the live state of one producer id. The batches live in a
// fixed array so that appends do not allocate.
type producer struct {
	epoch            int16
	coordinatorEpoch int32
	lastTimestamp    int64
	txnFirstOffset   int64
	n                int
	batches          [MaxBatches]BatchMetadata
}

func newProducer() *producer {
	return &producer{epoch: noEpoch, coordinatorEpoch: -1, lastTimestamp: -1, txnFirstOffset: noOffset}
}

// State is the producer state of one partition: what it has learned from
// every batch below EndOffset. It is not safe for concurrent use; the
// partition's lock guards it. It does no I/O and reads no clock, except
// in the snapshot and rebuild functions, which say so.
type State struct {
	producers map[int64]*producer
	end       int64
}

// New returns an empty state at offset: one that has seen no batch below it.
func New(offset int64) *State {
	return &State{producers: make(map[int64]*producer), end: offset}
}

// EndOffset is the offset after the last batch the state has applied (or
// the snapshot offset it was loaded at).
func (s *State) EndOffset() int64 { return s.end }

// Len is the number of producers the state holds.
func (s *State) Len() int { return len(s.producers) }

// Producer returns a copy of one producer's state.
func (s *State) Producer(id int64) (Entry, bool) {
	p, ok := s.producers[id]
	if !ok {
		return Entry{}, false
	}
	return p.entry(id), true
}

// Producers returns a copy of every producer's state, by producer id.
func (s *State) Producers() []Entry {
	ids := slices.Sorted(maps.Keys(s.producers))
	out := make([]Entry, len(ids))
	for i, id := range ids {
		out[i] = s.producers[id].entry(id)
	}
	return out
}

func (p *producer) entry(id int64) Entry {
	e := Entry{
		ProducerID:       id,
		Epoch:            p.epoch,
		CoordinatorEpoch: p.coordinatorEpoch,
		LastTimestamp:    p.lastTimestamp,
		TxnFirstOffset:   p.txnFirstOffset,
	}
	if p.n > 0 {
		e.Batches = slices.Clone(p.batches[:p.n])
	}
	return e
}

// Check validates a producer's batch before it is appended, as Kafka does
// for batches from clients. A retry of one of the producer's last five
// batches returns that batch's metadata: the caller does not append it and
// answers with its original offsets. Otherwise a nil error means the batch
// may be appended; the errors are ErrInvalidProducerEpoch,
// ErrOutOfOrderSequence and ErrInvalidTxnState, wrapped with details.
// Batches without a producer id (-1) always pass. Check changes nothing.
func (s *State) Check(b record.Batch) (*BatchMetadata, error) {
	id := b.ProducerID()
	p := s.producers[id]
	if id < 0 || p == nil {
		// Kafka (since KIP-360, 2.5) accepts any sequence from a producer it
		// has no state for: its state may have expired or its batches been
		// removed by retention, and the producer cannot know that.
		return nil, nil
	}
	if b.IsControl() {
		return nil, p.checkEpoch(id, b)
	}
	if d, ok := p.duplicate(b); ok {
		// A fresh copy, allocated only here: taking &d would move d to the
		// heap on every call.
		dup := d
		return &dup, nil
	}
	if err := p.checkEpoch(id, b); err != nil {
		return nil, err
	}
	if err := p.checkSequence(id, b); err != nil {
		return nil, err
	}
	if p.txnFirstOffset >= 0 && !b.IsTransactional() {
		return nil, fmt.Errorf("producer %d has a transaction open since offset %d: %w",
			id, p.txnFirstOffset, ErrInvalidTxnState)
	}
	return nil, nil
}

// CheckEpoch validates only the producer epoch, as Kafka does for batches
// written by a coordinator (transaction markers, transactional offset
// commits), which carry no sequence numbers.
func (s *State) CheckEpoch(b record.Batch) error {
	id := b.ProducerID()
	p := s.producers[id]
	if id < 0 || p == nil {
		return nil
	}
	return p.checkEpoch(id, b)
}

// duplicate finds a batch of the current epoch with the same sequence range.
func (p *producer) duplicate(b record.Batch) (BatchMetadata, bool) {
	if b.ProducerEpoch() != p.epoch {
		return BatchMetadata{}, false
	}
	first, last := b.BaseSequence(), b.LastSequence()
	for _, m := range p.batches[:p.n] {
		if m.FirstSeq == first && m.LastSeq == last {
			return m, true
		}
	}
	return BatchMetadata{}, false
}

func (p *producer) checkEpoch(id int64, b record.Batch) error {
	if e := b.ProducerEpoch(); e < p.epoch {
		return fmt.Errorf("producer %d: epoch %d is older than current epoch %d: %w",
			id, e, p.epoch, ErrInvalidProducerEpoch)
	}
	return nil
}

// checkSequence applies Kafka's sequence rules to a batch whose epoch is
// not stale.
func (p *producer) checkSequence(id int64, b record.Batch) error {
	epoch, seq := b.ProducerEpoch(), b.BaseSequence()
	switch {
	case p.epoch == noEpoch:
		// No epoch known: same leniency as for an unknown producer.
		return nil
	case epoch != p.epoch:
		if seq != 0 {
			return fmt.Errorf("producer %d: new epoch %d starts at sequence %d, not 0: %w",
				id, epoch, seq, ErrOutOfOrderSequence)
		}
	default:
		// With no batch in this epoch (only a marker), last is -1 and the
		// producer must start again at 0.
		if last := p.lastSeq(); !follows(last, seq) {
			return fmt.Errorf("producer %d epoch %d: sequence %d does not follow %d: %w",
				id, epoch, seq, last, ErrOutOfOrderSequence)
		}
	}
	return nil
}

// follows reports whether next is the sequence after last; sequences wrap
// from MaxInt32 to 0.
func follows(last, next int32) bool {
	return int64(next) == int64(last)+1 || (next == 0 && last == math.MaxInt32)
}

func (p *producer) lastSeq() int32 {
	if p.n == 0 {
		return noSequence
	}
	return p.batches[p.n-1].LastSeq
}

// Append records a batch the log now holds at its final offsets (with
// LogAppendTime already stamped). It does not validate: the leader calls
// it after Check and the append, followers for each replicated batch, and
// a rebuild for each batch read back from the log, all to the same effect.
// Callers may pass every batch; those without a producer id only move
// EndOffset.
func (s *State) Append(b record.Batch) {
	s.end = b.NextOffset()
	id := b.ProducerID()
	if id < 0 {
		return
	}
	if b.IsControl() {
		s.appendMarker(id, b)
		return
	}
	p := s.producer(id)
	p.setEpoch(b.ProducerEpoch())
	p.push(BatchMetadata{
		FirstSeq:     b.BaseSequence(),
		LastSeq:      b.LastSequence(),
		FirstOffset:  b.BaseOffset(),
		LastOffset:   b.LastOffset(),
		MaxTimestamp: b.MaxTimestamp(),
	})
	p.lastTimestamp = b.MaxTimestamp()
	if b.IsTransactional() && p.txnFirstOffset < 0 {
		p.txnFirstOffset = b.BaseOffset()
	}
}

// appendMarker applies a transaction marker: it may bump the epoch and it
// closes the producer's transaction. The coordinator epoch and whether the
// transaction committed are in the marker's record, which the transactions
// work will decode; the last stable offset will hook in here.
func (s *State) appendMarker(id int64, b record.Batch) {
	if b.NumRecords() == 0 {
		// Compaction emptied the marker with its whole transaction; Kafka
		// ignores such a batch.
		return
	}
	p := s.producer(id)
	p.setEpoch(b.ProducerEpoch())
	p.txnFirstOffset = noOffset
	p.lastTimestamp = b.MaxTimestamp()
}

func (s *State) producer(id int64) *producer {
	p := s.producers[id]
	if p == nil {
		p = newProducer()
		s.producers[id] = p
	}
	return p
}

// setEpoch moves to the batch's epoch; sequences restart with a new epoch,
// so the old epoch's batches can no longer be duplicates.
func (p *producer) setEpoch(epoch int16) {
	if epoch != p.epoch {
		p.epoch = epoch
		p.n = 0
	}
}

func (p *producer) push(m BatchMetadata) {
	if p.n == MaxBatches {
		copy(p.batches[:], p.batches[1:])
		p.n--
	}
	p.batches[p.n] = m
	p.n++
}

// RemoveExpired forgets producers with no open transaction whose last
// timestamp is expirationMs (producer.id.expiration.ms) or more before now,
// and returns how many. Kafka runs this every
// producer.id.expiration.check.interval.ms, not on each append, so a
// producer past its expiry stays known until the next run.
func (s *State) RemoveExpired(now, expirationMs int64) int {
	removed := 0
	for id, p := range s.producers {
		if p.txnFirstOffset < 0 && now-p.lastTimestamp >= expirationMs {
			delete(s.producers, id)
			removed++
		}
	}
	return removed
}
