package api_test

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/record"
)

// send writes req without waiting for an answer (acks=0).
func (tb *testBroker) send(req kmsg.Request) {
	tb.t.Helper()
	if _, err := tb.roundTripNoAnswer(req); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *testBroker) roundTripNoAnswer(req kmsg.Request) (int, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.conn == nil {
		c, err := net.DialTimeout("tcp", tb.addr, 5*time.Second)
		if err != nil {
			return 0, err
		}
		tb.conn = c
	}
	tb.corr++
	frame := kmsg.NewRequestFormatter(kmsg.FormatterClientID("api-test")).AppendRequest(nil, req, tb.corr)
	return tb.conn.Write(frame)
}

// legacyMessage is a magic v0 or v1 message set of one message.
func legacyMessage(magic byte, value string) []byte {
	body := []byte{magic, 0} // magic, attributes
	if magic == 1 {
		body = binary.BigEndian.AppendUint64(body, uint64(now()))
	}
	body = binary.BigEndian.AppendUint32(body, 0xffffffff) // null key
	body = binary.BigEndian.AppendUint32(body, uint32(len(value)))
	body = append(body, value...)
	msg := binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(body))
	msg = append(msg, body...)
	out := binary.BigEndian.AppendUint64(nil, 0)
	out = binary.BigEndian.AppendUint32(out, uint32(len(msg)))
	return append(out, msg...)
}

func TestProduceEveryVersion(t *testing.T) {
	tb := startBroker(t, nil)
	id := tb.topic("pv", 1)
	next := int64(0)
	for v := int16(3); v <= 13; v++ {
		req := produceRequest(v, -1, "pv", id, 0, batch(t, now(), 2))
		resp := tb.request(req).(*kmsg.ProduceResponse)
		if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
			t.Fatalf("v%d: answer %+v", v, resp.Topics)
		}
		rt := resp.Topics[0]
		if v >= 13 && rt.TopicID != id || v < 13 && rt.Topic != "pv" {
			t.Errorf("v%d: topic %q id %x", v, rt.Topic, rt.TopicID)
		}
		rp := rt.Partitions[0]
		wantStart := int64(0)
		if v < 5 {
			wantStart = -1 // not on the wire
		}
		if rp.ErrorCode != 0 || rp.BaseOffset != next || rp.LogAppendTime != -1 || rp.LogStartOffset != wantStart || rp.ErrorMessage != nil {
			t.Errorf("v%d: %s base %d append time %d log start %d message %q; want base %d", v, errName(rp.ErrorCode),
				rp.BaseOffset, rp.LogAppendTime, rp.LogStartOffset, str(rp.ErrorMessage), next)
		}
		next += 2
	}
	if got := tb.produceReq(produceRequest(13, -1, "", [16]byte{9, 9}, 0, batch(t, now(), 1))); got.ErrorCode != kerr.UnknownTopicID.Code {
		t.Errorf("v13 unknown topic id: %s", errName(got.ErrorCode))
	}
	for _, v := range []int16{3, 12} {
		if got := tb.produce(v, -1, "nope", 0, batch(t, now(), 1)); got.ErrorCode != kerr.UnknownTopicOrPartition.Code || got.BaseOffset != -1 {
			t.Errorf("v%d unknown topic: %s base %d", v, errName(got.ErrorCode), got.BaseOffset)
		}
	}
	if got := tb.produce(9, -1, "pv", 3, batch(t, now(), 1)); got.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("unknown partition: %s", errName(got.ErrorCode))
	}
}

func TestProduceLogAppendTime(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("lat", 1, "message.timestamp.type", "LogAppendTime")
	before := now()
	rp := tb.produce(9, 1, "lat", 0, batch(t, 1000, 2))
	if rp.ErrorCode != 0 || rp.LogAppendTime < before || rp.LogAppendTime > now() {
		t.Fatalf("%s append time %d, want about %d", errName(rp.ErrorCode), rp.LogAppendTime, before)
	}
}

// refusal is an expected produce error.
type refusal struct {
	code int16
	// recordErrors are the batch indexes Kafka names (Produce v8+); with
	// any, the response carries an error message too.
	recordErrors []int32
}

