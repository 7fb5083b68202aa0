package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchVersions are the Fetch versions the tests walk: the floor, the
// last before flexible versions, the first flexible, the first with topic
// ids, and the newest.
var fetchVersions = []int16{4, 11, 12, 13, 17, 18}

// threeBatches writes batches at offsets 0-2, 3-4 and 5-9 and returns the
// byte size of each.
func threeBatches(t *testing.T, tb *testBroker, topic string, partition int32) []int {
	t.Helper()
	var sizes []int
	for _, n := range []int{3, 2, 5} {
		b := batch(t, now(), n)
		tb.mustProduce(topic, partition, b)
		sizes = append(sizes, len(b))
	}
	return sizes
}

func bases(bs []fetchedBatch) []int64 {
	var out []int64
	for _, b := range bs {
		out = append(out, b.base)
	}
	return out
}

func TestFetchEveryVersion(t *testing.T) {
	tb := startBroker(t, nil)
	id := tb.topic("f", 1)
	threeBatches(t, tb, "f", 0)
	for _, v := range fetchVersions {
		part := fetchPart{topic: "f", offset: 4}
		if v >= 13 {
			part = fetchPart{id: id, offset: 4}
		}
		resp := tb.fetch(fetchRequest(v, part))
		if v >= 13 && resp.Topics[0].TopicID != id || v < 13 && resp.Topics[0].Topic != "f" {
			t.Errorf("v%d: answered topic %q id %x", v, resp.Topics[0].Topic, resp.Topics[0].TopicID)
		}
		p := onlyPartition(t, resp)
		wantStart := int64(0)
		if v < 5 {
			wantStart = -1 // not on the wire
		}
		if p.ErrorCode != 0 || p.HighWatermark != 10 || p.LastStableOffset != 10 || p.LogStartOffset != wantStart ||
			p.AbortedTransactions != nil {
			t.Errorf("v%d: %s hw %d lso %d log start %d aborted %#v", v, errName(p.ErrorCode), p.HighWatermark,
				p.LastStableOffset, p.LogStartOffset, p.AbortedTransactions)
		}
		if v >= 11 && p.PreferredReadReplica != -1 {
			t.Errorf("v%d: preferred read replica %d", v, p.PreferredReadReplica)
		}
		// The batch holding offset 4 comes first; the client skips offset 3.
		bs := batchesOf(t, p.RecordBatches)
		if !slices.Equal(bases(bs), []int64{3, 5}) || len(bs[1].values) != 5 {
			t.Errorf("v%d: batches %+v, want those from 3 and 5", v, bs)
		}

		part.offset = 10
		if p := onlyPartition(t, tb.fetch(fetchRequest(v, part))); p.ErrorCode != 0 || len(p.RecordBatches) != 0 || p.HighWatermark != 10 {
			t.Errorf("v%d at the high watermark: %s %d bytes", v, errName(p.ErrorCode), len(p.RecordBatches))
		}
		part.offset = 11
		if p := onlyPartition(t, tb.fetch(fetchRequest(v, part))); p.ErrorCode != kerr.OffsetOutOfRange.Code || len(p.RecordBatches) != 0 {
			t.Errorf("v%d beyond the high watermark: %s", v, errName(p.ErrorCode))
		}
		if v >= 9 {
			part.offset = 0
			req := fetchRequest(v, part)
			req.Topics[0].Partitions[0].CurrentLeaderEpoch = 3
			if p := onlyPartition(t, tb.fetch(req)); p.ErrorCode != kerr.UnknownLeaderEpoch.Code || len(p.RecordBatches) != 0 {
				t.Errorf("v%d newer leader epoch: %s", v, errName(p.ErrorCode))
			}
		}

		missing := fetchPart{topic: "missing"}
		want := kerr.UnknownTopicOrPartition.Code
		if v >= 13 {
			missing, want = fetchPart{id: [16]byte{7, 7, 7}}, kerr.UnknownTopicID.Code
		}
		resp = tb.fetch(fetchRequest(v, missing))
		if p := onlyPartition(t, resp); p.ErrorCode != want || p.HighWatermark != -1 {
			t.Errorf("v%d unknown topic: %s hw %d", v, errName(p.ErrorCode), p.HighWatermark)
		}
		if v >= 13 && resp.Topics[0].TopicID != missing.id {
			t.Errorf("v%d unknown topic id answered as %x", v, resp.Topics[0].TopicID)
		}
	}
}

