package api_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Kafka's authorized-operation bit sets without an authorizer: every
// operation AclEntry.supportedOperations lists for the resource type.
const (
	allTopicOps   = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11 // READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS
	allClusterOps = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12       // CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE
	opsNotAsked   = math.MinInt32
)

// metadataRequest names topics (nil: all) at version v.
func metadataRequest(v int16, allowAutoCreate bool, topics ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Version, req.AllowAutoTopicCreation = v, allowAutoCreate
	if topics == nil {
		if v == 0 {
			req.Topics = []kmsg.MetadataRequestTopic{}
		}
		return req
	}
	req.Topics = []kmsg.MetadataRequestTopic{}
	for _, name := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, rt)
	}
	return req
}

func metadataByID(v int16, ids ...[16]byte) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = v
	req.Topics = []kmsg.MetadataRequestTopic{}
	for _, id := range ids {
		rt := kmsg.NewMetadataRequestTopic()
		rt.TopicID = id
		req.Topics = append(req.Topics, rt)
	}
	return req
}

func (tb *testBroker) metadata(req *kmsg.MetadataRequest) *kmsg.MetadataResponse {
	tb.t.Helper()
	return tb.request(req).(*kmsg.MetadataResponse)
}

// topicsByName indexes a response's topics, failing on a name answered twice.
func topicsByName(t *testing.T, resp *kmsg.MetadataResponse) map[string]kmsg.MetadataResponseTopic {
	t.Helper()
	out := map[string]kmsg.MetadataResponseTopic{}
	for _, rt := range resp.Topics {
		name := str(rt.Topic)
		if _, ok := out[name]; ok {
			t.Errorf("v%d: topic %q answered twice", resp.Version, name)
		}
		out[name] = rt
	}
	return out
}

func TestMetadataEveryVersion(t *testing.T) {
	tb := startBroker(t, nil)
	id := tb.topic("known", 2)
	for v := int16(0); v <= 13; v++ {
		resp := tb.metadata(metadataRequest(v, true, "known"))
		if len(resp.Brokers) != 1 || resp.Brokers[0].NodeID != 1 ||
			fmt.Sprintf("%s:%d", resp.Brokers[0].Host, resp.Brokers[0].Port) != tb.addr {
			t.Errorf("v%d: brokers %+v, want node 1 at %s", v, resp.Brokers, tb.addr)
		}
		if v >= 1 && resp.ControllerID != 1 {
			t.Errorf("v%d: controller %d", v, resp.ControllerID)
		}
		if v >= 2 && (resp.ClusterID == nil || *resp.ClusterID == "") {
			t.Errorf("v%d: no cluster id", v)
		}
		if len(resp.Topics) != 1 {
			t.Fatalf("v%d: %d topics", v, len(resp.Topics))
		}
		rt := resp.Topics[0]
		if rt.ErrorCode != 0 || str(rt.Topic) != "known" || rt.IsInternal || len(rt.Partitions) != 2 {
			t.Errorf("v%d: %s %q internal %t with %d partitions", v, errName(rt.ErrorCode), str(rt.Topic), rt.IsInternal, len(rt.Partitions))
		}
		if v >= 10 && rt.TopicID != id {
			t.Errorf("v%d: topic id %x, want %x", v, rt.TopicID, id)
		}
		for i, p := range rt.Partitions {
			wantEpoch := int32(0)
			if v < 7 {
				wantEpoch = -1 // not on the wire
			}
			if p.ErrorCode != 0 || p.Partition != int32(i) || p.Leader != 1 || p.LeaderEpoch != wantEpoch ||
				fmt.Sprint(p.Replicas) != "[1]" || fmt.Sprint(p.ISR) != "[1]" || len(p.OfflineReplicas) != 0 {
				t.Errorf("v%d partition %d: %+v", v, i, p)
			}
		}
		if v >= 8 && rt.AuthorizedOperations != opsNotAsked {
			t.Errorf("v%d: topic authorized operations %d without asking", v, rt.AuthorizedOperations)
		}

		all := topicsByName(t, tb.metadata(metadataRequest(v, true)))
		if _, ok := all["known"]; !ok {
			t.Errorf("v%d: all topics %v lack known", v, all)
		}
		if v >= 1 {
			if n := len(tb.metadata(metadataRequest(v, true, []string{}...)).Topics); n != 0 {
				t.Errorf("v%d: empty topic list answered %d topics", v, n)
			}
		}
	}
}

func TestMetadataAutoCreation(t *testing.T) {
	tb := startBroker(t, nil)
	for v := int16(0); v <= 13; v++ {
		for _, allow := range []bool{true, false} {
			name := fmt.Sprintf("auto-v%d-%t", v, allow)
			rt := tb.metadata(metadataRequest(v, allow, name)).Topics[0]
			created := allow || v < 4 // AllowAutoTopicCreation is on the wire from v4
			if !created {
				if rt.ErrorCode != kerr.UnknownTopicOrPartition.Code {
					t.Errorf("v%d %s: %s, want UNKNOWN_TOPIC_OR_PARTITION", v, name, errName(rt.ErrorCode))
				}
				if got := tb.topicMetadata(name); got.ErrorCode != kerr.UnknownTopicOrPartition.Code {
					t.Errorf("v%d %s: created anyway (%s)", v, name, errName(got.ErrorCode))
				}
				continue
			}
			// Kafka creates asynchronously and answers LEADER_NOT_AVAILABLE
			// first; either answer is fine if the topic then exists.
			if rt.ErrorCode != 0 && rt.ErrorCode != kerr.LeaderNotAvailable.Code {
				t.Errorf("v%d %s: %s", v, name, errName(rt.ErrorCode))
			}
			checkFor(t, 10*time.Second, func() error {
				if got := tb.topicMetadata(name); got.ErrorCode != 0 || len(got.Partitions) != 1 {
					return fmt.Errorf("v%d %s: %s with %d partitions", v, name, errName(got.ErrorCode), len(got.Partitions))
				}
				return nil
			})
		}
	}
}

