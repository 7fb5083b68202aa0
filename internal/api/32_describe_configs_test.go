package api_test

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func describeResource(typ kmsg.ConfigResourceType, name string, keys ...string) kmsg.DescribeConfigsRequestResource {
	r := kmsg.NewDescribeConfigsRequestResource()
	r.ResourceType, r.ResourceName, r.ConfigNames = typ, name, keys
	return r
}

func (tb *testBroker) describeConfigs(v int16, synonyms, docs bool, resources ...kmsg.DescribeConfigsRequestResource) *kmsg.DescribeConfigsResponse {
	tb.t.Helper()
	req := kmsg.NewPtrDescribeConfigsRequest()
	req.Version, req.IncludeSynonyms, req.IncludeDocumentation, req.Resources = v, synonyms, docs, resources
	resp := tb.request(req).(*kmsg.DescribeConfigsResponse)
	if len(resp.Resources) != len(resources) {
		tb.t.Fatalf("%d results for %d resources", len(resp.Resources), len(resources))
	}
	return resp
}

func describedConfig(t *testing.T, res kmsg.DescribeConfigsResponseResource, name string) kmsg.DescribeConfigsResponseResourceConfig {
	t.Helper()
	for _, c := range res.Configs {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("%s %q: no config %s among %d", res.ResourceType, res.ResourceName, name, len(res.Configs))
	return kmsg.DescribeConfigsResponseResourceConfig{}
}

func TestDescribeConfigsTopic(t *testing.T) {
	tb := startBroker(t, map[string]string{"log.retention.hours": "24"})
	tb.createTopics(7, false, newTopic("described", 1, 1, "retention.ms", "3600000"))
	res := tb.describeConfigs(4, true, true, describeResource(kmsg.ConfigResourceTypeTopic, "described")).Resources[0]
	if res.ErrorCode != 0 || res.ResourceName != "described" || res.ResourceType != kmsg.ConfigResourceTypeTopic {
		t.Fatalf("error %d %q for %s %q", res.ErrorCode, str(res.ErrorMessage), res.ResourceType, res.ResourceName)
	}
	if len(res.Configs) < 30 {
		t.Errorf("only %d topic configs described", len(res.Configs))
	}
	c := describedConfig(t, res, "retention.ms")
	if str(c.Value) != "3600000" || c.Source != kmsg.ConfigSourceDynamicTopicConfig || c.ReadOnly || c.IsSensitive {
		t.Errorf("retention.ms = %q source %s read-only %v sensitive %v", str(c.Value), c.Source, c.ReadOnly, c.IsSensitive)
	}
	if c.ConfigType != kmsg.ConfigTypeLong || c.Documentation == nil || *c.Documentation == "" {
		t.Errorf("retention.ms type %s, documentation %v", c.ConfigType, c.Documentation)
	}
	wantSyn := []struct {
		name, value string
		source      kmsg.ConfigSource
	}{
		// Kafka lists broker synonyms only from log.retention.ms on, which
		// the harness does not set (it sets log.retention.hours).
		{"retention.ms", "3600000", kmsg.ConfigSourceDynamicTopicConfig},
	}
	if len(c.ConfigSynonyms) != len(wantSyn) {
		t.Fatalf("retention.ms synonyms %+v", c.ConfigSynonyms)
	}
	for i, w := range wantSyn {
		s := c.ConfigSynonyms[i]
		if s.Name != w.name || str(s.Value) != w.value || s.Source != w.source {
			t.Errorf("synonym %d: %s=%q %s; want %s=%q %s", i, s.Name, str(s.Value), s.Source, w.name, w.value, w.source)
		}
	}
	d := describedConfig(t, res, "segment.bytes")
	if d.Source != kmsg.ConfigSourceDefaultConfig || str(d.Value) != "1073741824" || d.ConfigType != kmsg.ConfigTypeInt {
		t.Errorf("segment.bytes = %q source %s type %s", str(d.Value), d.Source, d.ConfigType)
	}
}

func TestDescribeConfigsOptions(t *testing.T) {
	tb := startBroker(t, nil)
	tb.createTopics(7, false, newTopic("opts", 1, 1, "retention.ms", "1000"))
	topic := describeResource(kmsg.ConfigResourceTypeTopic, "opts", "retention.ms", "no.such.config")
	res := tb.describeConfigs(4, false, false, topic).Resources[0]
	if len(res.Configs) != 1 || res.Configs[0].Name != "retention.ms" {
		t.Fatalf("asked for retention.ms and an unknown key, got %+v", res.Configs)
	}
	c := res.Configs[0]
	if len(c.ConfigSynonyms) != 0 || c.Documentation != nil || c.ConfigType != kmsg.ConfigTypeLong {
		t.Errorf("without synonyms and docs: %d synonyms, docs %v, type %s", len(c.ConfigSynonyms), c.Documentation, c.ConfigType)
	}
	// v1 and v2 have neither config types nor documentation.
	for _, v := range []int16{1, 2} {
		c := tb.describeConfigs(v, true, true, topic).Resources[0].Configs[0]
		if c.ConfigType != 0 || c.Documentation != nil || len(c.ConfigSynonyms) == 0 || str(c.Value) != "1000" {
			t.Errorf("v%d: type %s, docs %v, %d synonyms, value %q", v, c.ConfigType, c.Documentation, len(c.ConfigSynonyms), str(c.Value))
		}
	}
	empty := describeResource(kmsg.ConfigResourceTypeTopic, "opts")
	empty.ConfigNames = []string{}
	if n := len(tb.describeConfigs(4, false, false, empty).Resources[0].Configs); n < 30 {
		t.Errorf("an empty key list describes %d configs, want all", n)
	}
}

func TestDescribeConfigsTopicErrors(t *testing.T) {
	tb := startBroker(t, nil)
	resp := tb.describeConfigs(4, false, false,
		describeResource(kmsg.ConfigResourceTypeTopic, "missing"),
		describeResource(kmsg.ConfigResourceTypeTopic, "bad/name"))
	missing, bad := resp.Resources[0], resp.Resources[1]
	if missing.ErrorCode != kerr.UnknownTopicOrPartition.Code || missing.ErrorMessage != nil || len(missing.Configs) != 0 {
		t.Errorf("unknown topic: %d %q, %d configs", missing.ErrorCode, str(missing.ErrorMessage), len(missing.Configs))
	}
	if bad.ErrorCode != kerr.InvalidTopicException.Code ||
		str(bad.ErrorMessage) != "Topic name is invalid: 'bad/name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'" {
		t.Errorf("invalid topic name: %d %q", bad.ErrorCode, str(bad.ErrorMessage))
	}
}

func TestDescribeConfigsBroker(t *testing.T) {
	tb := startBroker(t, map[string]string{"num.partitions": "3", "ssl.keystore.password": "secret"})
	resp := tb.describeConfigs(4, true, false,
		describeResource(kmsg.ConfigResourceTypeBroker, "1"),
		describeResource(kmsg.ConfigResourceTypeBroker, ""))
	node, cluster := resp.Resources[0], resp.Resources[1]
	if node.ErrorCode != 0 || len(node.Configs) < 100 {
		t.Fatalf("broker 1: error %d, %d configs", node.ErrorCode, len(node.Configs))
	}
	np := describedConfig(t, node, "num.partitions")
	if str(np.Value) != "3" || np.Source != kmsg.ConfigSourceStaticBrokerConfig || !np.ReadOnly {
		t.Errorf("num.partitions = %q source %s read-only %v", str(np.Value), np.Source, np.ReadOnly)
	}
	if len(np.ConfigSynonyms) != 2 || np.ConfigSynonyms[1].Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("num.partitions synonyms %+v", np.ConfigSynonyms)
	}
	if id := describedConfig(t, node, "node.id"); !id.ReadOnly || str(id.Value) != "1" {
		t.Errorf("node.id = %q read-only %v", str(id.Value), id.ReadOnly)
	}
	if lc := describedConfig(t, node, "log.cleaner.threads"); lc.ReadOnly || lc.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("log.cleaner.threads read-only %v source %s; want a dynamic default", lc.ReadOnly, lc.Source)
	}
	pw := describedConfig(t, node, "ssl.keystore.password")
	if !pw.IsSensitive || pw.Value != nil || pw.ConfigType != kmsg.ConfigTypePassword {
		t.Errorf("ssl.keystore.password sensitive %v value %q type %s", pw.IsSensitive, str(pw.Value), pw.ConfigType)
	}
	for _, s := range pw.ConfigSynonyms {
		if s.Value != nil {
			t.Errorf("a synonym of a password shows its value: %+v", s)
		}
	}
	if cluster.ErrorCode != 0 || len(cluster.Configs) != 0 {
		t.Errorf("cluster default with nothing set: error %d, %d configs", cluster.ErrorCode, len(cluster.Configs))
	}
}

