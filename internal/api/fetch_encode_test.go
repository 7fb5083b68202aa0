package api

import (
	"bytes"
	"encoding/binary"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

type memRange []byte

func (m memRange) Len() int                  { return len(m) }
func (m memRange) ReadInto(p []byte) error   { copy(p, m); return nil }
func (m memRange) SendTo(syscall.Conn) error { panic("not used") }
func (m memRange) Release()                  {}

// flatten renders a response as the bytes the writer would send.
func flatten(f *fetchResponse) []byte {
	r := f.encode(77)
	out := append([]byte(nil), r.Head...)
	for _, p := range r.Parts {
		buf := make([]byte, p.File.Len())
		p.File.ReadInto(buf)
		out = append(out, buf...)
		out = append(out, p.After...)
	}
	return out
}

func TestFetchEncodingMatchesKmsg(t *testing.T) {
	rack := "r1"
	for v := int16(4); v <= 18; v++ {
		f := &fetchResponse{
			version: v, throttleMs: 5, errorCode: 0, sessionID: 42,
			topics: []fetchTopic{{
				name: "orders", id: [16]byte{1, 2, 3},
				partitions: []fetchPartition{
					{partition: 0, highWatermark: 10, lastStableOffset: 9, logStartOffset: 1,
						preferredReadReplica: -1, records: memRange("batch-zero")},
					{partition: 1, errorCode: 6, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
						preferredReadReplica: -1, aborted: []abortedTxn{{producerID: 7, firstOffset: 3}},
						currentLeader:  &leaderAndEpoch{leaderID: 2, leaderEpoch: 4},
						divergingEpoch: &epochEndOffset{epoch: 3, endOffset: 8}},
					{partition: 2, preferredReadReplica: -1, records: memRange("batch-two")},
				},
			}, {name: "empty", id: [16]byte{9}}},
			nodeEndpoint: []fetchNodeEndpoint{{nodeID: 2, host: "h", port: 9092, rack: &rack}},
		}
		wire := flatten(f)
		if got := int(binary.BigEndian.Uint32(wire)); got != len(wire)-4 {
			t.Fatalf("v%d: size prefix %d, frame has %d", v, got, len(wire)-4)
		}
		if id := int32(binary.BigEndian.Uint32(wire[4:])); id != 77 {
			t.Fatalf("v%d: correlation id %d", v, id)
		}
		body := wire[8:]
		if v >= 12 {
			body = body[1:]
		}
		resp := kmsg.NewPtrFetchResponse()
		resp.Version = v
		if err := resp.ReadFrom(body); err != nil {
			t.Fatalf("v%d: kmsg cannot decode: %v", v, err)
		}
		checkDecoded(t, v, resp)
	}
}

func checkDecoded(t *testing.T, v int16, resp *kmsg.FetchResponse) {
	t.Helper()
	if len(resp.Topics) != 2 || len(resp.Topics[0].Partitions) != 3 {
		t.Fatalf("v%d: decoded shape %+v", v, resp)
	}
	topic := resp.Topics[0]
	if v >= 13 && topic.TopicID != [16]byte{1, 2, 3} || v < 13 && topic.Topic != "orders" {
		t.Fatalf("v%d: topic %q id %v", v, topic.Topic, topic.TopicID)
	}
	p0, p1, p2 := topic.Partitions[0], topic.Partitions[1], topic.Partitions[2]
	if !bytes.Equal(p0.RecordBatches, []byte("batch-zero")) || !bytes.Equal(p2.RecordBatches, []byte("batch-two")) {
		t.Fatalf("v%d: records %q %q", v, p0.RecordBatches, p2.RecordBatches)
	}
	if p0.HighWatermark != 10 || p0.LastStableOffset != 9 || (v >= 5 && p0.LogStartOffset != 1) {
		t.Fatalf("v%d: offsets %+v", v, p0)
	}
	if p0.AbortedTransactions != nil || len(p1.AbortedTransactions) != 1 || p1.AbortedTransactions[0].ProducerID != 7 {
		t.Fatalf("v%d: aborted %v %v", v, p0.AbortedTransactions, p1.AbortedTransactions)
	}
	if p1.ErrorCode != 6 || len(p1.RecordBatches) != 0 {
		t.Fatalf("v%d: p1 %+v", v, p1)
	}
	if v >= 12 && (p1.CurrentLeader.LeaderID != 2 || p1.DivergingEpoch.EndOffset != 8) {
		t.Fatalf("v%d: tags %+v %+v", v, p1.CurrentLeader, p1.DivergingEpoch)
	}
	if v >= 7 && resp.SessionID != 42 {
		t.Fatalf("v%d: session %d", v, resp.SessionID)
	}
	if v >= 16 && (len(resp.Brokers) != 1 || resp.Brokers[0].Host != "h") {
		t.Fatalf("v%d: brokers %+v", v, resp.Brokers)
	}
}
