package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// syn renders synonyms compactly: name=value@SOURCE, value "<nil>" for nil.
func syn(ss []Synonym) string {
	var parts []string
	for _, s := range ss {
		v := "<nil>"
		if s.Value != nil {
			v = *s.Value
		}
		parts = append(parts, fmt.Sprintf("%s=%s@%v", s.Name, v, s.Source))
	}
	return strings.Join(parts, " ")
}

func describeOne(t *testing.T, entries []Entry, name string) Entry {
	t.Helper()
	for _, e := range entries {
		if e.Name == name {
			return e
		}
	}
	t.Fatalf("%s not described", name)
	return Entry{}
}

func TestDescribeTopic(t *testing.T) {
	tests := []struct {
		name   string
		l      Layers
		key    string
		value  string
		source Source
		syns   string
	}{
		// Kafka's ConfigHelper drops broker synonyms until it meets the topic
		// key's own broker key (log.retention.ms), so a value set only in
		// hours reports DEFAULT_CONFIG and no synonyms.
		{"default with synonyms", Layers{}, "retention.ms", "604800000", SourceDefaultConfig, ""},
		{"static hours", Layers{Static: map[string]string{"log.retention.hours": "1"}}, "retention.ms", "3600000", SourceDefaultConfig, ""},
		{"static ms and hours", Layers{Static: map[string]string{"log.retention.hours": "1", "log.retention.ms": "1000"}}, "retention.ms", "1000", SourceStaticBrokerConfig,
			"log.retention.ms=1000@STATIC_BROKER_CONFIG log.retention.hours=1@STATIC_BROKER_CONFIG log.retention.hours=168@DEFAULT_CONFIG"},
		{"dynamic default", Layers{Static: map[string]string{"log.retention.hours": "1"}, DynamicDefault: map[string]string{"log.retention.ms": "5000"}},
			"retention.ms", "5000", SourceDynamicDefaultBrokerConfig,
			"log.retention.ms=5000@DYNAMIC_DEFAULT_BROKER_CONFIG log.retention.hours=1@STATIC_BROKER_CONFIG log.retention.hours=168@DEFAULT_CONFIG"},
		{"dynamic broker", Layers{DynamicBroker: map[string]string{"log.retention.ms": "6000"}, DynamicDefault: map[string]string{"log.retention.ms": "5000"}},
			"retention.ms", "6000", SourceDynamicBrokerConfig,
			"log.retention.ms=6000@DYNAMIC_BROKER_CONFIG log.retention.ms=5000@DYNAMIC_DEFAULT_BROKER_CONFIG log.retention.hours=168@DEFAULT_CONFIG"},
		{"topic override", Layers{Topic: map[string]string{"retention.ms": "7000"}, Static: map[string]string{"log.retention.hours": "1"}},
			"retention.ms", "7000", SourceDynamicTopicConfig, "retention.ms=7000@DYNAMIC_TOPIC_CONFIG"},
		{"single synonym", Layers{}, "segment.bytes", "1073741824", SourceDefaultConfig,
			"log.segment.bytes=1073741824@DEFAULT_CONFIG"},
		{"static single synonym", Layers{Static: map[string]string{"log.segment.bytes": "1073741824"}}, "segment.bytes", "1073741824", SourceStaticBrokerConfig,
			"log.segment.bytes=1073741824@STATIC_BROKER_CONFIG log.segment.bytes=1073741824@DEFAULT_CONFIG"},
		{"flush.ms falls back to the scheduler", Layers{}, "flush.ms", "9223372036854775807", SourceDefaultConfig, ""},
		{"no broker synonym", Layers{}, "remote.storage.enable", "false", SourceDefaultConfig, ""},
		{"normalised override", Layers{Topic: map[string]string{"cleanup.policy": " compact , delete "}}, "cleanup.policy", "compact,delete",
			SourceDynamicTopicConfig, "cleanup.policy=compact,delete@DYNAMIC_TOPIC_CONFIG log.cleanup.policy=delete@DEFAULT_CONFIG"},
		{"double", Layers{}, "min.cleanable.dirty.ratio", "0.5", SourceDefaultConfig, "log.cleaner.min.cleanable.ratio=0.5@DEFAULT_CONFIG"},
	}
	for _, tt := range tests {
		e := describeOne(t, DescribeTopic(tt.l, []string{tt.key}, true), tt.key)
		if e.Value == nil || *e.Value != tt.value || e.Source != tt.source || syn(e.Synonyms) != tt.syns {
			v := "<nil>"
			if e.Value != nil {
				v = *e.Value
			}
			t.Errorf("%s: got %s %v [%s]\nwant %s %v [%s]", tt.name, v, e.Source, syn(e.Synonyms), tt.value, tt.source, tt.syns)
		}
		if e.ReadOnly || e.Sensitive {
			t.Errorf("%s: topic configs are neither read-only nor sensitive", tt.name)
		}
	}
}