func TestFetchReadCommitted(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("rc", 1)
	threeBatches(t, tb, "rc", 0)
	for _, v := range fetchVersions {
		req := fetchRequest(v, fetchPart{topic: "rc", id: tb.topicMetadata("rc").TopicID})
		if v < 13 {
			req.Topics[0].TopicID = [16]byte{}
		} else {
			req.Topics[0].Topic = ""
		}
		req.IsolationLevel = 1
		p := onlyPartition(t, tb.fetch(req))
		if p.ErrorCode != 0 || p.LastStableOffset != 10 || p.AbortedTransactions == nil || len(p.AbortedTransactions) != 0 {
			t.Errorf("v%d: %s lso %d aborted %v; want an empty aborted list", v, errName(p.ErrorCode), p.LastStableOffset, p.AbortedTransactions)
		}
		if got := bases(batchesOf(t, p.RecordBatches)); !slices.Equal(got, []int64{0, 3, 5}) {
			t.Errorf("v%d: batches from %v", v, got)
		}
	}
}

func TestFetchByteLimits(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("limits", 2)
	sizes := threeBatches(t, tb, "limits", 0)
	threeBatches(t, tb, "limits", 1)
	cases := []struct {
		name               string
		maxBytes, partMax  int32
		wantP0, wantP1     []int64
		secondPartitionMax int32
	}{
		// Only until one partition has returned data may a read exceed
		// its limits (KIP-74).
		{"partition limit below one batch", 50 << 20, 1, []int64{0}, nil, 1},
		{"response limit below one batch", 1, 1 << 20, []int64{0}, nil, 1 << 20},
		{"partition limit of two batches", 50 << 20, int32(sizes[0] + sizes[1]), []int64{0, 3}, []int64{0, 3}, int32(sizes[0] + sizes[1])},
		{"partition limit a byte short of two", 50 << 20, int32(sizes[0] + sizes[1] - 1), []int64{0}, []int64{0}, int32(sizes[0] + sizes[1] - 1)},
		{"response limit of two batches", int32(sizes[0] + sizes[1]), 1 << 20, []int64{0, 3}, nil, 1 << 20},
	}
	for _, v := range []int16{4, 12} {
		for _, c := range cases {
			req := fetchRequest(v, fetchPart{topic: "limits", partition: 0, maxBytes: c.partMax},
				fetchPart{topic: "limits", partition: 1, maxBytes: c.secondPartitionMax})
			req.MaxBytes = c.maxBytes
			resp := tb.fetch(req)
			if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 2 {
				t.Fatalf("v%d %s: answer %+v", v, c.name, resp.Topics)
			}
			got0 := bases(batchesOf(t, resp.Topics[0].Partitions[0].RecordBatches))
			got1 := bases(batchesOf(t, resp.Topics[0].Partitions[1].RecordBatches))
			if !slices.Equal(got0, c.wantP0) || !slices.Equal(got1, c.wantP1) {
				t.Errorf("v%d %s: partition 0 batches %v, partition 1 %v; want %v and %v", v, c.name, got0, got1, c.wantP0, c.wantP1)
			}
		}
	}
}

