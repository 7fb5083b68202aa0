package api_test

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// createTopicsRequest builds a CreateTopics request at version v.
func createTopicsRequest(v int16, validateOnly bool, topics ...kmsg.CreateTopicsRequestTopic) *kmsg.CreateTopicsRequest {
	req := kmsg.NewPtrCreateTopicsRequest()
	req.Version, req.ValidateOnly, req.Topics = v, validateOnly, topics
	return req
}

func newTopic(name string, partitions int32, rf int16, configs ...string) kmsg.CreateTopicsRequestTopic {
	t := kmsg.NewCreateTopicsRequestTopic()
	t.Topic, t.NumPartitions, t.ReplicationFactor = name, partitions, rf
	for i := 0; i+1 < len(configs); i += 2 {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = configs[i], &configs[i+1]
		t.Configs = append(t.Configs, c)
	}
	return t
}

func (tb *testBroker) createTopics(v int16, validateOnly bool, topics ...kmsg.CreateTopicsRequestTopic) *kmsg.CreateTopicsResponse {
	tb.t.Helper()
	return tb.request(createTopicsRequest(v, validateOnly, topics...)).(*kmsg.CreateTopicsResponse)
}

// topicMetadata returns the Metadata v12 answer for one topic.
func (tb *testBroker) topicMetadata(name string) kmsg.MetadataResponseTopic {
	tb.t.Helper()
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 12
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = &name
	req.Topics = []kmsg.MetadataRequestTopic{rt}
	resp := tb.request(req).(*kmsg.MetadataResponse)
	if len(resp.Topics) != 1 {
		tb.t.Fatalf("metadata for %s: %d topics", name, len(resp.Topics))
	}
	return resp.Topics[0]
}

func configOf(configs []kmsg.CreateTopicsResponseTopicConfig, name string) (kmsg.CreateTopicsResponseTopicConfig, bool) {
	for _, c := range configs {
		if c.Name == name {
			return c, true
		}
	}
	return kmsg.CreateTopicsResponseTopicConfig{}, false
}

func TestCreateTopicsReturnsTopicDetails(t *testing.T) {
	tb := startBroker(t, map[string]string{"log.retention.hours": "24"})
	resp := tb.createTopics(7, false, newTopic("orders", 3, 1, "max.message.bytes", "200000"))
	if len(resp.Topics) != 1 {
		t.Fatalf("%d results, want 1", len(resp.Topics))
	}
	rt := resp.Topics[0]
	if rt.ErrorCode != 0 || rt.ErrorMessage != nil {
		t.Fatalf("error %d %q", rt.ErrorCode, str(rt.ErrorMessage))
	}
	if rt.NumPartitions != 3 || rt.ReplicationFactor != 1 {
		t.Errorf("partitions %d, replication factor %d; want 3, 1", rt.NumPartitions, rt.ReplicationFactor)
	}
	md := tb.topicMetadata("orders")
	if rt.TopicID == [16]byte{} || rt.TopicID != md.TopicID {
		t.Errorf("topic id %x, metadata has %x", rt.TopicID, md.TopicID)
	}
	if len(md.Partitions) != 3 {
		t.Errorf("metadata shows %d partitions", len(md.Partitions))
	}
	want := map[string]struct {
		value  string
		source int8
	}{
		"max.message.bytes": {"200000", int8(kmsg.ConfigSourceDynamicTopicConfig)},
		"retention.ms":      {"86400000", int8(kmsg.ConfigSourceStaticBrokerConfig)},
		"cleanup.policy":    {"delete", int8(kmsg.ConfigSourceDefaultConfig)},
	}
	for name, w := range want {
		c, ok := configOf(rt.Configs, name)
		if !ok {
			t.Errorf("no config %s among %d", name, len(rt.Configs))
			continue
		}
		if str(c.Value) != w.value || c.Source != w.source || c.ReadOnly || c.IsSensitive {
			t.Errorf("%s = %q source %d read-only %v sensitive %v; want %q source %d",
				name, str(c.Value), c.Source, c.ReadOnly, c.IsSensitive, w.value, w.source)
		}
	}
	for i := 1; i < len(rt.Configs); i++ {
		if rt.Configs[i-1].Name >= rt.Configs[i].Name {
			t.Fatalf("configs not sorted by name: %s before %s", rt.Configs[i-1].Name, rt.Configs[i].Name)
		}
	}
}

