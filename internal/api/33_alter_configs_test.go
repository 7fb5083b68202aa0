package api_test

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// legacyResource is an AlterConfigs resource; kv alternates names and
// values.
func legacyResource(typ kmsg.ConfigResourceType, name string, kv ...string) kmsg.AlterConfigsRequestResource {
	r := kmsg.NewAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = typ, name
	for i := 0; i+1 < len(kv); i += 2 {
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name, c.Value = kv[i], &kv[i+1]
		r.Configs = append(r.Configs, c)
	}
	return r
}

func (tb *testBroker) alterConfigs(v int16, validateOnly bool, resources ...kmsg.AlterConfigsRequestResource) []kmsg.AlterConfigsResponseResource {
	tb.t.Helper()
	req := kmsg.NewPtrAlterConfigsRequest()
	req.Version, req.ValidateOnly, req.Resources = v, validateOnly, resources
	resp := tb.request(req).(*kmsg.AlterConfigsResponse)
	if len(resp.Resources) != len(resources) {
		tb.t.Fatalf("%d results for %d resources", len(resp.Resources), len(resources))
	}
	for i, r := range resp.Resources {
		if r.ResourceType != resources[i].ResourceType || r.ResourceName != resources[i].ResourceName {
			tb.t.Fatalf("result %d is for %s %q, asked %s %q", i, r.ResourceType, r.ResourceName,
				resources[i].ResourceType, resources[i].ResourceName)
		}
	}
	return resp.Resources
}

// config describes one config of a resource.
func (tb *testBroker) config(typ kmsg.ConfigResourceType, name, key string) kmsg.DescribeConfigsResponseResourceConfig {
	tb.t.Helper()
	res := tb.describeConfigs(4, true, false, describeResource(typ, name, key)).Resources[0]
	if res.ErrorCode != 0 || len(res.Configs) != 1 {
		tb.t.Fatalf("describe %s of %s %q: error %d, %d configs", key, typ, name, res.ErrorCode, len(res.Configs))
	}
	return res.Configs[0]
}

type wantResult struct {
	code    int16
	message string
}

func checkResult(t *testing.T, what string, code int16, message *string, want wantResult) {
	t.Helper()
	if code != want.code || want.message != "" && str(message) != want.message || code == 0 && message != nil {
		t.Errorf("%s: %d %q; want %d %q", what, code, str(message), want.code, want.message)
	}
}

func TestAlterConfigsReplacesTopicConfigs(t *testing.T) {
	tb := startBroker(t, nil)
	tb.createTopics(7, false, newTopic("legacy", 1, 1, "retention.ms", "3600000", "max.message.bytes", "200000"))
	for _, v := range []int16{0, 1, 2} {
		res := tb.alterConfigs(v, false, legacyResource(kmsg.ConfigResourceTypeTopic, "legacy", "max.message.bytes", "30000"+string(rune('0'+v))))
		checkResult(t, "alter", res[0].ErrorCode, res[0].ErrorMessage, wantResult{})
	}
	if c := tb.config(kmsg.ConfigResourceTypeTopic, "legacy", "max.message.bytes"); str(c.Value) != "300002" ||
		c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("max.message.bytes = %q source %s", str(c.Value), c.Source)
	}
	if c := tb.config(kmsg.ConfigResourceTypeTopic, "legacy", "retention.ms"); str(c.Value) != "604800000" ||
		c.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("retention.ms not reset by the legacy alter: %q source %s", str(c.Value), c.Source)
	}
	res := tb.alterConfigs(2, true, legacyResource(kmsg.ConfigResourceTypeTopic, "legacy", "retention.ms", "1000"))
	checkResult(t, "validate only", res[0].ErrorCode, res[0].ErrorMessage, wantResult{})
	if c := tb.config(kmsg.ConfigResourceTypeTopic, "legacy", "max.message.bytes"); str(c.Value) != "300002" {
		t.Errorf("validate only changed max.message.bytes to %q", str(c.Value))
	}
}

