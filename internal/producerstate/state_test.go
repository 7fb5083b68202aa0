package producerstate

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

func TestCheckBypassesBatchesWithoutProducerID(t *testing.T) {
	st := New(0)
	b := makeBatch(spec{pid: -1, epoch: -1, seq: -1, n: 3})
	if dup, err := st.Check(b); dup != nil || err != nil {
		t.Fatalf("Check = %v, %v; want nil, nil", dup, err)
	}
	st.Append(b)
	if st.Len() != 0 || st.EndOffset() != 3 {
		t.Fatalf("after a plain batch: %d producers, end %d; want 0, 3", st.Len(), st.EndOffset())
	}
}

func TestEmptyMarkerIsIgnored(t *testing.T) {
	st := New(0)
	st.Append(makeBatch(spec{pid: 1, epoch: 0, seq: 0, n: 1, txn: true}))
	marker := makeBatch(spec{pid: 1, epoch: 1, seq: -1, n: 1, offset: 1, txn: true, control: true})
	marker[60] = 0 // record count 0: compaction removed the marker record
	marker.UpdateCRC()
	st.Append(marker)
	e, _ := st.Producer(1)
	if e.Epoch != 0 || e.TxnFirstOffset != 0 || st.EndOffset() != 2 {
		t.Fatalf("after an empty marker: epoch %d, txn %d, end %d; want 0, 0, 2", e.Epoch, e.TxnFirstOffset, st.EndOffset())
	}
}

func TestDuplicateReturnsACopy(t *testing.T) {
	st := New(0)
	b := makeBatch(spec{pid: 1, epoch: 0, seq: 0, n: 2, ts: 77})
	st.Append(b)
	dup, err := st.Check(b)
	if err != nil || dup == nil {
		t.Fatalf("Check = %v, %v; want a duplicate", dup, err)
	}
	want := BatchMetadata{FirstSeq: 0, LastSeq: 1, FirstOffset: 0, LastOffset: 1, MaxTimestamp: 77}
	if *dup != want {
		t.Fatalf("duplicate = %+v, want %+v", *dup, want)
	}
	dup.FirstOffset = 99
	if again, _ := st.Check(b); again.FirstOffset != 0 {
		t.Fatal("changing the returned duplicate changed the state")
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	st := New(0)
	b := makeBatch(spec{pid: 1, epoch: 0, seq: 0, n: 1})
	st.Append(b)
	allocs := testing.AllocsPerRun(100, func() {
		b.SetBaseOffset(st.EndOffset())
		seq := b.LastSequence() + 1
		b[53], b[54], b[55], b[56] = byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
		if _, err := st.Check(b); err != nil {
			t.Fatal(err)
		}
		st.Append(b)
	})
	if allocs != 0 {
		t.Fatalf("Check+Append allocate %.1f times per batch", allocs)
	}
}

// logGen produces a log the way clients and coordinators would: in-order
// batches, retries, epoch bumps, transactions with markers and plain
// batches, each validated by Check against a live state before it is
// appended.
type logGen struct {
	rng      *rand.Rand
	live     *State
	log      []record.Batch
	next     map[int64]int32 // next sequence per producer
	epoch    map[int64]int16
	ts       int64
	outcomes map[string]int
}

func newLogGen(seed uint64) *logGen {
	return &logGen{
		rng: rand.New(rand.NewPCG(seed, seed)), live: New(0),
		next: map[int64]int32{}, epoch: map[int64]int16{}, ts: 1000,
		outcomes: map[string]int{},
	}
}

func (g *logGen) leo() int64 { return g.live.EndOffset() }

// step appends zero or one batch.
func (g *logGen) step() {
	g.ts += int64(g.rng.IntN(10))
	pid := int64(g.rng.IntN(5)) - 1 // -1 is a plain producer
	if pid < 0 {
		g.append(spec{pid: -1, epoch: -1, seq: -1, n: int32(1 + g.rng.IntN(3))})
		return
	}
	e, _ := g.live.Producer(pid)
	inTxn := e.TxnFirstOffset >= 0
	seq := g.next[pid]
	switch r := g.rng.IntN(20); {
	case r == 0:
		g.epoch[pid]++
		seq = 0
	case r == 1:
		g.append(spec{pid: pid, epoch: g.epoch[pid], seq: -1, n: 1, txn: true, control: true})
		return
	case r == 2 && len(e.Batches) > 0:
		m := e.Batches[g.rng.IntN(len(e.Batches))] // a retry of a recent batch
		g.append(spec{pid: pid, epoch: e.Epoch, seq: m.FirstSeq, n: m.LastSeq - m.FirstSeq + 1, txn: inTxn})
		return
	case r == 3 && seq > 0:
		seq -= int32(1 + g.rng.IntN(int(seq))) // an old retry or a client bug
	case r == 4:
		seq += 1 + int32(g.rng.IntN(3)) // a gap
	case r == 5 && g.epoch[pid] > 0:
		g.append(spec{pid: pid, epoch: g.epoch[pid] - 1, seq: seq, n: 1}) // a zombie
		return
	}
	txn := g.rng.IntN(4) == 0
	if inTxn {
		txn = g.rng.IntN(10) != 0
	}
	g.append(spec{pid: pid, epoch: g.epoch[pid], seq: seq, n: int32(1 + g.rng.IntN(4)), txn: txn})
}

func (g *logGen) append(s spec) {
	s.offset, s.ts = g.leo(), g.ts
	b := makeBatch(s)
	var dup *BatchMetadata
	var err error
	if s.control {
		err = g.live.CheckEpoch(b)
	} else {
		dup, err = g.live.Check(b)
	}
	switch {
	case err != nil:
		g.outcomes[codeName(err)]++
	case dup != nil:
		g.outcomes["duplicate"]++
	default:
		g.outcomes["ok"]++
		g.log = append(g.log, b)
		g.live.Append(b)
	}
	// Like a client, carry on from what the partition holds.
	if e, ok := g.live.Producer(s.pid); ok && e.Epoch == g.epoch[s.pid] {
		g.next[s.pid] = e.LastSequence() + 1
	}
}

func TestGeneratedLogExercisesEveryOutcome(t *testing.T) {
	g := newLogGen(1)
	for range 2000 {
		g.step()
	}
	for _, o := range []string{"ok", "duplicate", "OUT_OF_ORDER_SEQUENCE_NUMBER", "INVALID_PRODUCER_EPOCH", "INVALID_TXN_STATE"} {
		if g.outcomes[o] == 0 {
			t.Errorf("no %s among %v", o, g.outcomes)
		}
	}
	// Replaying the accepted batches into a fresh state gives the live one.
	st := New(0)
	for _, b := range g.log {
		st.Append(b)
	}
	if !reflect.DeepEqual(st.Producers(), g.live.Producers()) {
		t.Fatal("replayed state differs from the live one")
	}
	t.Logf("outcomes: %v", g.outcomes)
}
