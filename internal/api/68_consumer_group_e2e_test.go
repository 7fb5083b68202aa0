package api_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// advertised is the version range ApiVersions gives for key, and whether
// it is there.
func advertised(tb *testBroker, key int16) (min, max int16, ok bool) {
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 3
	req.ClientSoftwareName, req.ClientSoftwareVersion = "api-test", "1"
	resp := tb.request(req).(*kmsg.ApiVersionsResponse)
	if resp.ErrorCode != 0 {
		tb.t.Fatalf("ApiVersions: %v", kerr.ErrorForCode(resp.ErrorCode))
	}
	for _, k := range resp.ApiKeys {
		if k.ApiKey == key {
			return k.MinVersion, k.MaxVersion, true
		}
	}
	return 0, 0, false
}

// With group.coordinator.rebalance.protocols=classic, KIP-848's
// ConsumerGroupHeartbeat (68) and ConsumerGroupDescribe (69) are not
// advertised, and a client that sends them anyway gets
// UNSUPPORTED_VERSION, as from Kafka; by default both are served.
func TestConsumerGroupAPIsFollowRebalanceProtocols(t *testing.T) {
	def := startBroker(t, nil)
	for _, key := range []int16{68, 69} {
		if min, max, ok := advertised(def, key); !ok || min != 0 || max != 1 {
			t.Errorf("default broker: key %d advertised %v v%d-%d, want v0-1", key, ok, min, max)
		}
	}

	tb := startBroker(t, map[string]string{"group.coordinator.rebalance.protocols": "classic"})
	for _, key := range []int16{68, 69} {
		if min, max, ok := advertised(tb, key); ok {
			t.Errorf("classic only: key %d advertised v%d-%d", key, min, max)
		}
	}
	for v := int16(0); v <= 1; v++ {
		hb := kmsg.NewPtrConsumerGroupHeartbeatRequest()
		hb.Version, hb.Group, hb.MemberID, hb.MemberEpoch = v, "g", "m-0123456789abcdef", 0
		hb.RebalanceTimeoutMillis, hb.SubscribedTopicNames = 30000, []string{"t"}
		hb.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
		if got := tb.request(hb).(*kmsg.ConsumerGroupHeartbeatResponse); got.ErrorCode != kerr.UnsupportedVersion.Code {
			t.Errorf("ConsumerGroupHeartbeat v%d: %v, want UNSUPPORTED_VERSION", v, kerr.ErrorForCode(got.ErrorCode))
		}
		d := kmsg.NewPtrConsumerGroupDescribeRequest()
		d.Version, d.Groups = v, []string{"g", "h"}
		got := tb.request(d).(*kmsg.ConsumerGroupDescribeResponse)
		if len(got.Groups) != 2 {
			t.Fatalf("ConsumerGroupDescribe v%d: %d groups, want 2", v, len(got.Groups))
		}
		for _, g := range got.Groups {
			if g.ErrorCode != kerr.UnsupportedVersion.Code {
				t.Errorf("ConsumerGroupDescribe v%d group %s: %v, want UNSUPPORTED_VERSION", v, g.Group, kerr.ErrorForCode(g.ErrorCode))
			}
		}
	}
}
