package api_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestOffsetCommitAnswersUnknownPartitionsItself(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("known", 2)
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group, req.Generation = 9, "simple", -1
	for _, name := range []string{"known", "missing"} {
		rt := kmsg.NewOffsetCommitRequestTopic()
		rt.Topic = name
		for _, p := range []int32{0, 5} {
			rp := kmsg.NewOffsetCommitRequestTopicPartition()
			rp.Partition, rp.Offset = p, 42
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
	}
	// As a client does: find the coordinator (creating __consumer_offsets),
	// then commit, retrying while its shard loads.
	find := kmsg.NewPtrFindCoordinatorRequest()
	find.Version, find.CoordinatorKey = 3, "simple"
	tb.request(find)
	got := map[string]int16{}
	checkFor(t, 10*time.Second, func() error {
		resp := tb.request(req).(*kmsg.OffsetCommitResponse)
		clear(got)
		for _, rt := range resp.Topics {
			for _, p := range rt.Partitions {
				got[fmt.Sprintf("%s/%d", rt.Topic, p.Partition)] = p.ErrorCode
			}
		}
		if got["known/0"] == kerr.CoordinatorLoadInProgress.Code {
			return errors.New("coordinator still loading")
		}
		return nil
	})
	want := map[string]int16{
		"known/0":   0,
		"known/5":   kerr.UnknownTopicOrPartition.Code,
		"missing/0": kerr.UnknownTopicOrPartition.Code,
		"missing/5": kerr.UnknownTopicOrPartition.Code,
	}
	for k, code := range want {
		if got[k] != code {
			t.Errorf("%s: error %d, want %d (all: %v)", k, got[k], code, got)
		}
	}
	fetch := kmsg.NewPtrOffsetFetchRequest()
	fetch.Version, fetch.Group = 7, "simple"
	fr := tb.request(fetch).(*kmsg.OffsetFetchResponse)
	if len(fr.Topics) != 1 || fr.Topics[0].Topic != "known" || len(fr.Topics[0].Partitions) != 1 || fr.Topics[0].Partitions[0].Offset != 42 {
		t.Fatalf("committed offsets: %+v", fr.Topics)
	}
}
