package metadata

import (
	"errors"
	"reflect"
	"testing"
)

func allRecords() []Record {
	return []Record{
		RegisterBrokerRecord{
			BrokerID: 3, IncarnationID: UUID{1, 2, 3}, BrokerEpoch: 1 << 40, Rack: ptr(""),
			Endpoints: []Endpoint{
				{Name: "PLAINTEXT", Host: "localhost", Port: 9092, SecurityProtocol: Plaintext},
				{Name: "SSL", Host: "h", Port: 65535, SecurityProtocol: SSL},
			},
			Fenced: true, InControlledShutdown: true,
		},
		RegisterBrokerRecord{BrokerID: 0},
		UnregisterBrokerRecord{BrokerID: 3, BrokerEpoch: -1},
		BrokerRegistrationChangeRecord{BrokerID: 3, BrokerEpoch: 9, Fenced: Unfence, InControlledShutdown: 1},
		TopicRecord{Name: "orders", TopicID: tid(9)},
		PartitionRecord{
			TopicID: tid(9), Partition: 2, Replicas: []int32{1, 2, 3}, ISR: []int32{1, 3},
			RemovingReplicas: []int32{}, Leader: 1, LeaderRecoveryState: Recovering,
			LeaderEpoch: -1, PartitionEpoch: 1<<31 - 1, LastKnownELR: []int32{-5},
		},
		PartitionChangeRecord{TopicID: tid(9), Leader: NoLeaderChange, LeaderRecoveryState: NoRecoveryStateChange},
		PartitionChangeRecord{TopicID: tid(9), ISR: []int32{}, Leader: NoLeader, Replicas: []int32{4}, LeaderRecoveryState: Recovered},
		RemoveTopicRecord{TopicID: tid(9)},
		ConfigRecord{ResourceType: ResourceTopic, ResourceName: "orders", Name: "retention.ms", Value: ptr("-1")},
		ConfigRecord{ResourceType: ResourceBroker, Name: "x"},
		ProducerIdsRecord{BrokerID: 1, BrokerEpoch: 2, NextProducerID: 1 << 62},
		FeatureLevelRecord{Name: MetadataVersionFeature, Level: -32768},
	}
}

func TestBatchRoundTrip(t *testing.T) {
	recs := allRecords()
	b, err := EncodeBatch(recs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("round trip:\n got %#v\nwant %#v", got, recs)
	}
	empty, err := EncodeBatch(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeBatch(empty); err != nil || len(got) != 0 {
		t.Fatalf("empty batch: %v, %v", got, err)
	}
}

// Every proper prefix of a batch must be reported as corrupt, never panic or
// decode to something.
func TestDecodeBatchTruncated(t *testing.T) {
	b, err := EncodeBatch(allRecords())
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(b) {
		_, err := DecodeBatch(b[:n])
		var ce *CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("DecodeBatch(first %d of %d bytes) = %v, want *CorruptError", n, len(b), err)
		}
		if ce.Offset < 0 || ce.Offset > n {
			t.Fatalf("corrupt offset %d outside 0..%d", ce.Offset, n)
		}
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	good, err := EncodeBatch([]Record{RemoveTopicRecord{TopicID: tid(1)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string][]byte{
		"batch version":  {2, 0},
		"trailing bytes": append(append([]byte{}, good...), 0),
		"unknown type":   {1, 1, 99, 0, 0},
		"body version":   {1, 1, byte(RemoveTopicType), 1, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"long body":      {1, 1, byte(FeatureLevelType), 0, 3, 1, 0, 0},
		"bad bool":       {1, 1, byte(RegisterBrokerType), 0, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0},
		"huge count":     {1, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge array":     {1, 1, byte(PartitionChangeType), 0, 19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x7f},
	}
	for name, b := range tests {
		var ce *CorruptError
		if _, err := DecodeBatch(b); !errors.As(err, &ce) {
			t.Errorf("%s: DecodeBatch = %v, want *CorruptError", name, err)
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	b, err := EncodeBatch(allRecords())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, err := DecodeBatch(b)
		if err != nil {
			return
		}
		// What decodes must survive a round trip unchanged.
		again, err := EncodeBatch(recs)
		if err != nil {
			t.Fatal(err)
		}
		recs2, err := DecodeBatch(again)
		if err != nil || !reflect.DeepEqual(recs, recs2) {
			t.Fatalf("round trip of decoded records: %v\n%#v\n%#v", err, recs, recs2)
		}
	})
}
