package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/record"
)

// Helpers shared by the end-to-end tests of the data-path APIs (Produce,
// Fetch, ListOffsets and friends), which talk to a broker over TCP at exact
// request versions.

// topic creates a topic with the given partitions and config pairs and
// waits until every partition has a leader that answers ListOffsets.
func (tb *testBroker) topic(name string, partitions int32, configs ...string) [16]byte {
	tb.t.Helper()
	resp := tb.createTopics(7, false, newTopic(name, partitions, 1, configs...))
	if rt := resp.Topics[0]; rt.ErrorCode != 0 {
		tb.t.Fatalf("create %s: %v %q", name, kerr.ErrorForCode(rt.ErrorCode), str(rt.ErrorMessage))
	}
	for p := range partitions {
		checkFor(tb.t, 10*time.Second, func() error {
			if got := tb.listOffset(10, name, p, -1, -1); got.ErrorCode != 0 {
				return fmt.Errorf("%s[%d]: %v", name, p, kerr.ErrorForCode(got.ErrorCode))
			}
			return nil
		})
	}
	return resp.Topics[0].TopicID
}

// otherConn returns a handle on the same broker with a connection of its
// own, for requests that must not wait behind a long poll.
func (tb *testBroker) otherConn() *testBroker {
	o := &testBroker{t: tb.t, addr: tb.addr, admin: tb.admin}
	tb.t.Cleanup(func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.conn != nil {
			o.conn.Close()
		}
	})
	return o
}

