package api_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/record"
)

// offsetsLog writes three batches whose timestamps are not in offset
// order, so that a timestamp lookup has to look inside batches:
//
//	offset 0, 1: t0       (batch A)
//	offset 2:    t0+1000  (batch B)
//	offset 3:    t0+5000  (batch B)
//	offset 4:    t0+2000  (batch C)
func offsetsLog(t *testing.T, tb *testBroker, topic string) (t0 int64) {
	t.Helper()
	t0 = now() - 60_000
	tb.mustProduce(topic, 0, batch(t, t0, 2))
	bl := record.NewBuilder()
	bl.Append(t0+1000, []byte("k"), []byte("b0"))
	bl.Append(t0+5000, []byte("k"), []byte("b1"))
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	tb.mustProduce(topic, 0, b)
	tb.mustProduce(topic, 0, batch(t, t0+2000, 1))
	return t0
}

func TestListOffsetsEveryVersion(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("lo", 1)
	t0 := offsetsLog(t, tb, "lo")

	type want struct {
		code      int16
		offset    int64
		timestamp int64
		epoch     int32 // at v4+; below, the field is not on the wire
	}
	unsupported := want{kerr.UnsupportedVersion.Code, -1, -1, -1}
	for v := int16(1); v <= 10; v++ {
		cases := map[string]struct {
			ts   int64
			want want
		}{
			"earliest":            {-2, want{0, 0, -1, 0}},
			"latest":              {-1, want{0, 5, -1, 0}},
			"max timestamp":       {-3, want{0, 3, t0 + 5000, 0}},
			"earliest local":      {-4, want{0, 0, -1, 0}},
			"latest tiered":       {-5, want{0, -1, -1, -1}},
			"unknown special":     {-7, unsupported},
			"first record":        {t0, want{0, 0, t0, 0}},
			"inside a batch":      {t0 + 500, want{0, 2, t0 + 1000, 0}},
			"first in log order":  {t0 + 3000, want{0, 3, t0 + 5000, 0}},
			"after every record":  {t0 + 10_000, want{0, -1, -1, -1}},
			"exactly the maximum": {t0 + 5000, want{0, 3, t0 + 5000, 0}},
		}
		if v < 7 {
			c := cases["max timestamp"]
			c.want = unsupported
			cases["max timestamp"] = c
		}
		if v < 8 {
			c := cases["earliest local"]
			c.want = unsupported
			cases["earliest local"] = c
		}
		if v < 9 {
			c := cases["latest tiered"]
			c.want = unsupported
			cases["latest tiered"] = c
		}
		for name, c := range cases {
			got := tb.listOffset(v, "lo", 0, c.ts, -1)
			w := c.want
			if v < 4 {
				w.epoch = -1
			}
			if got.ErrorCode != w.code || got.Offset != w.offset || got.Timestamp != w.timestamp || got.LeaderEpoch != w.epoch {
				t.Errorf("v%d %s (%d): %s offset %d timestamp %d epoch %d; want %s %d %d %d", v, name, c.ts,
					errName(got.ErrorCode), got.Offset, got.Timestamp, got.LeaderEpoch,
					errName(w.code), w.offset, w.timestamp, w.epoch)
			}
		}
	}
}

func TestListOffsetsEmptyPartition(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("empty", 1)
	for ts, want := range map[int64]int64{-1: 0, -2: 0, -3: -1, now(): -1} {
		got := tb.listOffset(10, "empty", 0, ts, -1)
		if got.ErrorCode != 0 || got.Offset != want {
			t.Errorf("timestamp %d: %s offset %d, want offset %d", ts, errName(got.ErrorCode), got.Offset, want)
		}
	}
}