func TestCreateTopicsDefaultsAndAssignments(t *testing.T) {
	tb := startBroker(t, map[string]string{"num.partitions": "4"})
	manual := newTopic("manual", -1, -1)
	for p := range int32(2) {
		a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		a.Partition, a.Replicas = p, []int32{1}
		manual.ReplicaAssignment = append(manual.ReplicaAssignment, a)
	}
	badManual := manual
	badManual.Topic, badManual.NumPartitions = "bad-manual", 2
	resp := tb.createTopics(5, false, newTopic("defaults", -1, -1), manual, badManual, newTopic("zero", 0, 1))
	got := map[string]kmsg.CreateTopicsResponseTopic{}
	for _, rt := range resp.Topics {
		got[rt.Topic] = rt
	}
	if d := got["defaults"]; d.ErrorCode != 0 || d.NumPartitions != 4 || d.ReplicationFactor != 1 {
		t.Errorf("defaults: error %d, %d partitions, rf %d; want 4 partitions, rf 1", d.ErrorCode, d.NumPartitions, d.ReplicationFactor)
	}
	if m := got["manual"]; m.ErrorCode != 0 || m.NumPartitions != 2 || m.ReplicationFactor != 1 {
		t.Errorf("manual: error %d, %d partitions, rf %d", m.ErrorCode, m.NumPartitions, m.ReplicationFactor)
	}
	b := got["bad-manual"]
	if b.ErrorCode != kerr.InvalidRequest.Code ||
		str(b.ErrorMessage) != "A manual partition assignment was specified, but numPartitions was not set to -1." {
		t.Errorf("bad-manual: %d %q", b.ErrorCode, str(b.ErrorMessage))
	}
	if b.NumPartitions != -1 || b.ReplicationFactor != -1 || len(b.Configs) != 0 {
		t.Errorf("failed topic carries %d partitions, rf %d, %d configs; want -1, -1, none", b.NumPartitions, b.ReplicationFactor, len(b.Configs))
	}
	if z := got["zero"]; z.ErrorCode != kerr.InvalidPartitions.Code {
		t.Errorf("zero partitions: error %d, want INVALID_PARTITIONS", z.ErrorCode)
	}
	if n := len(tb.topicMetadata("manual").Partitions); n != 2 {
		t.Errorf("manual topic has %d partitions in metadata", n)
	}
}

func TestCreateTopicsConfigErrors(t *testing.T) {
	tb := startBroker(t, nil)
	nullValue := newTopic("null-config", 1, 1)
	c := kmsg.NewCreateTopicsRequestTopicConfig()
	c.Name = "retention.ms" // Value nil
	nullValue.Configs = append(nullValue.Configs, c)
	resp := tb.createTopics(7, false, nullValue,
		newTopic("unknown-config", 1, 1, "no.such.config", "1"),
		newTopic("bad-value", 1, 1, "retention.ms", "soon"))
	for _, rt := range resp.Topics {
		if rt.ErrorCode != kerr.InvalidConfig.Code {
			t.Errorf("%s: error %d, want INVALID_CONFIG", rt.Topic, rt.ErrorCode)
		}
		if rt.TopicID != [16]byte{} {
			t.Errorf("%s: failed topic has an id", rt.Topic)
		}
	}
	if m := str(resp.Topics[0].ErrorMessage); m != "Null value not supported for topic configs: retention.ms" {
		t.Errorf("null value message %q", m)
	}
	if md := tb.topicMetadata("bad-value"); md.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("topic with a bad config exists: metadata error %d", md.ErrorCode)
	}
}