func TestMetadataInvalidTopicNames(t *testing.T) {
	invalid := []string{"bad name", "slash/y", "..", ".", strings.Repeat("x", 250)}
	for _, autoCreate := range []string{"true", "false"} {
		t.Run("auto.create.topics.enable="+autoCreate, func(t *testing.T) {
			tb := startBroker(t, map[string]string{"auto.create.topics.enable": autoCreate})
			for _, v := range []int16{0, 3, 4, 9, 12, 13} {
				for _, allow := range []bool{true, false} {
					got := topicsByName(t, tb.metadata(metadataRequest(v, allow, invalid...)))
					for _, name := range invalid {
						if rt, ok := got[name]; !ok || rt.ErrorCode != kerr.InvalidTopicException.Code || len(rt.Partitions) != 0 {
							t.Errorf("v%d allow %t %.20q: %s", v, allow, name, errName(rt.ErrorCode))
						}
					}
				}
			}
			// Creation off: a valid unknown name stays unknown at any version.
			if autoCreate == "false" {
				for _, v := range []int16{0, 3, 4, 13} {
					if rt := tb.metadata(metadataRequest(v, true, "never")).Topics[0]; rt.ErrorCode != kerr.UnknownTopicOrPartition.Code {
						t.Errorf("v%d: %s, want UNKNOWN_TOPIC_OR_PARTITION", v, errName(rt.ErrorCode))
					}
				}
				if got := tb.topicMetadata("never"); got.ErrorCode != kerr.UnknownTopicOrPartition.Code {
					t.Errorf("created with auto-creation off: %s", errName(got.ErrorCode))
				}
			}
		})
	}
}

func TestMetadataByTopicID(t *testing.T) {
	tb := startBroker(t, nil)
	id := tb.topic("by-id", 3)
	unknown := [16]byte{1, 2, 3}
	for _, v := range []int16{12, 13} {
		got := tb.metadata(metadataByID(v, id, unknown)).Topics
		if len(got) != 2 {
			t.Fatalf("v%d: %d topics", v, len(got))
		}
		for _, rt := range got {
			switch rt.TopicID {
			case id:
				if rt.ErrorCode != 0 || str(rt.Topic) != "by-id" || len(rt.Partitions) != 3 {
					t.Errorf("v%d known id: %s %q with %d partitions", v, errName(rt.ErrorCode), str(rt.Topic), len(rt.Partitions))
				}
			case unknown:
				if rt.ErrorCode != kerr.UnknownTopicID.Code || rt.Topic != nil || len(rt.Partitions) != 0 {
					t.Errorf("v%d unknown id: %s %q", v, errName(rt.ErrorCode), str(rt.Topic))
				}
			default:
				t.Errorf("v%d: unasked topic %x", v, rt.TopicID)
			}
		}
	}
	// Versions 10 and 11 carry the field, but Kafka refuses ids there.
	for _, v := range []int16{10, 11} {
		got := tb.metadata(metadataByID(v, id)).Topics
		if len(got) != 1 || got[0].ErrorCode != kerr.InvalidRequest.Code || len(got[0].Partitions) != 0 {
			t.Errorf("v%d by id: %+v, want INVALID_REQUEST", v, got)
		}
	}
}

func TestMetadataAuthorizedOperationsAndInternalTopics(t *testing.T) {
	tb := startBroker(t, nil)
	tb.topic("__consumer_offsets", 1)
	tb.topic("plain", 1)
	for v := int16(8); v <= 13; v++ {
		req := metadataRequest(v, false, "plain", "__consumer_offsets", "__transaction_state", "plain")
		req.IncludeTopicAuthorizedOperations, req.IncludeClusterAuthorizedOperations = true, true
		resp := tb.metadata(req)
		wantCluster := int32(allClusterOps)
		if v > 10 {
			wantCluster = opsNotAsked // the field is gone from v11
		}
		if resp.AuthorizedOperations != wantCluster {
			t.Errorf("v%d: cluster operations %b, want %b", v, resp.AuthorizedOperations, wantCluster)
		}
		got := topicsByName(t, resp)
		if len(got) != 3 {
			t.Errorf("v%d: %d topics for three distinct names", v, len(resp.Topics))
		}
		for name, want := range map[string]struct {
			code     int16
			internal bool
		}{
			"plain":               {0, false},
			"__consumer_offsets":  {0, true},
			"__transaction_state": {kerr.UnknownTopicOrPartition.Code, true},
		} {
			rt := got[name]
			if rt.ErrorCode != want.code || rt.IsInternal != want.internal || rt.AuthorizedOperations != allTopicOps {
				t.Errorf("v%d %s: %s internal %t operations %b; want %s %t %b", v, name, errName(rt.ErrorCode),
					rt.IsInternal, rt.AuthorizedOperations, errName(want.code), want.internal, allTopicOps)
			}
		}
	}
}