// batch builds a v2 record batch of n records keyed k0, k1, ... with
// values v0, v1, ..., all at timestamp ts; opts adjust the builder.
func batch(t testing.TB, ts int64, n int, opts ...func(*record.Builder)) []byte {
	t.Helper()
	bl := record.NewBuilder()
	for _, o := range opts {
		o(bl)
	}
	for i := range n {
		bl.Append(ts, fmt.Appendf(nil, "k%d", i), fmt.Appendf(nil, "v%d", i))
	}
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// idempotent marks a batch as written by producer id/epoch from sequence seq.
func idempotent(id int64, epoch int16, seq int32) func(*record.Builder) {
	return func(bl *record.Builder) { bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = id, epoch, seq }
}

func codec(c record.Codec) func(*record.Builder) {
	return func(bl *record.Builder) { bl.Codec = c }
}

func now() int64 { return time.Now().UnixMilli() }

// produceRequest is a one-partition Produce request; at v13 the topic is
// named by id.
func produceRequest(v, acks int16, topic string, id [16]byte, partition int32, records []byte) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = v, acks, 10000
	rt := kmsg.NewProduceRequestTopic()
	if v >= 13 {
		rt.TopicID = id
	} else {
		rt.Topic = topic
	}
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Partition, rp.Records = partition, records
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// produce sends records to one partition and returns its answer; at v13
// it names the topic by its id.
func (tb *testBroker) produce(v, acks int16, topic string, partition int32, records []byte) kmsg.ProduceResponseTopicPartition {
	tb.t.Helper()
	var id [16]byte
	if v >= 13 {
		id = tb.topicMetadata(topic).TopicID
	}
	return tb.produceReq(produceRequest(v, acks, topic, id, partition, records))
}

func (tb *testBroker) produceReq(req *kmsg.ProduceRequest) kmsg.ProduceResponseTopicPartition {
	tb.t.Helper()
	resp := tb.request(req).(*kmsg.ProduceResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		tb.t.Fatalf("produce v%d: answer %+v", req.Version, resp.Topics)
	}
	return resp.Topics[0].Partitions[0]
}

// mustProduce appends records and returns their base offset.
func (tb *testBroker) mustProduce(topic string, partition int32, records []byte) int64 {
	tb.t.Helper()
	rp := tb.produce(9, -1, topic, partition, records)
	if rp.ErrorCode != 0 {
		tb.t.Fatalf("produce to %s[%d]: %v %q", topic, partition, kerr.ErrorForCode(rp.ErrorCode), str(rp.ErrorMessage))
	}
	return rp.BaseOffset
}

func listOffsetsRequest(v int16, topic string, partition int32, ts int64, epoch int32) *kmsg.ListOffsetsRequest {
	req := kmsg.NewPtrListOffsetsRequest()
	req.Version = v
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.Timestamp, rp.CurrentLeaderEpoch = partition, ts, epoch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

// listOffset asks one partition for the offset of timestamp ts.
func (tb *testBroker) listOffset(v int16, topic string, partition int32, ts int64, epoch int32) kmsg.ListOffsetsResponseTopicPartition {
	tb.t.Helper()
	resp := tb.request(listOffsetsRequest(v, topic, partition, ts, epoch)).(*kmsg.ListOffsetsResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		tb.t.Fatalf("list offsets v%d: answer %+v", v, resp.Topics)
	}
	return resp.Topics[0].Partitions[0]
}

// fetchPart is one partition of a Fetch request.
type fetchPart struct {
	topic     string
	id        [16]byte
	partition int32
	offset    int64
	maxBytes  int32
}

// fetchRequest is a sessionless Fetch that does not wait; at v13+ topics
// are named by id.
func fetchRequest(v int16, parts ...fetchPart) *kmsg.FetchRequest {
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxWaitMillis, req.MinBytes, req.MaxBytes = v, 0, 0, 50<<20
	req.SessionEpoch = -1
	for _, p := range parts {
		n := len(req.Topics)
		if n == 0 || req.Topics[n-1].Topic != p.topic || req.Topics[n-1].TopicID != p.id {
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = p.topic, p.id
			req.Topics = append(req.Topics, rt)
			n++
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p.partition, p.offset, p.maxBytes
		if rp.PartitionMaxBytes == 0 {
			rp.PartitionMaxBytes = 1 << 20
		}
		req.Topics[n-1].Partitions = append(req.Topics[n-1].Partitions, rp)
	}
	return req
}

func (tb *testBroker) fetch(req *kmsg.FetchRequest) *kmsg.FetchResponse {
	tb.t.Helper()
	return tb.request(req).(*kmsg.FetchResponse)
}

// fetchedBatch is what a test needs of a fetched batch.
type fetchedBatch struct {
	base, last int64
	values     []string
}

// batchesOf splits fetched record bytes into batches and reads their
// values.
func batchesOf(t testing.TB, records []byte) []fetchedBatch {
	t.Helper()
	var out []fetchedBatch
	var rd record.Reader
	defer rd.Close()
	for len(records) > 0 {
		b, rest, err := record.Peek(records)
		if err != nil {
			t.Fatalf("fetched records: %v", err)
		}
		fb := fetchedBatch{base: b.BaseOffset(), last: b.LastOffset()}
		rd.Reset(b, record.DefaultMaxDecompressedBytes)
		for rd.Next() {
			fb.values = append(fb.values, string(rd.Record().Value))
		}
		if err := rd.Err(); err != nil {
			t.Fatalf("batch at %d: %v", fb.base, err)
		}
		out = append(out, fb)
		records = rest
	}
	return out
}

// onlyPartition returns the single partition of a fetch response.
func onlyPartition(t testing.TB, resp *kmsg.FetchResponse) kmsg.FetchResponseTopicPartition {
	t.Helper()
	if resp.ErrorCode != 0 {
		t.Fatalf("fetch: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		t.Fatalf("fetch answered %d topics: %+v", len(resp.Topics), resp.Topics)
	}
	return resp.Topics[0].Partitions[0]
}

// errName is an error code's Kafka name, for messages.
func errName(code int16) string {
	if code == 0 {
		return "NONE"
	}
	if e, ok := kerr.ErrorForCode(code).(*kerr.Error); ok {
		return e.Message
	}
	return fmt.Sprintf("code %d", code)
}
