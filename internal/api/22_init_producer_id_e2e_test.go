package api_test

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

func initProducerIDRequest(v int16, txnID *string, id int64, epoch int16) *kmsg.InitProducerIDRequest {
	req := kmsg.NewPtrInitProducerIDRequest()
	req.Version, req.TransactionalID, req.TransactionTimeoutMillis = v, txnID, 60000
	req.ProducerID, req.ProducerEpoch = id, epoch
	return req
}

func (tb *testBroker) initProducerID(v int16, txnID *string, id int64, epoch int16) *kmsg.InitProducerIDResponse {
	tb.t.Helper()
	return tb.request(initProducerIDRequest(v, txnID, id, epoch)).(*kmsg.InitProducerIDResponse)
}

// newProducerID asks for an idempotent producer id.
func (tb *testBroker) newProducerID() (int64, int16) {
	tb.t.Helper()
	resp := tb.initProducerID(5, nil, -1, -1)
	if resp.ErrorCode != 0 {
		tb.t.Fatalf("init producer id: %s", errName(resp.ErrorCode))
	}
	return resp.ProducerID, resp.ProducerEpoch
}

// nodeBroker is a raw-request handle on a testcluster node, for tests that
// restart the node; a restart needs a new handle.
func nodeBroker(t *testing.T, node *testcluster.Node) *testBroker {
	tb := &testBroker{t: t, addr: node.Addr()}
	t.Cleanup(func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		if tb.conn != nil {
			tb.conn.Close()
		}
	})
	return tb
}

func TestInitProducerIDIdempotentIsUniqueAcrossRestarts(t *testing.T) {
	node := testcluster.Start(t, nil)
	seen := map[int64]bool{}
	collect := func(tb *testBroker) {
		for v := int16(0); v <= 5; v++ {
			for range 3 {
				resp := tb.initProducerID(v, nil, -1, -1)
				if resp.ErrorCode != 0 || resp.ProducerID < 0 || resp.ProducerEpoch != 0 {
					t.Fatalf("v%d: %s id %d epoch %d", v, errName(resp.ErrorCode), resp.ProducerID, resp.ProducerEpoch)
				}
				if seen[resp.ProducerID] {
					t.Fatalf("v%d: producer id %d handed out twice", v, resp.ProducerID)
				}
				seen[resp.ProducerID] = true
			}
		}
	}
	collect(nodeBroker(t, node))
	node.Restart()
	collect(nodeBroker(t, node))
}

func TestInitProducerIDRefusals(t *testing.T) {
	tb := startBroker(t, nil)
	empty, txn := "", "orders-tx"
	cases := []struct {
		name      string
		minV      int16
		txnID     *string
		id        int64
		epoch     int16
		code      int16
		wantNewID bool
	}{
		// 22_init_producer_id.go: transactions are not served yet.
		{"transactional id", 0, &txn, -1, -1, kerr.CoordinatorNotAvailable.Code, false},
		{"empty transactional id", 0, &empty, -1, -1, kerr.InvalidRequest.Code, false},
		{"producer id without epoch", 3, nil, 42, -1, kerr.InvalidRequest.Code, false},
		{"epoch without producer id", 3, nil, -1, 3, kerr.InvalidRequest.Code, false},
		// An idempotent producer that names its old id and epoch (KIP-360)
		// gets a new id, as Kafka hands out without looking.
		{"idempotent producer with its id and epoch", 3, nil, 42, 3, 0, true},
	}
	for v := int16(0); v <= 5; v++ {
		for _, c := range cases {
			if v < c.minV {
				continue
			}
			resp := tb.initProducerID(v, c.txnID, c.id, c.epoch)
			ok := resp.ErrorCode == c.code
			if c.wantNewID {
				ok = ok && resp.ProducerID >= 0 && resp.ProducerEpoch == 0
			} else {
				ok = ok && resp.ProducerID == -1 && resp.ProducerEpoch == -1
			}
			if !ok {
				t.Errorf("v%d %s: %s id %d epoch %d; want %s", v, c.name, errName(resp.ErrorCode), resp.ProducerID, resp.ProducerEpoch, errName(c.code))
			}
		}
	}
}