func TestDescribeConfigsBrokerErrors(t *testing.T) {
	tb := startBroker(t, nil)
	for _, tc := range []struct {
		typ     kmsg.ConfigResourceType
		name    string
		code    int16
		message string
	}{
		{kmsg.ConfigResourceTypeBroker, "2", kerr.InvalidRequest.Code, "Unexpected broker id, expected 1 or empty string, but received 2"},
		{kmsg.ConfigResourceTypeBroker, "one", kerr.InvalidRequest.Code, "Broker id must be an integer, but it is: one"},
		{kmsg.ConfigResourceTypeBrokerLogger, "", kerr.InvalidRequest.Code, "Broker id must not be empty"},
		{kmsg.ConfigResourceTypeBrokerLogger, "2", kerr.InvalidRequest.Code, "Unexpected broker id, expected 1 but received 2"},
		{kmsg.ConfigResourceTypeBrokerLogger, "1", 0, ""},
		{kmsg.ConfigResourceTypeClientMetrics, "", kerr.InvalidRequest.Code, "Client metrics subscription name must not be empty"},
		{kmsg.ConfigResourceTypeClientMetrics, "none-such", 0, ""},
		{kmsg.ConfigResourceTypeGroupConfig, "g", kerr.InvalidRequest.Code, "Unsupported resource type: GROUP"},
	} {
		res := tb.describeConfigs(4, false, false, describeResource(tc.typ, tc.name)).Resources[0]
		if res.ErrorCode != tc.code || str(res.ErrorMessage) != tc.message && tc.code != 0 || len(res.Configs) != 0 {
			t.Errorf("%s %q: %d %q, %d configs; want %d %q", tc.typ, tc.name, res.ErrorCode, str(res.ErrorMessage), len(res.Configs), tc.code, tc.message)
		}
	}
	// An unknown resource type fails the whole request, as in Kafka.
	resp := tb.describeConfigs(4, false, false,
		describeResource(kmsg.ConfigResourceTypeBroker, "1"), describeResource(kmsg.ConfigResourceType(1), "x"))
	for _, res := range resp.Resources {
		if res.ErrorCode != kerr.InvalidRequest.Code || len(res.Configs) != 0 {
			t.Errorf("%s %q in a request with an unknown type: error %d, %d configs", res.ResourceType, res.ResourceName, res.ErrorCode, len(res.Configs))
		}
	}
}

func TestDescribeConfigsWithKadm(t *testing.T) {
	tb := startBroker(t, nil)
	ctx := testCtx(t)
	tb.createTopics(7, false, newTopic("kadm-described", 1, 1, "cleanup.policy", "compact"))
	topics, err := tb.admin.DescribeTopicConfigs(ctx, "kadm-described")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := topics.On("kadm-described", nil)
	if err != nil || rc.Err != nil {
		t.Fatalf("describe topic: %v %v", err, rc.Err)
	}
	found := false
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" {
			found = true
			if str(c.Value) != "compact" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
				t.Errorf("cleanup.policy %q %s", str(c.Value), c.Source)
			}
		}
	}
	if !found {
		t.Error("kadm sees no cleanup.policy")
	}
	brokers, err := tb.admin.DescribeBrokerConfigs(ctx, 1)
	if err != nil || len(brokers) != 1 || brokers[0].Err != nil || len(brokers[0].Configs) < 100 {
		t.Fatalf("describe broker: %v %+v", err, brokers)
	}
}