func TestCreateTopicsValidateOnly(t *testing.T) {
	tb := startBroker(t, nil)
	resp := tb.createTopics(7, true, newTopic("dry-run", 2, 1, "cleanup.policy", "compact"))
	rt := resp.Topics[0]
	if rt.ErrorCode != 0 || rt.NumPartitions != 2 || rt.ReplicationFactor != 1 {
		t.Fatalf("validate only: error %d, %d partitions, rf %d", rt.ErrorCode, rt.NumPartitions, rt.ReplicationFactor)
	}
	if c, ok := configOf(rt.Configs, "cleanup.policy"); !ok || str(c.Value) != "compact" {
		t.Errorf("validate only does not show the requested config: %v %q", ok, str(c.Value))
	}
	if md := tb.topicMetadata("dry-run"); md.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("validate only created the topic: metadata error %d", md.ErrorCode)
	}
	// validate only still reports what a real create would.
	tb.createTopics(7, false, newTopic("exists", 1, 1))
	if rt := tb.createTopics(7, true, newTopic("exists", 1, 1)).Topics[0]; rt.ErrorCode != kerr.TopicAlreadyExists.Code ||
		str(rt.ErrorMessage) != "Topic 'exists' already exists." {
		t.Errorf("validate only of an existing topic: %d %q", rt.ErrorCode, str(rt.ErrorMessage))
	}
}

func TestCreateTopicsDuplicateNames(t *testing.T) {
	tb := startBroker(t, nil)
	resp := tb.createTopics(7, false, newTopic("twice", 1, 1), newTopic("once", 1, 1), newTopic("twice", 2, 1))
	if len(resp.Topics) != 2 {
		t.Fatalf("%d results, want one per name: %+v", len(resp.Topics), resp.Topics)
	}
	for _, rt := range resp.Topics {
		switch rt.Topic {
		case "twice":
			if rt.ErrorCode != kerr.InvalidRequest.Code || str(rt.ErrorMessage) != "Duplicate topic name." {
				t.Errorf("twice: %d %q", rt.ErrorCode, str(rt.ErrorMessage))
			}
		case "once":
			if rt.ErrorCode != 0 {
				t.Errorf("once: error %d", rt.ErrorCode)
			}
		}
	}
	if md := tb.topicMetadata("twice"); md.ErrorCode != kerr.UnknownTopicOrPartition.Code {
		t.Errorf("a duplicated topic was created")
	}
}

func TestCreateTopicsVersions(t *testing.T) {
	tb := startBroker(t, nil)
	for v := int16(2); v <= 7; v++ {
		name := "v" + string(rune('0'+v))
		resp := tb.createTopics(v, false, newTopic(name, 1, 1), newTopic("bad name!", 1, 1))
		ok, bad := resp.Topics[0], resp.Topics[1]
		if ok.ErrorCode != 0 || bad.ErrorCode != kerr.InvalidTopicException.Code {
			t.Errorf("v%d: errors %d, %d", v, ok.ErrorCode, bad.ErrorCode)
		}
		if m := str(bad.ErrorMessage); m != "Topic name is invalid: 'bad name!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'" {
			t.Errorf("v%d: message %q", v, m)
		}
		if hasDetails := ok.NumPartitions == 1 && len(ok.Configs) > 0; hasDetails != (v >= 5) {
			t.Errorf("v%d: partitions %d, %d configs", v, ok.NumPartitions, len(ok.Configs))
		}
		if hasID := ok.TopicID != [16]byte{}; hasID != (v >= 7) {
			t.Errorf("v%d: topic id %x", v, ok.TopicID)
		}
	}
}

func TestCreateTopicsWithKadm(t *testing.T) {
	tb := startBroker(t, nil)
	ctx := testCtx(t)
	retention := "3600000"
	resp, err := tb.admin.CreateTopic(ctx, 2, -1, map[string]*string{"retention.ms": &retention}, "kadm-topic")
	if err != nil || resp.Err != nil {
		t.Fatalf("create: %v %v", err, resp.Err)
	}
	if resp.NumPartitions != 2 || resp.Configs["retention.ms"].Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("partitions %d, retention.ms %+v", resp.NumPartitions, resp.Configs["retention.ms"])
	}
	again, _ := tb.admin.CreateTopic(ctx, 2, -1, nil, "kadm-topic")
	if !errors.Is(again.Err, kerr.TopicAlreadyExists) || again.ErrMessage != "Topic 'kadm-topic' already exists." {
		t.Errorf("second create: %v %q", again.Err, again.ErrMessage)
	}
	topics, err := tb.admin.ListTopics(ctx, "kadm-topic")
	if err != nil || len(topics["kadm-topic"].Partitions) != 2 {
		t.Fatalf("list: %v %+v", err, topics)
	}
}