func TestDescribeTopicAll(t *testing.T) {
	all := DescribeTopic(Layers{}, nil, false)
	if len(all) != len(topicDefs) {
		t.Fatalf("%d entries, want %d", len(all), len(topicDefs))
	}
	for i, e := range all {
		if e.Name != topicDefs[i].Name || e.Synonyms != nil || e.Documentation == "" || e.Type == TypeUnknown {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
	if describeOne(t, all, "cleanup.policy").Type != TypeList || describeOne(t, all, "preallocate").Type != TypeBoolean {
		t.Error("types are not reported")
	}
	// Without synonyms the source is still the one synonyms would show.
	e := describeOne(t, DescribeTopic(Layers{Static: map[string]string{"log.retention.ms": "7200000"}}, nil, false), "retention.ms")
	if e.Source != SourceStaticBrokerConfig || *e.Value != "7200000" {
		t.Errorf("retention.ms = %s from %v", *e.Value, e.Source)
	}
	some := DescribeTopic(Layers{}, []string{"segment.ms", "nope", "retention.ms"}, false)
	if len(some) != 2 || some[0].Name != "retention.ms" || some[1].Name != "segment.ms" {
		t.Errorf("filtered entries = %v", some)
	}
}

func TestDescribeBroker(t *testing.T) {
	l := Layers{Static: map[string]string{
		"log.retention.ms":      "1680000000",
		"log.retention.hours":   "168",
		"node.id":               "5",
		"ssl.keystore.password": "secret",
		"process.roles":         "broker, controller",
	}}
	tests := []struct {
		key      string
		value    string // "<nil>" for none
		source   Source
		readOnly bool
		syns     string
	}{
		// As Kafka's DynamicBrokerReconfigurationTest expects.
		{"log.retention.ms", "1680000000", SourceStaticBrokerConfig, false,
			"log.retention.ms=1680000000@STATIC_BROKER_CONFIG log.retention.hours=168@STATIC_BROKER_CONFIG log.retention.hours=168@DEFAULT_CONFIG"},
		{"log.retention.hours", "168", SourceStaticBrokerConfig, true,
			"log.retention.hours=168@STATIC_BROKER_CONFIG log.retention.hours=168@DEFAULT_CONFIG"},
		{"log.roll.hours", "168", SourceDefaultConfig, true, "log.roll.hours=168@DEFAULT_CONFIG"},
		{"log.cleaner.threads", "1", SourceDefaultConfig, false, "log.cleaner.threads=1@DEFAULT_CONFIG"},
		{"log.roll.ms", "<nil>", SourceDefaultConfig, false, ""},
		// Synonyms start at the described key's own first entry, so an unset
		// key lists none even when a lower-precedence one is set.
		{"log.retention.minutes", "<nil>", SourceDefaultConfig, true, ""},
		{"broker.id", "5", SourceStaticBrokerConfig, true, "broker.id=5@STATIC_BROKER_CONFIG broker.id=1@DEFAULT_CONFIG"},
		{"ssl.keystore.password", "<nil>", SourceStaticBrokerConfig, true, "ssl.keystore.password=<nil>@STATIC_BROKER_CONFIG"},
		{"process.roles", "broker,controller", SourceStaticBrokerConfig, true,
			"process.roles=broker, controller@STATIC_BROKER_CONFIG process.roles=broker,controller@DEFAULT_CONFIG"},
		{"listeners", "PLAINTEXT://:9092,CONTROLLER://:9093", SourceDefaultConfig, false,
			"listeners=PLAINTEXT://:9092,CONTROLLER://:9093@DEFAULT_CONFIG"},
	}
	entries := DescribeBroker(l, 5, nil, true)
	for _, tt := range tests {
		e := describeOne(t, entries, tt.key)
		v := "<nil>"
		if e.Value != nil {
			v = *e.Value
		}
		if v != tt.value || e.Source != tt.source || e.ReadOnly != tt.readOnly || syn(e.Synonyms) != tt.syns {
			t.Errorf("%s: got %s %v ro=%v [%s]\nwant %s %v ro=%v [%s]",
				tt.key, v, e.Source, e.ReadOnly, syn(e.Synonyms), tt.value, tt.source, tt.readOnly, tt.syns)
		}
	}
	if e := describeOne(t, entries, "ssl.keystore.password"); !e.Sensitive || e.Type != TypePassword {
		t.Error("passwords are sensitive")
	}
}

func TestDescribeBrokerListsEveryPublicKey(t *testing.T) {
	entries := DescribeBroker(Layers{}, 1, nil, false)
	names := map[string]bool{}
	for i, e := range entries {
		names[e.Name] = true
		if i > 0 && entries[i-1].Name >= e.Name {
			t.Errorf("entries not sorted at %s", e.Name)
		}
	}
	for _, d := range brokerDefs {
		if names[d.Name] == d.Internal {
			t.Errorf("%s listed=%v internal=%v", d.Name, names[d.Name], d.Internal)
		}
	}
	// Internal keys appear once they are set.
	l := Layers{DynamicDefault: map[string]string{"leader.replication.throttled.rate": "1000"}}
	e := describeOne(t, DescribeBroker(l, 1, []string{"leader.replication.throttled.rate"}, true), "leader.replication.throttled.rate")
	if *e.Value != "1000" || e.Source != SourceDynamicDefaultBrokerConfig || e.ReadOnly {
		t.Errorf("throttle rate = %+v", e)
	}
}

func TestDescribeBrokerDynamicLayers(t *testing.T) {
	l := Layers{
		Static:         map[string]string{"message.max.bytes": "1000", "log.retention.hours": "1"},
		DynamicDefault: map[string]string{"message.max.bytes": "2000", "log.retention.ms": "5000"},
		DynamicBroker:  map[string]string{"message.max.bytes": "3000"},
	}
	e := describeOne(t, DescribeBroker(l, 1, []string{"message.max.bytes"}, true), "message.max.bytes")
	want := "message.max.bytes=3000@DYNAMIC_BROKER_CONFIG message.max.bytes=2000@DYNAMIC_DEFAULT_BROKER_CONFIG " +
		"message.max.bytes=1000@STATIC_BROKER_CONFIG message.max.bytes=1048588@DEFAULT_CONFIG"
	if *e.Value != "3000" || e.Source != SourceDynamicBrokerConfig || syn(e.Synonyms) != want {
		t.Errorf("got %s %v [%s]", *e.Value, e.Source, syn(e.Synonyms))
	}

	// The cluster-default resource lists only what is set at that level,
	// with synonyms from that level only.
	cluster := DescribeBroker(l, ClusterDefault, nil, true)
	if len(cluster) != 2 || cluster[0].Name != "log.retention.ms" || cluster[1].Name != "message.max.bytes" {
		t.Fatalf("cluster default entries = %+v", cluster)
	}
	if *cluster[0].Value != "5000" || cluster[0].Source != SourceDynamicDefaultBrokerConfig ||
		syn(cluster[0].Synonyms) != "log.retention.ms=5000@DYNAMIC_DEFAULT_BROKER_CONFIG" {
		t.Errorf("log.retention.ms = %s %v [%s]", *cluster[0].Value, cluster[0].Source, syn(cluster[0].Synonyms))
	}
	if *cluster[1].Value != "2000" || syn(cluster[1].Synonyms) != "message.max.bytes=2000@DYNAMIC_DEFAULT_BROKER_CONFIG" {
		t.Errorf("message.max.bytes = %s [%s]", *cluster[1].Value, syn(cluster[1].Synonyms))
	}
	if got := DescribeBroker(Layers{}, ClusterDefault, nil, true); len(got) != 0 {
		t.Errorf("empty cluster default lists %v", got)
	}
}

func TestParseBrokerResource(t *testing.T) {
	tests := []struct {
		name string
		id   int32
		err  string
	}{
		{"", ClusterDefault, ""},
		{"1", 1, ""},
		{"2", 0, "unexpected broker id, expected 1 or empty string, but received 2"},
		{"one", 0, "broker id must be an integer, but it is: one"},
	}
	for _, tt := range tests {
		id, err := ParseBrokerResource(tt.name, 1)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%q: got %v, want %s", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || id != tt.id {
			t.Errorf("%q: got %d, %v", tt.name, id, err)
		}
	}
}

func TestDescribeTopicUsesBrokerResolution(t *testing.T) {
	// DescribeTopic and ResolveTopic must agree on every value.
	l := Layers{
		Topic:          map[string]string{"cleanup.policy": "compact"},
		Static:         map[string]string{"log.roll.hours": "2", "compression.type": "zstd", "log.retention.minutes": "3"},
		DynamicDefault: map[string]string{"min.insync.replicas": "2"},
	}
	topic, err := ResolveTopic(l)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range DescribeTopic(l, nil, false) {
		got[e.Name] = *e.Value
	}
	want := map[string]string{
		"cleanup.policy":      "compact",
		"segment.ms":          fmt.Sprint(topic.SegmentMs),
		"compression.type":    string(topic.CompressionType),
		"retention.ms":        fmt.Sprint(topic.RetentionMs),
		"min.insync.replicas": fmt.Sprint(topic.MinInsyncReplicas),
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: described %s, resolved %s", k, got[k], v)
		}
	}
	if !reflect.DeepEqual([]int64{topic.SegmentMs, topic.RetentionMs}, []int64{7200000, 180000}) {
		t.Errorf("segment.ms %d retention.ms %d", topic.SegmentMs, topic.RetentionMs)
	}
}
