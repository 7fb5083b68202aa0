package record

import (
	"bytes"
	"errors"
	"testing"
)

func TestRecompressEveryPair(t *testing.T) {
	recs := sampleRecords(25, 2000)
	for _, from := range allCodecs {
		src := buildBatch(t, from, recs, func(bl *Builder) {
			bl.BaseOffset, bl.PartitionLeaderEpoch = 500, 3
			bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = 42, 2, 9
			bl.Transactional = true
		})
		for _, to := range allCodecs {
			got, err := Recompress(src, to, 0, 0)
			if err != nil {
				t.Fatalf("%s -> %s: %v", from, to, err)
			}
			if got.Codec() != to || got.CRC() != got.ComputeCRC() || int(got.BatchLength())+LogOverhead != len(got) {
				t.Fatalf("%s -> %s: codec %s, crc ok %v, length %d of %d", from, to, got.Codec(),
					got.CRC() == got.ComputeCRC(), got.BatchLength(), len(got))
			}
			// Every header field but codec, length and CRC is kept.
			if !bytes.Equal(got[:offBatchLength], src[:offBatchLength]) ||
				!bytes.Equal(got[offLeaderEpoch:offCRC], src[offLeaderEpoch:offCRC]) ||
				got.Attributes()&^attrCompressionMask != src.Attributes()&^attrCompressionMask ||
				!bytes.Equal(got[offLastOffsetDelta:HeaderSize], src[offLastOffsetDelta:HeaderSize]) {
				t.Fatalf("%s -> %s: header fields changed", from, to)
			}
			checkRecordsEqual(t, readAll(t, got), recs)
			if _, err := Validate(rebased(got), testPolicy()); err != nil {
				t.Fatalf("%s -> %s: result does not validate: %v", from, to, err)
			}
		}
	}
}

// rebased is b as a producer would send it (base offset 0).
func rebased(b Batch) Batch {
	c := clone(b)
	c.SetBaseOffset(0)
	return c
}

func TestRecompressLevels(t *testing.T) {
	src := buildBatch(t, CodecNone, sampleRecords(50, 500))
	for _, to := range []Codec{CodecGzip, CodecLZ4, CodecZstd} {
		for _, level := range levelsFor(to) {
			got, err := Recompress(src, to, level, 0)
			if err != nil {
				t.Fatalf("%s level %d: %v", to, level, err)
			}
			if len(got) >= len(src) {
				t.Errorf("%s level %d: %d bytes, not smaller than %d", to, level, len(got), len(src))
			}
		}
	}
	if _, err := Recompress(src, CodecGzip, 42, 0); err == nil {
		t.Fatal("gzip level 42 accepted")
	}
	if _, err := Recompress(src, Codec(6), 0, 0); !errors.Is(err, ErrUnsupportedCompression) {
		t.Fatalf("codec 6: %v", err)
	}
}

func TestRecompressIsBounded(t *testing.T) {
	src := buildBatch(t, CodecZstd, []testRecord{{ts: testNow, value: make([]byte, 4<<20)}})
	if _, err := Recompress(src, CodecLZ4, 0, 1<<20); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("err %v, want ErrMessageTooLarge", err)
	}
	if _, err := Recompress(src, CodecLZ4, 0, 5<<20); err != nil {
		t.Fatal(err)
	}
}

func TestSetLogAppendTimeKeepsValidCRC(t *testing.T) {
	for _, c := range allCodecs {
		b := buildBatch(t, c, sampleRecords(3, 10))
		b.SetLogAppendTime(testNow + 1)
		if b.CRC() != b.ComputeCRC() || !b.LogAppendTime() || b.MaxTimestamp() != testNow+1 {
			t.Fatalf("%s: after SetLogAppendTime crc ok %v", c, b.CRC() == b.ComputeCRC())
		}
		// Base offset and leader epoch are outside the CRC.
		b.SetBaseOffset(99)
		b.SetPartitionLeaderEpoch(4)
		if b.CRC() != b.ComputeCRC() {
			t.Fatalf("%s: offset patching broke the CRC", c)
		}
		for _, r := range readAll(t, b) {
			if r.Timestamp != testNow+1 {
				t.Fatalf("%s: record timestamp %d", c, r.Timestamp)
			}
		}
	}
}