func (tb *testBroker) describeProducers(topic string, partitions ...int32) []kmsg.DescribeProducersResponseTopicPartition {
	tb.t.Helper()
	req := kmsg.NewPtrDescribeProducersRequest()
	rt := kmsg.NewDescribeProducersRequestTopic()
	rt.Topic, rt.Partitions = topic, partitions
	req.Topics = append(req.Topics, rt)
	resp := tb.request(req).(*kmsg.DescribeProducersResponse)
	if len(resp.Topics) != 1 || resp.Topics[0].Topic != topic || len(resp.Topics[0].Partitions) != len(partitions) {
		tb.t.Fatalf("describe producers of %s: answer %+v", topic, resp.Topics)
	}
	return resp.Topics[0].Partitions
}

func TestDescribeProducersAfterIdempotentWrites(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("dp", 2)
	id, epoch := tb.newProducerID()
	t1 := now() - 5000
	t2 := t1 + 1234
	tb.mustProduce("dp", 0, batch(t, t1, 3, idempotent(id, epoch, 0)))
	tb.mustProduce("dp", 0, batch(t, t2, 2, idempotent(id, epoch, 3)))
	tb.mustProduce("dp", 0, batch(t, now(), 1)) // not idempotent: no producer state

	got := tb.describeProducers("dp", 0, 1, 7)
	p0 := got[0]
	if p0.ErrorCode != 0 || len(p0.ActiveProducers) != 1 {
		t.Fatalf("partition 0: %s producers %+v", errName(p0.ErrorCode), p0.ActiveProducers)
	}
	ap := p0.ActiveProducers[0]
	if ap.ProducerID != id || ap.ProducerEpoch != int32(epoch) || ap.LastSequence != 4 || ap.LastTimestamp != t2 ||
		ap.CoordinatorEpoch != -1 || ap.CurrentTxnStartOffset != -1 {
		t.Errorf("producer %+v; want id %d epoch %d last sequence 4 last timestamp %d, no transaction", ap, id, epoch, t2)
	}
	if p1 := got[1]; p1.ErrorCode != 0 || len(p1.ActiveProducers) != 0 {
		t.Errorf("partition 1 without writes: %s producers %+v", errName(p1.ErrorCode), p1.ActiveProducers)
	}
	if p7 := got[2]; p7.ErrorCode != kerr.UnknownTopicOrPartition.Code || p7.Partition != 7 {
		t.Errorf("partition 7: %s", errName(p7.ErrorCode))
	}
	if p := tb.describeProducers("nowhere", 0)[0]; p.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("unknown topic: %s", errName(p.ErrorCode))
	}
}

func TestDescribeProducersSeesFranzGoProducer(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("franz", 1)
	cl := tb.newClient(kgo.DefaultProduceTopic("franz"), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ts := time.UnixMilli(now() - 1000)
	var recs []*kgo.Record
	for range 5 {
		recs = append(recs, &kgo.Record{Value: []byte("x"), Timestamp: ts})
	}
	if err := cl.ProduceSync(testCtx(t), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	id, epoch, err := cl.ProducerID(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	got := tb.describeProducers("franz", 0)[0]
	if got.ErrorCode != 0 || len(got.ActiveProducers) != 1 {
		t.Fatalf("%s producers %+v", errName(got.ErrorCode), got.ActiveProducers)
	}
	ap := got.ActiveProducers[0]
	if ap.ProducerID != id || ap.ProducerEpoch != int32(epoch) || ap.LastSequence != 4 || ap.LastTimestamp != ts.UnixMilli() {
		t.Errorf("producer %+v; want id %d epoch %d last sequence 4 last timestamp %d", ap, id, epoch, ts.UnixMilli())
	}
}