func checkRefusal(t *testing.T, what string, v int16, got kmsg.ProduceResponseTopicPartition, want refusal) {
	t.Helper()
	if got.ErrorCode != want.code || got.BaseOffset != -1 {
		t.Errorf("v%d %s: %s base offset %d; want %s", v, what, errName(got.ErrorCode), got.BaseOffset, errName(want.code))
	}
	wantRecords := want.recordErrors
	if v < 8 {
		wantRecords = nil // not on the wire
	}
	var idx []int32
	for _, e := range got.ErrorRecords {
		idx = append(idx, e.RelativeOffset)
		if e.ErrorMessage == nil || *e.ErrorMessage == "" {
			t.Errorf("v%d %s: record %d error without a message", v, what, e.RelativeOffset)
		}
	}
	if !slices.Equal(idx, wantRecords) {
		t.Errorf("v%d %s: record errors %v, want %v", v, what, idx, wantRecords)
	}
	// Kafka reports the log start offset only with refusals it makes while
	// appending, such as record errors.
	wantStart := int64(-1)
	if len(want.recordErrors) > 0 && v >= 5 {
		wantStart = 0
	}
	if got.LogStartOffset != wantStart {
		t.Errorf("v%d %s: log start offset %d, want %d", v, what, got.LogStartOffset, wantStart)
	}
	// Kafka fills error_message only for errors about individual records.
	if v >= 8 && (got.ErrorMessage != nil) != (len(wantRecords) > 0) {
		t.Errorf("v%d %s: error message %q", v, what, str(got.ErrorMessage))
	}
}

func TestProduceRefusals(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("p", 1)
	tb.topic("small", 1, "max.message.bytes", "1000")
	tb.topic("window", 1, "message.timestamp.before.max.ms", "60000", "message.timestamp.after.max.ms", "60000")
	tb.topic("compacted", 1, "cleanup.policy", "compact")
	tb.topic("__transaction_state", 1)

	corrupt := batch(t, now(), 3)
	corrupt[len(corrupt)-2] ^= 0x40 // inside the records, covered by the CRC
	two := append(batch(t, now(), 1), batch(t, now(), 1)...)
	bl := record.NewBuilder()
	bl.Append(now(), []byte("k"), []byte("kept"))
	bl.Append(now(), nil, []byte("keyless"))
	bl.Append(now(), nil, []byte("keyless too"))
	keyless, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	bl = record.NewBuilder()
	bl.Append(now(), []byte("k"), []byte("now"))
	bl.Append(now()-2*3600_000, []byte("k"), []byte("too old"))
	bl.Append(now()+2*3600_000, []byte("k"), []byte("too new"))
	skewed, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	bl = record.NewBuilder()
	bl.Append(now(), []byte("k"), make([]byte, 1500))
	big, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	zstd := batch(t, now(), 5, codec(record.CodecZstd))

	cases := []struct {
		name    string
		topic   string
		records []byte
		acks    int16
		minV    int16
		maxV    int16
		want    refusal
	}{
		{"acks 2", "p", batch(t, now(), 1), 2, 3, 13, refusal{code: kerr.InvalidRequiredAcks.Code}},
		{"acks -2", "p", batch(t, now(), 1), -2, 3, 13, refusal{code: kerr.InvalidRequiredAcks.Code}},
		{"flipped CRC byte", "p", corrupt, -1, 3, 13, refusal{code: kerr.CorruptMessage.Code}},
		{"magic v0 message", "p", legacyMessage(0, "old"), -1, 3, 13, refusal{code: kerr.InvalidRecord.Code}},
		{"magic v1 message", "p", legacyMessage(1, "old"), -1, 3, 13, refusal{code: kerr.InvalidRecord.Code}},
		{"two batches", "p", two, -1, 3, 13, refusal{code: kerr.InvalidRecord.Code}},
		{"no records", "p", nil, -1, 3, 13, refusal{code: kerr.InvalidRecord.Code}},
		{"over max.message.bytes", "small", big, -1, 3, 13, refusal{code: kerr.MessageTooLarge.Code}},
		{"timestamps outside the window", "window", skewed, -1, 3, 13, refusal{kerr.InvalidTimestamp.Code, []int32{1, 2}}},
		{"keyless records on a compacted topic", "compacted", keyless, -1, 3, 13, refusal{kerr.InvalidRecord.Code, []int32{1, 2}}},
		{"zstd before v7", "p", zstd, -1, 3, 6, refusal{code: kerr.UnsupportedCompressionType.Code}},
		{"internal topic", "__transaction_state", batch(t, now(), 1), -1, 3, 13, refusal{code: kerr.InvalidTopicException.Code}},
	}
	for _, c := range cases {
		for v := c.minV; v <= c.maxV; v++ {
			checkRefusal(t, c.name, v, tb.produce(v, c.acks, c.topic, 0, c.records), c.want)
		}
	}
	// Nothing was appended, and zstd is fine from v7.
	if got := tb.listOffset(9, "p", 0, -1, -1); got.Offset != 0 {
		t.Errorf("refused batches left the log end at %d", got.Offset)
	}
	for v := int16(7); v <= 13; v++ {
		if got := tb.produce(v, -1, "p", 0, zstd); got.ErrorCode != 0 {
			t.Errorf("v%d zstd: %s", v, errName(got.ErrorCode))
		}
	}
}

