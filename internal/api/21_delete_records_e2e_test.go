package api_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (tb *testBroker) deleteRecords(v int16, topic string, partition int32, offset int64) kmsg.DeleteRecordsResponseTopicPartition {
	tb.t.Helper()
	req := kmsg.NewPtrDeleteRecordsRequest()
	req.Version, req.TimeoutMillis = v, 5000
	rt := kmsg.NewDeleteRecordsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = partition, offset
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp := tb.request(req).(*kmsg.DeleteRecordsResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		tb.t.Fatalf("delete records v%d: answer %+v", v, resp.Topics)
	}
	return resp.Topics[0].Partitions[0]
}

func TestDeleteRecordsEveryVersion(t *testing.T) {
	tb := startBroker(t, nil)
	for v := int16(0); v <= 2; v++ {
		topic := "dr" + string(rune('0'+v))
		tb.topic(topic, 1)
		for range 5 {
			tb.mustProduce(topic, 0, batch(t, now(), 2)) // offsets 0..9, two per batch
		}
		steps := []struct {
			name   string
			offset int64
			code   int16
			low    int64
		}{
			{"inside a batch", 3, 0, 3},
			{"below the low watermark", 2, 0, 3},
			{"the high watermark itself", 10, 0, 10},
			{"beyond the high watermark", 11, kerr.OffsetOutOfRange.Code, -1},
			{"negative", -7, kerr.OffsetOutOfRange.Code, -1},
		}
		for i, s := range steps {
			got := tb.deleteRecords(v, topic, 0, s.offset)
			if got.ErrorCode != s.code || got.LowWatermark != s.low {
				t.Errorf("v%d %s (%d): %s low watermark %d; want %s %d", v, s.name, s.offset,
					errName(got.ErrorCode), got.LowWatermark, errName(s.code), s.low)
			}
			if i == 0 {
				checkTruncatedStart(t, tb, topic)
			}
		}
		tb.mustProduce(topic, 0, batch(t, now(), 2))
		if got := tb.deleteRecords(v, topic, 0, -1); got.ErrorCode != 0 || got.LowWatermark != 12 {
			t.Errorf("v%d -1 (the high watermark): %s low watermark %d, want 12", v, errName(got.ErrorCode), got.LowWatermark)
		}
	}
}

// checkTruncatedStart checks a log whose start moved to 3: ListOffsets
// earliest says so, a fetch below it is out of range, and a fetch at 3
// returns the batch holding it.
func checkTruncatedStart(t *testing.T, tb *testBroker, topic string) {
	t.Helper()
	if got := tb.listOffset(9, topic, 0, -2, -1); got.Offset != 3 {
		t.Errorf("earliest offset %d after deleting before 3", got.Offset)
	}
	if p := onlyPartition(t, tb.fetch(fetchRequest(12, fetchPart{topic: topic, offset: 1}))); p.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Errorf("fetch below the log start: %s", errName(p.ErrorCode))
	}
	p := onlyPartition(t, tb.fetch(fetchRequest(12, fetchPart{topic: topic, offset: 3})))
	if p.ErrorCode != 0 || p.LogStartOffset != 3 {
		t.Fatalf("fetch at the log start: %s log start %d", errName(p.ErrorCode), p.LogStartOffset)
	}
	if bs := batchesOf(t, p.RecordBatches); len(bs) == 0 || bs[0].base != 2 {
		t.Errorf("fetch at 3 returned batches %+v, want the one from 2 first", bs)
	}
}

func TestDeleteRecordsErrors(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("compacted", 1, "cleanup.policy", "compact")
	tb.topic("both", 1, "cleanup.policy", "compact,delete")
	tb.mustProduce("compacted", 0, batch(t, now(), 2))
	tb.mustProduce("both", 0, batch(t, now(), 2))
	cases := []struct {
		name      string
		topic     string
		partition int32
		code      int16
		low       int64
	}{
		{"unknown topic", "missing", 0, kerr.UnknownTopicOrPartition.Code, -1},
		{"unknown partition", "both", 3, kerr.UnknownTopicOrPartition.Code, -1},
		// Kafka deletes records only where cleanup.policy includes delete.
		{"compact only", "compacted", 0, kerr.PolicyViolation.Code, -1},
		{"compact and delete", "both", 0, 0, 1},
	}
	for _, c := range cases {
		got := tb.deleteRecords(2, c.topic, c.partition, 1)
		if got.ErrorCode != c.code || got.LowWatermark != c.low {
			t.Errorf("%s: %s low watermark %d; want %s %d", c.name, errName(got.ErrorCode), got.LowWatermark, errName(c.code), c.low)
		}
	}
	if got := tb.listOffset(9, "compacted", 0, -2, -1); got.Offset != 0 {
		t.Errorf("refused deletion moved the log start to %d", got.Offset)
	}
}

func TestDeleteRecordsOfInternalTopic(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("__consumer_offsets", 1)
	if got := tb.deleteRecords(2, "__consumer_offsets", 0, 0); got.ErrorCode != kerr.InvalidTopicException.Code || got.LowWatermark != -1 {
		t.Errorf("internal topic: %s low watermark %d, want INVALID_TOPIC_EXCEPTION", errName(got.ErrorCode), got.LowWatermark)
	}
}
