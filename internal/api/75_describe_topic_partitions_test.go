package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (tb *testBroker) describeTopicPartitions(limit int32, cursor *kmsg.DescribeTopicPartitionsRequestCursor, topics ...string) *kmsg.DescribeTopicPartitionsResponse {
	tb.t.Helper()
	req := kmsg.NewPtrDescribeTopicPartitionsRequest()
	req.ResponsePartitionLimit, req.Cursor = limit, cursor
	for _, name := range topics {
		rt := kmsg.NewDescribeTopicPartitionsRequestTopic()
		rt.Topic = name
		req.Topics = append(req.Topics, rt)
	}
	return tb.request(req).(*kmsg.DescribeTopicPartitionsResponse)
}

// pages lists the topic/partition pairs of a response, and its cursor.
func pages(resp *kmsg.DescribeTopicPartitionsResponse) (got []string, next string) {
	for _, t := range resp.Topics {
		if len(t.Partitions) == 0 {
			got = append(got, fmt.Sprintf("%s:-", str(t.Topic)))
		}
		for _, p := range t.Partitions {
			got = append(got, fmt.Sprintf("%s:%d", str(t.Topic), p.Partition))
		}
	}
	if c := resp.NextCursor; c != nil {
		next = fmt.Sprintf("%s:%d", c.Topic, c.Partition)
	}
	return got, next
}

func cursorAt(topic string, partition int32) *kmsg.DescribeTopicPartitionsRequestCursor {
	return &kmsg.DescribeTopicPartitionsRequestCursor{Topic: topic, Partition: partition}
}

func TestDescribeTopicPartitionsDetails(t *testing.T) {
	tb := startBroker(t, nil)
	ids := map[string][16]byte{}
	for _, rt := range tb.createTopics(7, false, newTopic("b", 2, 1), newTopic("a", 3, 1), newTopic("__consumer_offsets", 1, 1)).Topics {
		ids[rt.Topic] = rt.TopicID
	}
	resp := tb.describeTopicPartitions(2000, nil)
	if got, next := pages(resp); !slices.Equal(got, []string{"__consumer_offsets:0", "a:0", "a:1", "a:2", "b:0", "b:1"}) || next != "" {
		t.Fatalf("all topics: %v, cursor %q", got, next)
	}
	for _, rt := range resp.Topics {
		name := str(rt.Topic)
		if rt.ErrorCode != 0 || rt.TopicID != ids[name] || rt.IsInternal != (name == "__consumer_offsets") {
			t.Errorf("%s: error %d id %x internal %v", name, rt.ErrorCode, rt.TopicID, rt.IsInternal)
		}
		if rt.AuthorizedOperations <= 0 || rt.AuthorizedOperations&(1<<3) == 0 { // READ
			t.Errorf("%s: authorized operations %b", name, rt.AuthorizedOperations)
		}
		for _, p := range rt.Partitions {
			if p.ErrorCode != 0 || p.LeaderID != 1 || p.LeaderEpoch != 0 || !slices.Equal(p.Replicas, []int32{1}) ||
				!slices.Equal(p.ISR, []int32{1}) || len(p.OfflineReplicas) != 0 ||
				p.EligibleLeaderReplicas == nil || len(p.EligibleLeaderReplicas) != 0 || p.LastKnownELR == nil {
				t.Errorf("%s[%d]: %+v", name, p.Partition, p)
			}
		}
	}
}

func TestDescribeTopicPartitionsPaging(t *testing.T) {
	tb := startBroker(t, nil)
	tb.createTopics(7, false, newTopic("a", 3, 1), newTopic("b", 2, 1), newTopic("c", 1, 1))
	for _, tc := range []struct {
		limit  int32
		cursor *kmsg.DescribeTopicPartitionsRequestCursor
		topics []string
		want   []string
		next   string
	}{
		{4, nil, nil, []string{"a:0", "a:1", "a:2", "b:0"}, "b:1"},
		{4, cursorAt("b", 1), nil, []string{"b:1", "c:0"}, ""},
		{3, nil, nil, []string{"a:0", "a:1", "a:2"}, "b:0"},
		{0, nil, nil, []string{"a:0"}, "a:1"},                                    // at least one partition
		{5000, nil, nil, []string{"a:0", "a:1", "a:2", "b:0", "b:1", "c:0"}, ""}, // more than there are
		{2, cursorAt("a", 2), []string{"c", "a", "b"}, []string{"a:2", "b:0"}, "b:1"},
		{10, cursorAt("a", 7), []string{"a", "c"}, []string{"a:-", "c:0"}, ""},
		{1, cursorAt("b", 1), []string{"b", "missing"}, []string{"b:1"}, "missing:0"},
	} {
		got, next := pages(tb.describeTopicPartitions(tc.limit, tc.cursor, tc.topics...))
		if !slices.Equal(got, tc.want) || next != tc.next {
			t.Errorf("limit %d cursor %+v topics %v: got %v next %q; want %v next %q", tc.limit, tc.cursor, tc.topics, got, next, tc.want, tc.next)
		}
	}
}

func TestDescribeTopicPartitionsUnknownTopics(t *testing.T) {
	tb := startBroker(t, nil)
	ids := tb.mustCreate("known")
	resp := tb.describeTopicPartitions(2000, nil, "zzz", "known", "bad name", "known")
	if len(resp.Topics) != 3 {
		t.Fatalf("%d topics: %+v", len(resp.Topics), resp.Topics)
	}
	want := []struct {
		name string
		code int16
	}{{"bad name", kerr.InvalidTopicException.Code}, {"known", 0}, {"zzz", kerr.UnknownTopicOrPartition.Code}}
	for i, w := range want {
		rt := resp.Topics[i]
		if str(rt.Topic) != w.name || rt.ErrorCode != w.code {
			t.Errorf("topic %d: %s error %d; want %s %d", i, str(rt.Topic), rt.ErrorCode, w.name, w.code)
		}
		if w.code != 0 && (rt.TopicID != [16]byte{} || len(rt.Partitions) != 0) {
			t.Errorf("%s: id %x, %d partitions", w.name, rt.TopicID, len(rt.Partitions))
		}
	}
	if resp.Topics[1].TopicID != ids["known"] {
		t.Errorf("known topic id %x, want %x", resp.Topics[1].TopicID, ids["known"])
	}
}

func TestDescribeTopicPartitionsBadCursor(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("a", "b")
	for _, tc := range []struct {
		cursor *kmsg.DescribeTopicPartitionsRequestCursor
		topics []string
	}{
		{cursorAt("c", 0), []string{"a", "b"}}, // the cursor's topic must be asked for
		{cursorAt("a", -1), []string{"a", "b"}},
	} {
		resp := tb.describeTopicPartitions(10, tc.cursor, tc.topics...)
		if len(resp.Topics) != len(tc.topics) || resp.NextCursor != nil {
			t.Fatalf("cursor %+v: %+v", tc.cursor, resp)
		}
		for i, rt := range resp.Topics {
			if str(rt.Topic) != tc.topics[i] || rt.ErrorCode != kerr.InvalidRequest.Code || len(rt.Partitions) != 0 {
				t.Errorf("cursor %+v: %s error %d, %d partitions", tc.cursor, str(rt.Topic), rt.ErrorCode, len(rt.Partitions))
			}
		}
	}
	// A negative cursor partition is refused when describing all topics too.
	if resp := tb.describeTopicPartitions(10, cursorAt("a", -1)); len(resp.Topics) != 0 || resp.NextCursor != nil {
		t.Errorf("all topics from a bad cursor: %+v", resp)
	}
}