func TestAlterConfigsErrors(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("t")
	null := legacyResource(kmsg.ConfigResourceTypeTopic, "t")
	for _, name := range []string{"retention.ms", "segment.ms"} {
		c := kmsg.NewAlterConfigsRequestResourceConfig()
		c.Name = name
		null.Configs = append(null.Configs, c)
	}
	for _, tc := range []struct {
		res  kmsg.AlterConfigsRequestResource
		want wantResult
	}{
		{legacyResource(kmsg.ConfigResourceTypeTopic, "missing", "retention.ms", "1"),
			wantResult{kerr.UnknownTopicOrPartition.Code, "The topic 'missing' does not exist."}},
		{legacyResource(kmsg.ConfigResourceTypeTopic, "t", "no.such.config", "1"), wantResult{code: kerr.InvalidConfig.Code}},
		{legacyResource(kmsg.ConfigResourceTypeTopic, "t", "retention.ms", "soon"), wantResult{code: kerr.InvalidConfig.Code}},
		{null, wantResult{kerr.InvalidRequest.Code, "Null value not supported for : retention.ms, segment.ms"}},
		{legacyResource(kmsg.ConfigResourceTypeTopic, "t", "retention.ms", "1", "retention.ms", "2"),
			wantResult{kerr.InvalidRequest.Code, "Error due to duplicate config keys"}},
		{legacyResource(kmsg.ConfigResourceTypeBrokerLogger, "1", "root", "DEBUG"),
			wantResult{kerr.InvalidRequest.Code, "Unknown resource type 8"}},
		{legacyResource(kmsg.ConfigResourceTypeBroker, "2", "log.cleaner.threads", "2"),
			wantResult{kerr.InvalidRequest.Code, "Unexpected broker id, expected 1, but received 2"}},
		{legacyResource(kmsg.ConfigResourceTypeBroker, "one", "log.cleaner.threads", "2"),
			wantResult{kerr.InvalidRequest.Code, "Node id must be an integer, but it is: one"}},
		{legacyResource(kmsg.ConfigResourceTypeBroker, "1", "node.id", "2"), wantResult{code: kerr.InvalidRequest.Code}},
	} {
		res := tb.alterConfigs(2, false, tc.res)[0]
		checkResult(t, tc.res.ResourceType.String()+" "+tc.res.ResourceName, res.ErrorCode, res.ErrorMessage, tc.want)
	}
}

func TestAlterConfigsDuplicateResources(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("dup", "single")
	res := tb.alterConfigs(2, false,
		legacyResource(kmsg.ConfigResourceTypeTopic, "dup", "retention.ms", "1000"),
		legacyResource(kmsg.ConfigResourceTypeTopic, "single", "retention.ms", "2000"),
		legacyResource(kmsg.ConfigResourceTypeTopic, "dup", "retention.ms", "3000"))
	want := wantResult{kerr.InvalidRequest.Code, "Each resource must appear at most once."}
	checkResult(t, "first dup", res[0].ErrorCode, res[0].ErrorMessage, want)
	checkResult(t, "single", res[1].ErrorCode, res[1].ErrorMessage, wantResult{})
	checkResult(t, "second dup", res[2].ErrorCode, res[2].ErrorMessage, want)
	if c := tb.config(kmsg.ConfigResourceTypeTopic, "dup", "retention.ms"); c.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("a duplicated resource was altered: %q", str(c.Value))
	}
}

func TestAlterConfigsBroker(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("inherits")
	res := tb.alterConfigs(2, false,
		legacyResource(kmsg.ConfigResourceTypeBroker, "1", "log.cleaner.threads", "2"),
		legacyResource(kmsg.ConfigResourceTypeBroker, "", "log.retention.ms", "7200000"))
	for i, r := range res {
		checkResult(t, "broker resource "+r.ResourceName, r.ErrorCode, res[i].ErrorMessage, wantResult{})
	}
	if c := tb.config(kmsg.ConfigResourceTypeBroker, "1", "log.cleaner.threads"); str(c.Value) != "2" ||
		c.Source != kmsg.ConfigSourceDynamicBrokerConfig {
		t.Errorf("log.cleaner.threads = %q source %s", str(c.Value), c.Source)
	}
	def := tb.describeConfigs(4, false, false, describeResource(kmsg.ConfigResourceTypeBroker, "")).Resources[0]
	if len(def.Configs) != 1 || def.Configs[0].Name != "log.retention.ms" || str(def.Configs[0].Value) != "7200000" ||
		def.Configs[0].Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		t.Errorf("cluster default configs %+v", def.Configs)
	}
	c := tb.config(kmsg.ConfigResourceTypeTopic, "inherits", "retention.ms")
	if str(c.Value) != "7200000" || c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig ||
		len(c.ConfigSynonyms) == 0 || c.ConfigSynonyms[0].Name != "log.retention.ms" {
		t.Errorf("topic retention.ms = %q source %s synonyms %+v", str(c.Value), c.Source, c.ConfigSynonyms)
	}
}

func TestAlterConfigsWithKadm(t *testing.T) {
	tb := startBroker(t, nil)
	ctx := testCtx(t)
	tb.createTopics(7, false, newTopic("kadm-legacy", 1, 1, "retention.ms", "3600000"))
	v := "compact"
	resps, err := tb.admin.AlterTopicConfigsState(ctx, []kadm.AlterConfig{{Name: "cleanup.policy", Value: &v}}, "kadm-legacy", "kadm-missing")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resps {
		switch r.Name {
		case "kadm-legacy":
			if r.Err != nil {
				t.Errorf("alter: %v %s", r.Err, r.ErrMessage)
			}
		case "kadm-missing":
			if !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
				t.Errorf("missing: %v", r.Err)
			}
		}
	}
	if c := tb.config(kmsg.ConfigResourceTypeTopic, "kadm-legacy", "retention.ms"); c.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("retention.ms kept by a legacy alter: %q", str(c.Value))
	}
	if c := tb.config(kmsg.ConfigResourceTypeTopic, "kadm-legacy", "cleanup.policy"); str(c.Value) != "compact" {
		t.Errorf("cleanup.policy = %q", str(c.Value))
	}
}
