package metadata

import (
	"errors"
	"slices"
	"testing"
)

func TestCreateTopic(t *testing.T) {
	empty := NewImage("c1")
	img, d := apply(t, empty, topicRecords("orders", tid(1), []int32{1}, []int32{2}, []int32{1})...)

	topic := img.Topic("orders")
	if topic == nil || img.TopicByID(tid(1)) != topic || topic.NumPartitions() != 3 {
		t.Fatalf("topic = %+v", topic)
	}
	if p := topic.Partition(1); p.Leader != 2 || !slices.Equal(p.ISR, []int32{2}) || p.ID != 1 {
		t.Fatalf("partition 1 = %+v", p)
	}
	if topic.Partition(3) != nil || topic.Partition(-1) != nil {
		t.Fatal("out-of-range partition found")
	}
	if len(d.CreatedTopics) != 1 || d.CreatedTopics[0] != topic || len(d.ChangedPartitions) != 3 {
		t.Fatalf("delta = %+v", d)
	}
	for i, pc := range d.ChangedPartitions {
		if pc.Prev != nil || pc.Next != topic.Partition(int32(i)) || pc.Topic != topic {
			t.Fatalf("change %d = %+v", i, pc)
		}
	}
	if empty.NumTopics() != 0 || empty.Topic("orders") != nil {
		t.Fatal("Apply changed the old image")
	}
}

func TestApplySharesUntouched(t *testing.T) {
	img, _ := apply(t, NewImage("c"), topicRecords("a", tid(1), []int32{1}, []int32{1})...)
	img, _ = apply(t, img, topicRecords("b", tid(2), []int32{1})...)
	next, d := apply(t, img, PartitionChangeRecord{
		TopicID: tid(1), Partition: 1, Leader: NoLeaderChange, ISR: []int32{}, LeaderRecoveryState: NoRecoveryStateChange,
	})
	if next.Topic("b") != img.Topic("b") {
		t.Fatal("untouched topic was copied")
	}
	if next.Topic("a") == img.Topic("a") || next.Topic("a").Partition(0) != img.Topic("a").Partition(0) {
		t.Fatal("changed topic not copied, or its unchanged partition copied")
	}
	if !slices.Equal(img.Topic("a").Partition(1).ISR, []int32{1}) {
		t.Fatal("old image's partition changed")
	}
	if len(d.ChangedPartitions) != 1 || d.ChangedPartitions[0].Prev != img.Topic("a").Partition(1) {
		t.Fatalf("delta = %+v", d)
	}
}

