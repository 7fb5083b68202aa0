package record

import (
	"testing"
)

func TestBuilderHeader(t *testing.T) {
	bl := NewBuilder()
	bl.BaseOffset, bl.PartitionLeaderEpoch = 77, 5
	bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = 1234, 3, 2147483647
	bl.Transactional, bl.Control = true, true
	bl.Codec, bl.Level = CodecGzip, 9
	bl.Append(100, []byte("k"), []byte("v"))
	bl.Append(90, nil, nil)
	bl.Append(120, nil, []byte("x"))
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"base offset", b.BaseOffset(), 77},
		{"leader epoch", int64(b.PartitionLeaderEpoch()), 5},
		{"magic", int64(b.Magic()), 2},
		{"codec", int64(b.Codec()), int64(CodecGzip)},
		{"last offset delta", int64(b.LastOffsetDelta()), 2},
		{"first timestamp", b.FirstTimestamp(), 100},
		{"max timestamp", b.MaxTimestamp(), 120},
		{"producer id", b.ProducerID(), 1234},
		{"producer epoch", int64(b.ProducerEpoch()), 3},
		{"base sequence", int64(b.BaseSequence()), 2147483647},
		{"last sequence (wraps)", int64(b.LastSequence()), 1},
		{"records", int64(b.NumRecords()), 3},
		{"length", int64(b.BatchLength()) + LogOverhead, int64(len(b))},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	if !b.IsTransactional() || !b.IsControl() || b.LogAppendTime() || b.HasDeleteHorizon() {
		t.Errorf("flags: transactional %v control %v", b.IsTransactional(), b.IsControl())
	}
	if b.CRC() != b.ComputeCRC() {
		t.Error("CRC not set")
	}
	got := readAll(t, b)
	if got[1].Timestamp != 90 || got[1].TimestampDelta != -10 || got[2].Offset != 79 {
		t.Errorf("records: %+v", got)
	}
}

func TestBuilderDefaultsAndReset(t *testing.T) {
	bl := NewBuilder()
	bl.Append(5, nil, []byte("a"))
	b1, _ := bl.Build()
	if b1.ProducerID() != -1 || b1.ProducerEpoch() != -1 || b1.BaseSequence() != -1 || b1.PartitionLeaderEpoch() != -1 {
		t.Fatalf("defaults: pid %d epoch %d seq %d leader epoch %d", b1.ProducerID(), b1.ProducerEpoch(), b1.BaseSequence(), b1.PartitionLeaderEpoch())
	}
	bl.Reset()
	bl.Append(6, nil, []byte("b"))
	bl.Append(7, nil, []byte("c"))
	b2, _ := bl.Build()
	if b2.NumRecords() != 2 || b2.FirstTimestamp() != 6 || bl.NumRecords() != 2 {
		t.Fatalf("after Reset: %d records, first timestamp %d", b2.NumRecords(), b2.FirstTimestamp())
	}
	if b1.NumRecords() != 1 {
		t.Fatal("Build result shares memory with the builder")
	}
}

func TestBuilderKeepsDeltasAndLastOffset(t *testing.T) {
	// As the cleaner would: copy records 0 and 2 of a batch and keep its
	// last offset, with a delete horizon.
	src := buildBatch(t, CodecNone, sampleRecords(4, 5))
	bl := NewBuilder()
	bl.DeleteHorizonMs = testNow + 86400000
	bl.LastOffsetDelta = src.LastOffsetDelta()
	bl.Codec = CodecLZ4
	for r, err := range src.All(0) {
		if err != nil {
			t.Fatal(err)
		}
		if r.OffsetDelta%2 == 0 {
			bl.AppendRecord(r)
		}
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	if b.LastOffsetDelta() != 3 || b.NumRecords() != 2 || !b.HasDeleteHorizon() || b.FirstTimestamp() != testNow+86400000 {
		t.Fatalf("last delta %d records %d horizon %v first %d", b.LastOffsetDelta(), b.NumRecords(), b.HasDeleteHorizon(), b.FirstTimestamp())
	}
	want := sampleRecords(4, 5)
	checkRecordsEqual(t, readAll(t, b), []testRecord{want[0], want[2]})
	got := readAll(t, b)
	if got[1].OffsetDelta != 2 {
		t.Fatalf("offset delta %d, want 2 kept", got[1].OffsetDelta)
	}
}

func TestBuilderEmptyBatch(t *testing.T) {
	bl := NewBuilder()
	bl.LastOffsetDelta = 9
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != HeaderSize || b.NumRecords() != 0 || b.LastOffsetDelta() != 9 || b.FirstTimestamp() != NoTimestamp || b.MaxTimestamp() != NoTimestamp {
		t.Fatalf("empty batch: len %d records %d last delta %d", len(b), b.NumRecords(), b.LastOffsetDelta())
	}
	if got := readAll(t, b); len(got) != 0 {
		t.Fatalf("empty batch yields %d records", len(got))
	}
}

func TestBuilderRejectsBadDeltas(t *testing.T) {
	bl := NewBuilder()
	bl.AppendRecord(&Record{OffsetDelta: 3})
	bl.AppendRecord(&Record{OffsetDelta: 3})
	if _, err := bl.Build(); err == nil {
		t.Fatal("repeated offset delta accepted")
	}
	bl.Reset()
	bl.AppendRecord(&Record{OffsetDelta: -1})
	if _, err := bl.Build(); err == nil {
		t.Fatal("negative offset delta accepted")
	}
	bl.Reset()
	bl.Codec = Codec(5)
	if _, err := bl.Build(); err == nil {
		t.Fatal("codec 5 accepted")
	}
}

func TestBuilderLogAppendTime(t *testing.T) {
	bl := NewBuilder()
	bl.TimestampType, bl.AppendTime = LogAppendTime, 999
	bl.Append(5, nil, nil)
	b, _ := bl.Build()
	if !b.LogAppendTime() || b.MaxTimestamp() != 999 || b.FirstTimestamp() != 5 {
		t.Fatalf("LogAppendTime %v max %d first %d", b.LogAppendTime(), b.MaxTimestamp(), b.FirstTimestamp())
	}
}
