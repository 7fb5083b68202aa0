package api_test

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func deleteByName(v int16, names ...string) *kmsg.DeleteTopicsRequest {
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.Version = v
	if v < 6 {
		req.TopicNames = names
		return req
	}
	for _, n := range names {
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic = &n
		req.Topics = append(req.Topics, t)
	}
	return req
}

func (tb *testBroker) deleteTopics(req *kmsg.DeleteTopicsRequest) *kmsg.DeleteTopicsResponse {
	tb.t.Helper()
	return tb.request(req).(*kmsg.DeleteTopicsResponse)
}

func (tb *testBroker) mustCreate(names ...string) map[string][16]byte {
	tb.t.Helper()
	var topics []kmsg.CreateTopicsRequestTopic
	for _, n := range names {
		topics = append(topics, newTopic(n, 1, 1))
	}
	ids := map[string][16]byte{}
	for _, rt := range tb.createTopics(7, false, topics...).Topics {
		if rt.ErrorCode != 0 {
			tb.t.Fatalf("create %s: %d %q", rt.Topic, rt.ErrorCode, str(rt.ErrorMessage))
		}
		ids[rt.Topic] = rt.TopicID
	}
	return ids
}

func TestDeleteTopicsByName(t *testing.T) {
	tb := startBroker(t, nil)
	ids := tb.mustCreate("gone", "twice")
	resp := tb.deleteTopics(deleteByName(6, "gone", "missing", "twice", "twice"))
	if len(resp.Topics) != 3 {
		t.Fatalf("%d results, want one per name: %+v", len(resp.Topics), resp.Topics)
	}
	for _, rt := range resp.Topics {
		switch str(rt.Topic) {
		case "gone":
			if rt.ErrorCode != 0 || rt.TopicID != ids["gone"] || rt.ErrorMessage != nil {
				t.Errorf("gone: %d %q id %x", rt.ErrorCode, str(rt.ErrorMessage), rt.TopicID)
			}
		case "missing":
			if rt.ErrorCode != kerr.UnknownTopicOrPartition.Code || rt.TopicID != [16]byte{} {
				t.Errorf("missing: %d id %x", rt.ErrorCode, rt.TopicID)
			}
		case "twice":
			if rt.ErrorCode != kerr.InvalidRequest.Code || str(rt.ErrorMessage) != "Duplicate topic name." {
				t.Errorf("twice: %d %q", rt.ErrorCode, str(rt.ErrorMessage))
			}
		default:
			t.Errorf("unexpected result %+v", rt)
		}
	}
	if md := tb.topicMetadata("gone"); md.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("deleted topic still in metadata: error %d", md.ErrorCode)
	}
	if md := tb.topicMetadata("twice"); md.ErrorCode != 0 {
		t.Errorf("a topic named twice was deleted: error %d", md.ErrorCode)
	}
}

func TestDeleteTopicsByID(t *testing.T) {
	tb := startBroker(t, nil)
	ids := tb.mustCreate("by-id", "named-both-ways")
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.Version = 6
	add := func(name *string, id [16]byte) {
		t := kmsg.NewDeleteTopicsRequestTopic()
		t.Topic, t.TopicID = name, id
		req.Topics = append(req.Topics, t)
	}
	unknown := [16]byte{1, 2, 3}
	both := "named-both-ways"
	add(nil, ids["by-id"])
	add(nil, unknown)
	add(&both, ids[both])
	add(nil, [16]byte{})
	resp := tb.deleteTopics(req)
	if len(resp.Topics) != 4 {
		t.Fatalf("%d results: %+v", len(resp.Topics), resp.Topics)
	}
	for _, rt := range resp.Topics {
		switch {
		case rt.TopicID == ids["by-id"]:
			if rt.ErrorCode != 0 || str(rt.Topic) != "by-id" {
				t.Errorf("by id: %d name %q", rt.ErrorCode, str(rt.Topic))
			}
		case rt.TopicID == unknown:
			if rt.ErrorCode != kerr.UnknownTopicID.Code || rt.Topic != nil {
				t.Errorf("unknown id: %d name %q", rt.ErrorCode, str(rt.Topic))
			}
		case rt.TopicID == ids[both]:
			if rt.ErrorCode != kerr.InvalidRequest.Code || str(rt.ErrorMessage) != "You may not specify both topic name and topic id." {
				t.Errorf("name and id: %d %q", rt.ErrorCode, str(rt.ErrorMessage))
			}
		default:
			if rt.ErrorCode != kerr.InvalidRequest.Code || str(rt.ErrorMessage) != "Neither topic name nor id were specified." || rt.Topic != nil {
				t.Errorf("neither: %d %q", rt.ErrorCode, str(rt.ErrorMessage))
			}
		}
	}
	if md := tb.topicMetadata("by-id"); md.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("topic deleted by id still in metadata")
	}
	if md := tb.topicMetadata(both); md.ErrorCode != 0 {
		t.Errorf("a topic named by name and id was deleted")
	}
}