func TestPartitionChangeMerge(t *testing.T) {
	img, _ := apply(t, NewImage("c"), topicRecords("a", tid(1), []int32{1, 2, 3})...)
	tests := []struct {
		name   string
		change PartitionChangeRecord
		want   Partition
	}{
		{"no-op bumps partition epoch",
			PartitionChangeRecord{Leader: NoLeaderChange, LeaderRecoveryState: NoRecoveryStateChange},
			Partition{Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2, 3}, Leader: 1, PartitionEpoch: 1}},
		{"shrink isr",
			PartitionChangeRecord{Leader: NoLeaderChange, ISR: []int32{1}, LeaderRecoveryState: NoRecoveryStateChange},
			Partition{Replicas: []int32{1, 2, 3}, ISR: []int32{1}, Leader: 1, PartitionEpoch: 1}},
		{"new leader bumps leader epoch",
			PartitionChangeRecord{Leader: 2, LeaderRecoveryState: NoRecoveryStateChange},
			Partition{Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2, 3}, Leader: 2, LeaderEpoch: 1, PartitionEpoch: 1}},
		{"same leader still bumps leader epoch",
			PartitionChangeRecord{Leader: 1, LeaderRecoveryState: NoRecoveryStateChange},
			Partition{Replicas: []int32{1, 2, 3}, ISR: []int32{1, 2, 3}, Leader: 1, LeaderEpoch: 1, PartitionEpoch: 1}},
		{"no leader, recovering, replicas and elr",
			PartitionChangeRecord{Leader: NoLeader, LeaderRecoveryState: Recovering, Replicas: []int32{3}, ISR: []int32{}, ELR: []int32{3}, AddingReplicas: []int32{4}},
			Partition{Replicas: []int32{3}, ISR: []int32{}, AddingReplicas: []int32{4}, ELR: []int32{3}, Leader: NoLeader, LeaderRecoveryState: Recovering, LeaderEpoch: 1, PartitionEpoch: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.change
			c.TopicID = tid(1)
			next, _ := apply(t, img, c)
			got := *next.Topic("a").Partition(0)
			if !got.Equal(&tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRemoveTopic(t *testing.T) {
	img, _ := apply(t, NewImage("c"), topicRecords("a", tid(1), []int32{1})...)
	img, _ = apply(t, img,
		ConfigRecord{ResourceType: ResourceTopic, ResourceName: "a", Name: "retention.ms", Value: ptr("1")},
		ConfigRecord{ResourceType: ResourceTopic, ResourceName: "b", Name: "retention.ms", Value: ptr("2")})
	old := img.Topic("a")
	next, d := apply(t, img, RemoveTopicRecord{TopicID: tid(1)})
	if next.Topic("a") != nil || next.TopicByID(tid(1)) != nil || next.NumTopics() != 0 {
		t.Fatal("topic still there")
	}
	if next.Configs(ConfigResource{ResourceTopic, "a"}) != nil || next.Configs(ConfigResource{ResourceTopic, "b"}) == nil {
		t.Fatal("topic configs not removed with the topic, or another's removed")
	}
	if len(d.DeletedTopics) != 1 || d.DeletedTopics[0] != old || len(d.ChangedConfigs) != 1 || len(d.ChangedPartitions) != 0 {
		t.Fatalf("delta = %+v", d)
	}
	// The name can be used again, with a new ID, even in the same batch.
	recs := append([]Record{RemoveTopicRecord{TopicID: tid(1)}}, topicRecords("a", tid(2), []int32{1})...)
	again, d := apply(t, img, recs...)
	if again.Topic("a").ID != tid(2) || len(d.CreatedTopics) != 1 || len(d.DeletedTopics) != 1 {
		t.Fatalf("recreate: topic %+v, delta %+v", again.Topic("a"), d)
	}
}

func TestConfigs(t *testing.T) {
	res := ConfigResource{ResourceBroker, ""}
	img, d := apply(t, NewImage("c"),
		ConfigRecord{ResourceType: ResourceBroker, Name: "a", Value: ptr("1")},
		ConfigRecord{ResourceType: ResourceBroker, Name: "b", Value: ptr("2")})
	if got := img.Configs(res); len(got) != 2 || got["a"] != "1" || len(d.ChangedConfigs) != 1 {
		t.Fatalf("configs %v, delta %+v", got, d)
	}
	next, _ := apply(t, img, ConfigRecord{ResourceType: ResourceBroker, Name: "a"})
	if got := next.Configs(res); len(got) != 1 || img.Configs(res)["a"] != "1" {
		t.Fatalf("after delete: %v (old image %v)", got, img.Configs(res))
	}
	next, _ = apply(t, next, ConfigRecord{ResourceType: ResourceBroker, Name: "b"})
	if next.Configs(res) != nil || len(next.ConfigResources()) != 0 {
		t.Fatal("resource without configs kept")
	}
	// Setting a broker config to its current value still reaches the delta,
	// so brokers reload it; deleting a missing key does not.
	_, d = apply(t, img, ConfigRecord{ResourceType: ResourceBroker, Name: "a", Value: ptr("1")})
	if len(d.ChangedConfigs) != 1 {
		t.Fatalf("same-value set: delta %+v", d)
	}
	_, d = apply(t, img, ConfigRecord{ResourceType: ResourceBroker, Name: "zzz"})
	if !d.Empty() {
		t.Fatalf("delete of missing key: delta %+v", d)
	}
}

func TestBrokers(t *testing.T) {
	img, d := apply(t, NewImage("c"),
		RegisterBrokerRecord{BrokerID: 2, BrokerEpoch: 10, Fenced: true},
		RegisterBrokerRecord{BrokerID: 1, BrokerEpoch: 11, Endpoints: []Endpoint{{Name: "PLAINTEXT", Port: 9092}}})
	if bs := img.Brokers(); len(bs) != 2 || bs[0].ID != 1 || !slices.Equal(d.ChangedBrokers, []int32{1, 2}) {
		t.Fatalf("brokers %+v, delta %+v", bs, d)
	}
	if ep, ok := img.Broker(1).Endpoint("PLAINTEXT"); !ok || ep.Port != 9092 {
		t.Fatal("endpoint not found")
	}
	img, _ = apply(t, img, BrokerRegistrationChangeRecord{BrokerID: 2, BrokerEpoch: 10, Fenced: Unfence, InControlledShutdown: 1})
	if b := img.Broker(2); b.Fenced || !b.InControlledShutdown {
		t.Fatalf("after change: %+v", b)
	}
	img, _ = apply(t, img, UnregisterBrokerRecord{BrokerID: 2, BrokerEpoch: 10})
	if img.Broker(2) != nil || img.Broker(1) == nil {
		t.Fatal("wrong broker unregistered")
	}
}

func TestFeaturesAndProducerIDs(t *testing.T) {
	img, d := apply(t, NewImage("c"),
		FeatureLevelRecord{Name: MetadataVersionFeature, Level: MetadataVersion40IV3},
		FeatureLevelRecord{Name: "x", Level: 1},
		ProducerIdsRecord{BrokerID: 1, NextProducerID: 1000})
	if img.MetadataVersion() != 25 || img.NextProducerID() != 1000 || !d.FeaturesChanged || !d.ProducerIDsChanged {
		t.Fatalf("image %v %d, delta %+v", img.Features(), img.NextProducerID(), d)
	}
	img, _ = apply(t, img, FeatureLevelRecord{Name: "x", Level: 0})
	if _, ok := img.Feature("x"); ok {
		t.Fatal("feature at level 0 kept")
	}
}

func TestApplyErrorsLeaveImage(t *testing.T) {
	img, _ := apply(t, NewImage("c"), topicRecords("a", tid(1), []int32{1})...)
	img, _ = apply(t, img, RegisterBrokerRecord{BrokerID: 1, BrokerEpoch: 4}, ProducerIdsRecord{NextProducerID: 1000})
	tests := map[string]Record{
		"topic name exists":       TopicRecord{Name: "a", TopicID: tid(2)},
		"topic id exists":         TopicRecord{Name: "b", TopicID: tid(1)},
		"reserved topic id":       TopicRecord{Name: "b", TopicID: MetadataTopicID},
		"empty topic name":        TopicRecord{TopicID: tid(3)},
		"partition gap":           PartitionRecord{TopicID: tid(1), Partition: 2},
		"negative partition":      PartitionRecord{TopicID: tid(1), Partition: -1},
		"partition unknown topic": PartitionRecord{TopicID: tid(9)},
		"change unknown topic":    PartitionChangeRecord{TopicID: tid(9), Leader: NoLeaderChange},
		"change unknown part":     PartitionChangeRecord{TopicID: tid(1), Partition: 1, Leader: NoLeaderChange},
		"remove unknown topic":    RemoveTopicRecord{TopicID: tid(9)},
		"producer id not above":   ProducerIdsRecord{NextProducerID: 1000},
		"unregister wrong epoch":  UnregisterBrokerRecord{BrokerID: 1, BrokerEpoch: 5},
		"unregister unknown":      UnregisterBrokerRecord{BrokerID: 2},
		"change bad fencing":      BrokerRegistrationChangeRecord{BrokerID: 1, BrokerEpoch: 4, Fenced: 3},
		"negative broker id":      RegisterBrokerRecord{BrokerID: -1},
	}
	before := encodeImage(t, img)
	for name, r := range tests {
		// A good record first proves that a batch fails as a whole.
		_, _, err := img.Apply([]Record{TopicRecord{Name: "ok", TopicID: tid(7)}, r})
		var re *ReplayError
		if !errors.As(err, &re) || re.Index != 1 || re.Type != r.Type() {
			t.Errorf("%s: err = %v, want a ReplayError for record 1", name, err)
		}
	}
	if string(encodeImage(t, img)) != string(before) {
		t.Fatal("failed applies changed the image")
	}
}

func TestDiff(t *testing.T) {
	img := richImage(t)
	empty := NewImage(img.ClusterID())
	d := Diff(empty, img)
	if len(d.CreatedTopics) != 2 || len(d.ChangedPartitions) != 3 || len(d.ChangedConfigs) != 2 ||
		len(d.ChangedBrokers) != 2 || !d.FeaturesChanged || !d.ProducerIDsChanged {
		t.Fatalf("Diff(empty, img) = %+v", d)
	}
	d = Diff(img, empty)
	if len(d.DeletedTopics) != 2 || len(d.ChangedPartitions) != 0 || len(d.ChangedBrokers) != 2 {
		t.Fatalf("Diff(img, empty) = %+v", d)
	}
	if d := Diff(img, img); !d.Empty() {
		t.Fatalf("Diff(img, img) = %+v", d)
	}
}

func TestTopicsSorted(t *testing.T) {
	img := NewImage("c")
	for i, name := range []string{"m", "z", "a"} {
		img, _ = apply(t, img, topicRecords(name, tid(byte(i+1)), []int32{1})...)
	}
	var names []string
	for _, tp := range img.Topics() {
		names = append(names, tp.Name)
	}
	if !slices.Equal(names, []string{"a", "m", "z"}) {
		t.Fatalf("Topics() = %v", names)
	}
}
