package api

import (
	"context"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

// clusterImage is a cluster no single node can show: broker 1 serves
// PLAINTEXT, broker 2 is fenced, broker 3 has only an INTERNAL listener and
// broker 4 is not registered. Topic t's partitions are led by each in turn.
func clusterImage(t *testing.T) *metadata.Image {
	t.Helper()
	plain := []metadata.Endpoint{{Name: "PLAINTEXT", Host: "h", Port: 9092}}
	id := metadata.UUID{9}
	records := []metadata.Record{
		metadata.RegisterBrokerRecord{BrokerID: 1, BrokerEpoch: 1, Endpoints: plain},
		metadata.RegisterBrokerRecord{BrokerID: 2, BrokerEpoch: 2, Endpoints: plain, Fenced: true},
		metadata.RegisterBrokerRecord{BrokerID: 3, BrokerEpoch: 3, Endpoints: []metadata.Endpoint{{Name: "INTERNAL", Host: "i", Port: 9094}}},
		metadata.TopicRecord{Name: "t", TopicID: id},
	}
	for p, leader := range []int32{1, 2, 3, 4} {
		records = append(records, metadata.PartitionRecord{
			TopicID: id, Partition: int32(p), Replicas: []int32{1, 2, 3, 4}, ISR: []int32{1},
			Leader: leader, LeaderEpoch: 5, ELR: []int32{3}, LastKnownELR: []int32{4},
		})
	}
	img, _, err := metadata.NewImage("cluster-x").Apply(records)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// call runs one request through the handler as if it came on listener.
func call(t *testing.T, img *metadata.Image, listener string, req kmsg.Request) kmsg.Response {
	t.Helper()
	h := NewHandler(Deps{NodeID: 1, Image: func() *metadata.Image { return img }})
	frame := kmsg.NewRequestFormatter().AppendRequest(nil, req, 1)[4:]
	reply, err := h.Handle(context.Background(), &network.Conn{Listener: listener}, frame)
	if err != nil {
		t.Fatal(err)
	}
	body := reply.Ready.Head[8:]
	resp := req.ResponseKind()
	if resp.IsFlexible() {
		body = body[1:]
	}
	if err := resp.ReadFrom(body); err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestDescribedPartitionLeadersAndOfflineReplicas(t *testing.T) {
	img := clusterImage(t)
	req := kmsg.NewPtrDescribeTopicPartitionsRequest()
	resp := call(t, img, "PLAINTEXT", req).(*kmsg.DescribeTopicPartitionsResponse)
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 4 {
		t.Fatalf("%+v", resp.Topics)
	}
	// A fenced leader still has an endpoint, so Kafka names it; an
	// unregistered one or one without this listener is no leader.
	wantLeaders := []int32{1, 2, -1, -1}
	for i, p := range resp.Topics[0].Partitions {
		if p.LeaderID != wantLeaders[i] || p.LeaderEpoch != 5 {
			t.Errorf("partition %d: leader %d epoch %d, want %d", i, p.LeaderID, p.LeaderEpoch, wantLeaders[i])
		}
		if !slices.Equal(p.OfflineReplicas, []int32{2, 3, 4}) {
			t.Errorf("partition %d: offline %v, want [2 3 4]", i, p.OfflineReplicas)
		}
		if len(p.Replicas) != 4 || len(p.ISR) != 1 || !slices.Equal(p.EligibleLeaderReplicas, []int32{3}) ||
			!slices.Equal(p.LastKnownELR, []int32{4}) {
			t.Errorf("partition %d: %+v", i, p)
		}
	}
	internal := call(t, img, "INTERNAL", req).(*kmsg.DescribeTopicPartitionsResponse)
	if p := internal.Topics[0].Partitions[2]; p.LeaderID != 3 || !slices.Equal(p.OfflineReplicas, []int32{1, 2, 4}) {
		t.Errorf("on INTERNAL: leader %d offline %v", p.LeaderID, p.OfflineReplicas)
	}
}