func TestDeleteTopicsVersions(t *testing.T) {
	tb := startBroker(t, nil)
	for v := int16(1); v <= 6; v++ {
		name := "delete-v" + string(rune('0'+v))
		tb.mustCreate(name)
		resp := tb.deleteTopics(deleteByName(v, name, "missing"))
		if len(resp.Topics) != 2 || str(resp.Topics[0].Topic) != name || resp.Topics[0].ErrorCode != 0 {
			t.Fatalf("v%d: %+v", v, resp.Topics)
		}
		missing := resp.Topics[1]
		if missing.ErrorCode != kerr.UnknownTopicOrPartition.Code {
			t.Errorf("v%d: unknown topic error %d", v, missing.ErrorCode)
		}
		if hasMessage := missing.ErrorMessage != nil; hasMessage != (v >= 5) {
			t.Errorf("v%d: error message %q", v, str(missing.ErrorMessage))
		}
	}
}

func TestDeleteTopicsDisabled(t *testing.T) {
	tb := startBroker(t, map[string]string{"delete.topic.enable": "false"})
	tb.mustCreate("kept")
	for _, tc := range []struct {
		v    int16
		code int16
	}{{2, kerr.InvalidRequest.Code}, {3, kerr.TopicDeletionDisabled.Code}, {6, kerr.TopicDeletionDisabled.Code}} {
		resp := tb.deleteTopics(deleteByName(tc.v, "kept", "missing"))
		if len(resp.Topics) != 2 {
			t.Fatalf("v%d: %d results", tc.v, len(resp.Topics))
		}
		for _, rt := range resp.Topics {
			if rt.ErrorCode != tc.code {
				t.Errorf("v%d %s: error %d, want %d", tc.v, str(rt.Topic), rt.ErrorCode, tc.code)
			}
		}
	}
	if md := tb.topicMetadata("kept"); md.ErrorCode != 0 {
		t.Errorf("topic deleted although deletion is disabled")
	}
	_, err := tb.admin.DeleteTopic(testCtx(t), "kept")
	if !errors.Is(err, kerr.TopicDeletionDisabled) {
		t.Errorf("kadm delete: %v", err)
	}
}

func TestDeleteTopicsWithKadm(t *testing.T) {
	tb := startBroker(t, nil)
	ctx := testCtx(t)
	tb.mustCreate("kadm-a", "kadm-b")
	resps, err := tb.admin.DeleteTopics(ctx, "kadm-a", "kadm-b", "kadm-missing")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kadm-a", "kadm-b"} {
		if r := resps[name]; r.Err != nil {
			t.Errorf("%s: %v", name, r.Err)
		}
	}
	if r := resps["kadm-missing"]; !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("missing: %v", r.Err)
	}
	topics, err := tb.admin.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if topics.Has("kadm-a") || topics.Has("kadm-b") {
		t.Errorf("deleted topics still listed: %v", topics.Names())
	}
}