func TestListOffsetsErrors(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("lo", 2)
	tb.mustProduce("lo", 0, batch(t, now(), 3))

	t.Run("unknown topic and partition", func(t *testing.T) {
		for _, tp := range []struct {
			topic     string
			partition int32
		}{{"missing", 0}, {"lo", 2}, {"lo", -1}} {
			got := tb.listOffset(9, tp.topic, tp.partition, -1, -1)
			if got.ErrorCode != kerr.UnknownTopicOrPartition.Code || got.Offset != -1 || got.Timestamp != -1 {
				t.Errorf("%s[%d]: %s offset %d timestamp %d", tp.topic, tp.partition, errName(got.ErrorCode), got.Offset, got.Timestamp)
			}
		}
	})

	t.Run("leader epochs", func(t *testing.T) {
		if got := tb.listOffset(9, "lo", 0, -1, 0); got.ErrorCode != 0 || got.Offset != 3 {
			t.Errorf("current epoch 0: %s offset %d", errName(got.ErrorCode), got.Offset)
		}
		if got := tb.listOffset(9, "lo", 0, -1, 5); got.ErrorCode != kerr.UnknownLeaderEpoch.Code || got.Offset != -1 {
			t.Errorf("epoch newer than the leader's: %s offset %d", errName(got.ErrorCode), got.Offset)
		}
		// Below v4 there is no current leader epoch on the wire to fence.
		if got := tb.listOffset(3, "lo", 0, -1, 5); got.ErrorCode != 0 || got.Offset != 3 {
			t.Errorf("v3: %s offset %d", errName(got.ErrorCode), got.Offset)
		}
	})

	t.Run("duplicate partitions", func(t *testing.T) {
		req := listOffsetsRequest(9, "lo", 0, -1, -1)
		again := kmsg.NewListOffsetsRequestTopic()
		again.Topic = "lo"
		p0, p1 := kmsg.NewListOffsetsRequestTopicPartition(), kmsg.NewListOffsetsRequestTopicPartition()
		p0.Partition, p0.Timestamp = 0, -2
		p1.Partition, p1.Timestamp = 1, -1
		again.Partitions = append(again.Partitions, p0, p1)
		req.Topics = append(req.Topics, again)
		resp := tb.request(req).(*kmsg.ListOffsetsResponse)
		// Kafka answers each distinct partition once, grouped by topic.
		if len(resp.Topics) != 1 || resp.Topics[0].Topic != "lo" || len(resp.Topics[0].Partitions) != 2 {
			t.Fatalf("answer %+v, want one topic with partitions 0 and 1", resp.Topics)
		}
		for _, rp := range resp.Topics[0].Partitions {
			switch rp.Partition {
			case 0:
				if rp.ErrorCode != kerr.InvalidRequest.Code || rp.Offset != -1 {
					t.Errorf("duplicated partition: %s offset %d", errName(rp.ErrorCode), rp.Offset)
				}
			case 1:
				if rp.ErrorCode != 0 || rp.Offset != 0 {
					t.Errorf("partition 1: %s offset %d", errName(rp.ErrorCode), rp.Offset)
				}
			default:
				t.Errorf("unasked partition %d", rp.Partition)
			}
		}
	})

	t.Run("read committed", func(t *testing.T) {
		req := listOffsetsRequest(9, "lo", 0, -1, -1)
		req.IsolationLevel = 1
		rp := tb.request(req).(*kmsg.ListOffsetsResponse).Topics[0].Partitions[0]
		if rp.ErrorCode != 0 || rp.Offset != 3 {
			t.Errorf("last stable offset: %s %d", errName(rp.ErrorCode), rp.Offset)
		}
	})
}

func offsetForLeaderEpochRequest(v int16, topic string, partition, epoch, current int32) *kmsg.OffsetForLeaderEpochRequest {
	req := kmsg.NewPtrOffsetForLeaderEpochRequest()
	req.Version = v
	rt := kmsg.NewOffsetForLeaderEpochRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
	rp.Partition, rp.LeaderEpoch, rp.CurrentLeaderEpoch = partition, epoch, current
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	return req
}

func TestOffsetForLeaderEpochEveryVersion(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("ofle", 1)
	tb.topic("ofle-empty", 1)
	tb.mustProduce("ofle", 0, batch(t, now(), 4))
	tb.mustProduce("ofle", 0, batch(t, now(), 3))

	type want struct {
		code  int16
		epoch int32
		end   int64
	}
	cases := []struct {
		name           string
		topic          string
		partition      int32
		epoch, current int32
		want           want
	}{
		{"current epoch ends at the log end", "ofle", 0, 0, -1, want{0, 0, 7}},
		{"matching current epoch", "ofle", 0, 0, 0, want{0, 0, 7}},
		{"empty log", "ofle-empty", 0, 0, -1, want{0, 0, 0}},
		{"undefined epoch", "ofle", 0, -1, -1, want{0, -1, -1}},
		{"epoch after the latest", "ofle", 0, 9, -1, want{0, -1, -1}},
		{"current epoch newer than the leader's", "ofle", 0, 0, 3, want{kerr.UnknownLeaderEpoch.Code, -1, -1}},
		{"unknown topic", "nope", 0, 0, -1, want{kerr.UnknownTopicOrPartition.Code, -1, -1}},
		{"unknown partition", "ofle", 4, 0, -1, want{kerr.UnknownTopicOrPartition.Code, -1, -1}},
	}
	for v := int16(2); v <= 4; v++ {
		for _, c := range cases {
			resp := tb.request(offsetForLeaderEpochRequest(v, c.topic, c.partition, c.epoch, c.current)).(*kmsg.OffsetForLeaderEpochResponse)
			if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
				t.Fatalf("v%d %s: answer %+v", v, c.name, resp.Topics)
			}
			rp := resp.Topics[0].Partitions[0]
			if rp.ErrorCode != c.want.code || rp.LeaderEpoch != c.want.epoch || rp.EndOffset != c.want.end || rp.Partition != c.partition {
				t.Errorf("v%d %s: %s epoch %d end %d; want %s %d %d", v, c.name, errName(rp.ErrorCode), rp.LeaderEpoch,
					rp.EndOffset, errName(c.want.code), c.want.epoch, c.want.end)
			}
		}
	}
}