func TestFetchLongPoll(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("lp", 2)
	tb.mustProduce("lp", 0, batch(t, now(), 1))

	// Nothing arrives: the wait ends with an empty answer.
	req := fetchRequest(12, fetchPart{topic: "lp", offset: 1})
	req.MinBytes, req.MaxWaitMillis = 1, 50
	if p := onlyPartition(t, tb.fetch(req)); p.ErrorCode != 0 || len(p.RecordBatches) != 0 {
		t.Fatalf("empty wait: %s with %d bytes", errName(p.ErrorCode), len(p.RecordBatches))
	}

	// Data arrives on either watched partition: the wait ends with it,
	// long before max_wait (the connection's read deadline is shorter).
	// The append races the fetch's first read many times over, to catch a
	// wake-up lost between the read and the watch.
	waiter := tb.otherConn()
	for i := range 40 {
		target := int32(i % 2)
		end := tb.listOffset(9, "lp", target, -1, -1).Offset
		offsets := map[int32]int64{0: tb.listOffset(9, "lp", 0, -1, -1).Offset, 1: tb.listOffset(9, "lp", 1, -1, -1).Offset}
		req := fetchRequest(12, fetchPart{topic: "lp", partition: 0, offset: offsets[0]}, fetchPart{topic: "lp", partition: 1, offset: offsets[1]})
		req.MinBytes, req.MaxWaitMillis = 1, 120_000
		done := make(chan *kmsg.FetchResponse, 1)
		errc := make(chan error, 1)
		go func() {
			resp, err := waiter.roundTrip(req)
			if err != nil {
				errc <- err
				return
			}
			done <- resp.(*kmsg.FetchResponse)
		}()
		tb.mustProduce("lp", target, batch(t, now(), 2))
		select {
		case err := <-errc:
			t.Fatalf("long poll on partition %d: %v", target, err)
		case resp := <-done:
			var got []int64
			for _, p := range resp.Topics[0].Partitions {
				if p.Partition == target {
					got = bases(batchesOf(t, p.RecordBatches))
				}
			}
			if !slices.Equal(got, []int64{end}) {
				t.Errorf("long poll woken by partition %d returned batches %v, want [%d]", target, got, end)
			}
		}
	}
}

// sessionFetch is one request of a fetch session at v12 (names) or v13
// (ids).
func sessionFetch(v int16, id int32, epoch int32, parts ...fetchPart) *kmsg.FetchRequest {
	req := fetchRequest(v, parts...)
	req.SessionID, req.SessionEpoch = id, epoch
	return req
}

// answered lists the partitions a fetch response carries, as "p<n>" with
// "+" when it has records.
func answered(t *testing.T, resp *kmsg.FetchResponse) []string {
	t.Helper()
	var out []string
	for _, rt := range resp.Topics {
		for _, p := range rt.Partitions {
			s := fmt.Sprintf("p%d", p.Partition)
			if len(p.RecordBatches) > 0 {
				s += "+"
			}
			if p.ErrorCode != 0 {
				s += "!" + errName(p.ErrorCode)
			}
			out = append(out, s)
		}
	}
	return out
}

