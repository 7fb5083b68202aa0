package producerstate

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"testing"
)

// generated returns the live state after a generated log, and its end.
func generated(t *testing.T, steps int) (*State, int64) {
	t.Helper()
	g := newLogGen(7)
	for range steps {
		g.step()
	}
	return g.live, g.leo()
}

func TestSnapshotRoundTrip(t *testing.T) {
	live, end := generated(t, 1000)
	for _, offset := range []int64{end, end + 10} {
		data, err := live.MarshalSnapshot(offset)
		if err != nil {
			t.Fatal(err)
		}
		st, err := UnmarshalSnapshot(data, offset)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(st.Producers(), live.Producers()) || st.EndOffset() != offset {
			t.Fatalf("at %d: the decoded state differs", offset)
		}
		again, _ := st.MarshalSnapshot(offset)
		if !bytes.Equal(again, data) {
			t.Fatalf("at %d: encoding the decoded state gives other bytes", offset)
		}
	}
}

func TestSnapshotOfEmptyState(t *testing.T) {
	data, err := New(5).MarshalSnapshot(5)
	if err != nil || len(data) != headerSize+crcSize {
		t.Fatalf("empty snapshot: %d bytes, %v", len(data), err)
	}
	st, err := UnmarshalSnapshot(data, 5)
	if err != nil || st.Len() != 0 || st.EndOffset() != 5 {
		t.Fatalf("decoded empty snapshot: %v", err)
	}
}

func TestMarshalSnapshotBelowEndOffset(t *testing.T) {
	live, end := generated(t, 50)
	if _, err := live.MarshalSnapshot(end - 1); err == nil {
		t.Fatal("a snapshot below the state's end offset was written")
	}
}

// oneProducerSnapshot is a snapshot at offset 100 with producers 1 and 2.
func oneProducerSnapshot(t *testing.T) []byte {
	t.Helper()
	st := New(0)
	st.Append(makeBatch(spec{pid: 1, epoch: 0, seq: 0, n: 2}))
	st.Append(makeBatch(spec{pid: 2, epoch: 0, seq: 0, n: 1, offset: 2}))
	data, err := st.MarshalSnapshot(100)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// resealed applies edit to a copy of data and recomputes the CRC, so that
// the defect is found by the structural checks.
func resealed(data []byte, edit func(body []byte) []byte) []byte {
	body := edit(bytes.Clone(data[:len(data)-crcSize]))
	return binary.BigEndian.AppendUint32(body, crc32.Checksum(body, castagnoli))
}

func TestUnmarshalSnapshotRejectsCorruption(t *testing.T) {
	good := oneProducerSnapshot(t)
	entry2 := headerSize + entrySize + batchSize
	tests := []struct {
		name string
		data []byte
		pos  int
	}{
		{"empty", nil, 0},
		{"too short", good[:headerSize], 0},
		{"truncated", good[:len(good)-5], len(good) - 9},
		{"bit flip", func() []byte { d := bytes.Clone(good); d[30] ^= 1; return d }(), len(good) - crcSize},
		{"magic", resealed(good, func(b []byte) []byte { b[0] = 'X'; return b }), 0},
		{"version", resealed(good, func(b []byte) []byte { b[7] = 2; return b }), 4},
		{"offset", resealed(good, func(b []byte) []byte { b[15] = 99; return b }), 8},
		{"six batches", resealed(good, func(b []byte) []byte { b[headerSize+11] = 6; return b }), headerSize + 10},
		{"negative batches", resealed(good, func(b []byte) []byte { b[headerSize+10] = 0xff; return b }), headerSize + 10},
		{"negative id", resealed(good, func(b []byte) []byte { b[headerSize] = 0x80; return b }), headerSize},
		{"ids out of order", resealed(good, func(b []byte) []byte { b[entry2+7] = 1; return b }), entry2},
		{"entry past end", resealed(good, func(b []byte) []byte { b[19] = 3; return b }), len(good) - crcSize},
		{"batches past end", resealed(good, func(b []byte) []byte { b[entry2+11] = 2; return b }), entry2},
		{"trailing bytes", resealed(good, func(b []byte) []byte { return append(b, 0) }), len(good) - crcSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := UnmarshalSnapshot(tt.data, 100)
			cerr, ok := errors.AsType[*CorruptSnapshotError](err)
			if !ok {
				t.Fatalf("error %v, want a *CorruptSnapshotError", err)
			}
			if cerr.Pos != tt.pos {
				t.Fatalf("error at byte %d, want %d: %v", cerr.Pos, tt.pos, err)
			}
		})
	}
}

func FuzzUnmarshalSnapshot(f *testing.F) {
	st := New(0)
	st.Append(makeBatch(spec{pid: 3, epoch: 1, seq: 2147483647, n: 2, txn: true}))
	seed, _ := st.MarshalSnapshot(2)
	f.Add(seed, int64(2))
	empty, _ := New(0).MarshalSnapshot(0)
	f.Add(empty, int64(0))
	f.Fuzz(func(t *testing.T, data []byte, offset int64) {
		st, err := UnmarshalSnapshot(data, offset)
		if err != nil {
			if _, ok := errors.AsType[*CorruptSnapshotError](err); !ok {
				t.Fatalf("error %v is not a *CorruptSnapshotError", err)
			}
			return
		}
		// A snapshot that decodes is in canonical form.
		again, err := st.MarshalSnapshot(offset)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encoding a decoded snapshot gives other bytes (%v)", err)
		}
	})
}