func TestProduceUnknownTopicBeforeAcks(t *testing.T) {
	tb := startBroker(t, nil)
	// Kafka checks that the partition exists before it looks at acks.
	if got := tb.produce(9, 5, "missing", 0, batch(t, now(), 1)); got.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("unknown topic with acks 5: %s", errName(got.ErrorCode))
	}
}

func TestProduceAcksZero(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("fire", 1)
	c := tb.otherConn()
	c.send(produceRequest(9, 0, "fire", [16]byte{}, 0, batch(t, now(), 3)))
	// No answer to the produce: the next frame answers the next request.
	c.request(metadataRequest(12, false, "fire"))
	checkFor(t, 10*time.Second, func() error {
		if got := tb.listOffset(9, "fire", 0, -1, -1); got.Offset != 3 {
			return errors.New("acks=0 records not appended")
		}
		return nil
	})
	// A failed acks=0 produce closes the connection, as the client reads
	// no answers and must notice.
	c.send(produceRequest(9, 0, "fire", [16]byte{}, 0, legacyMessage(1, "old")))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c.conn, make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open after a failed acks=0 produce: %v", err)
	}
}

func TestProduceIdempotentSequences(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("idem", 1)
	id, _ := tb.newProducerID()
	ts := now() - 1000
	first := batch(t, ts, 3, idempotent(id, 0, 0))
	second := batch(t, ts+1, 2, idempotent(id, 0, 3))
	steps := []struct {
		name    string
		records []byte
		code    int16
		base    int64
		append  int64 // log_append_time expected when > 0
	}{
		{"first batch", first, 0, 0, 0},
		{"next batch", second, 0, 3, 0},
		// A retry is answered with the original's offsets, and Kafka's
		// quirk of the stored batch's max timestamp as append time.
		{"retry of the first batch", first, 0, 0, ts},
		{"retry of the latest batch", second, 0, 3, ts + 1},
		{"sequence gap", batch(t, ts, 1, idempotent(id, 0, 9)), kerr.OutOfOrderSequenceNumber.Code, -1, 0},
		{"new epoch from 0", batch(t, ts, 1, idempotent(id, 1, 0)), 0, 5, 0},
		{"older epoch", batch(t, ts, 1, idempotent(id, 0, 5)), kerr.InvalidProducerEpoch.Code, -1, 0},
		{"new epoch not from 0", batch(t, ts, 1, idempotent(id, 2, 7)), kerr.OutOfOrderSequenceNumber.Code, -1, 0},
		{"continuing the new epoch", batch(t, ts, 1, idempotent(id, 1, 1)), 0, 6, 0},
	}
	for _, s := range steps {
		for _, v := range []int16{3, 9, 13} {
			if v != 9 && s.code == 0 {
				continue // appends only once
			}
			got := tb.produceReq(produceRequest(v, -1, "idem", tb.topicMetadata("idem").TopicID, 0, s.records))
			if got.ErrorCode != s.code || got.BaseOffset != s.base || s.append > 0 && got.LogAppendTime != s.append {
				t.Errorf("v%d %s: %s base %d append time %d; want %s base %d", v, s.name, errName(got.ErrorCode),
					got.BaseOffset, got.LogAppendTime, errName(s.code), s.base)
			}
			if v >= 8 && got.ErrorMessage != nil {
				t.Errorf("v%d %s: error message %q", v, s.name, *got.ErrorMessage)
			}
			if v >= 5 && got.LogStartOffset != 0 {
				t.Errorf("v%d %s: log start offset %d", v, s.name, got.LogStartOffset)
			}
		}
	}
	if got := tb.listOffset(9, "idem", 0, -1, -1); got.Offset != 7 {
		t.Errorf("log end %d after retries, want 7", got.Offset)
	}
}