func TestFetchSessions(t *testing.T) {
	tb := startBroker(t, nil)
	id := tb.topic("sess", 3)
	for _, v := range []int16{12, 13, 18} {
		part := func(p int32, offset int64) fetchPart {
			if v >= 13 {
				return fetchPart{id: id, partition: p, offset: offset}
			}
			return fetchPart{topic: "sess", partition: p, offset: offset}
		}
		end := func(p int32) int64 { return tb.listOffset(9, "sess", p, -1, -1).Offset }
		tb.mustProduce("sess", 0, batch(t, now(), 2))

		// A full fetch creates the session and answers every partition.
		resp := tb.fetch(sessionFetch(v, 0, 0, part(0, end(0)-2), part(1, end(1)), part(2, end(2))))
		session := resp.SessionID
		if resp.ErrorCode != 0 || session == 0 || !slices.Equal(answered(t, resp), []string{"p0+", "p1", "p2"}) {
			t.Fatalf("v%d full fetch: %s session %d answered %v", v, errName(resp.ErrorCode), session, answered(t, resp))
		}
		// Incremental: the client moves partition 0 on; nothing changed,
		// nothing is answered.
		resp = tb.fetch(sessionFetch(v, session, 1, part(0, end(0))))
		if resp.ErrorCode != 0 || resp.SessionID != session || len(answered(t, resp)) != 0 {
			t.Errorf("v%d quiet incremental: %s session %d answered %v", v, errName(resp.ErrorCode), resp.SessionID, answered(t, resp))
		}
		// Only the partition with new data is answered.
		tb.mustProduce("sess", 1, batch(t, now(), 1))
		resp = tb.fetch(sessionFetch(v, session, 2))
		if got := answered(t, resp); !slices.Equal(got, []string{"p1+"}) {
			t.Errorf("v%d incremental after a write to p1: answered %v", v, got)
		}
		// Forgotten partitions leave the session.
		req := sessionFetch(v, session, 3, part(1, end(1)))
		ft := kmsg.NewFetchRequestForgottenTopic()
		if v >= 13 {
			ft.TopicID = id
		} else {
			ft.Topic = "sess"
		}
		ft.Partitions = []int32{2}
		req.ForgottenTopics = append(req.ForgottenTopics, ft)
		if got := answered(t, tb.fetch(req)); len(got) != 0 {
			t.Errorf("v%d forgetting p2: answered %v", v, got)
		}
		tb.mustProduce("sess", 2, batch(t, now(), 1))
		tb.mustProduce("sess", 1, batch(t, now(), 1))
		if got := answered(t, tb.fetch(sessionFetch(v, session, 4))); !slices.Equal(got, []string{"p1+"}) {
			t.Errorf("v%d after writes to p1 and the forgotten p2: answered %v", v, got)
		}

		// Wrong epoch and unknown session are refused as a whole.
		resp = tb.fetch(sessionFetch(v, session, 9))
		if resp.ErrorCode != kerr.InvalidFetchSessionEpoch.Code || len(resp.Topics) != 0 {
			t.Errorf("v%d wrong epoch: %s with %d topics", v, errName(resp.ErrorCode), len(resp.Topics))
		}
		resp = tb.fetch(sessionFetch(v, session+1, 1))
		if resp.ErrorCode != kerr.FetchSessionIDNotFound.Code || len(resp.Topics) != 0 {
			t.Errorf("v%d unknown session: %s with %d topics", v, errName(resp.ErrorCode), len(resp.Topics))
		}
		// Epoch -1 closes the session (and fetches sessionless).
		resp = tb.fetch(sessionFetch(v, session, -1, part(0, 0)))
		if resp.ErrorCode != 0 || resp.SessionID != 0 || !slices.Equal(answered(t, resp), []string{"p0+"}) {
			t.Errorf("v%d closing fetch: %s session %d answered %v", v, errName(resp.ErrorCode), resp.SessionID, answered(t, resp))
		}
		if resp := tb.fetch(sessionFetch(v, session, 5)); resp.ErrorCode != kerr.FetchSessionIDNotFound.Code {
			t.Errorf("v%d closed session: %s", v, errName(resp.ErrorCode))
		}
	}
}

func TestFetchSessionUnknownTopicID(t *testing.T) {
	tb := startBroker(t, nil)
	id := tb.topic("known", 1)
	tb.mustProduce("known", 0, batch(t, now(), 1))
	unknown := [16]byte{4, 5, 6}
	resp := tb.fetch(sessionFetch(13, 0, 0, fetchPart{id: id}, fetchPart{id: unknown}))
	if resp.ErrorCode != 0 || len(resp.Topics) != 2 {
		t.Fatalf("%s with %d topics", errName(resp.ErrorCode), len(resp.Topics))
	}
	for _, rt := range resp.Topics {
		p := rt.Partitions[0]
		switch rt.TopicID {
		case id:
			if p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
				t.Errorf("known topic: %s with %d bytes", errName(p.ErrorCode), len(p.RecordBatches))
			}
		case unknown:
			if p.ErrorCode != kerr.UnknownTopicID.Code {
				t.Errorf("unknown topic id: %s", errName(p.ErrorCode))
			}
		default:
			t.Errorf("unasked topic %x", rt.TopicID)
		}
	}
}
