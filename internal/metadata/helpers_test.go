package metadata

import (
	"bytes"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func tid(n byte) TopicID { return UUID{0: 0x10, 15: n} }

// apply applies records and fails the test on error.
func apply(t *testing.T, img *Image, records ...Record) (*Image, *Delta) {
	t.Helper()
	next, d, err := img.Apply(records)
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return next, d
}

// topicRecords returns the records that create a topic whose partition p has
// replicas reps[p], led by the first.
func topicRecords(name string, id TopicID, reps ...[]int32) []Record {
	rs := []Record{TopicRecord{Name: name, TopicID: id}}
	for p, r := range reps {
		rs = append(rs, PartitionRecord{
			TopicID: id, Partition: int32(p), Replicas: r, ISR: r, Leader: r[0],
		})
	}
	return rs
}

func encodeImage(t *testing.T, img *Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := EncodeSnapshot(&buf, img); err != nil {
		t.Fatalf("encode snapshot: %v", err)
	}
	return buf.Bytes()
}

func sameImage(t *testing.T, got, want *Image) {
	t.Helper()
	if !bytes.Equal(encodeImage(t, got), encodeImage(t, want)) {
		t.Fatalf("images differ:\n got %+v\nwant %+v", got.records(), want.records())
	}
	if d := Diff(want, got); !d.Empty() {
		t.Fatalf("Diff of equal images = %+v", d)
	}
}

// richImage has a bit of everything.
func richImage(t *testing.T) *Image {
	t.Helper()
	img := NewImage("clusterid-xyz")
	recs := []Record{
		FeatureLevelRecord{Name: MetadataVersionFeature, Level: MetadataVersion40IV3},
		FeatureLevelRecord{Name: "group.version", Level: 1},
		RegisterBrokerRecord{
			BrokerID: 1, IncarnationID: UUID{1: 7}, BrokerEpoch: 5, Rack: ptr("r1"),
			Endpoints: []Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: 9092, SecurityProtocol: Plaintext}},
		},
		RegisterBrokerRecord{BrokerID: 2, BrokerEpoch: 6, Fenced: true},
	}
	recs = append(recs, topicRecords("a", tid(1), []int32{1, 2}, []int32{2, 1})...)
	recs = append(recs, topicRecords("b", tid(2), []int32{2})...)
	recs = append(recs,
		PartitionChangeRecord{TopicID: tid(1), Partition: 1, Leader: 1, ISR: []int32{1}, LeaderRecoveryState: NoRecoveryStateChange, ELR: []int32{}},
		ConfigRecord{ResourceType: ResourceTopic, ResourceName: "a", Name: "cleanup.policy", Value: ptr("compact")},
		ConfigRecord{ResourceType: ResourceBroker, ResourceName: "", Name: "log.retention.ms", Value: ptr("1000")},
		ProducerIdsRecord{BrokerID: 1, BrokerEpoch: 5, NextProducerID: 2000},
	)
	img, _, err := img.ApplyAt(42, 3, recs)
	if err != nil {
		t.Fatalf("build rich image: %v", err)
	}
	return img
}
