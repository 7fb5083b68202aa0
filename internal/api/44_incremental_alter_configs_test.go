package api_test

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type op struct {
	name  string
	op    kmsg.IncrementalAlterConfigOp
	value *string
}

func set(name, value string) op { return op{name, kmsg.IncrementalAlterConfigOpSet, &value} }
func del(name string) op        { return op{name: name, op: kmsg.IncrementalAlterConfigOpDelete} }
func appendOp(name, value string) op {
	return op{name, kmsg.IncrementalAlterConfigOpAppend, &value}
}
func subtract(name, value string) op {
	return op{name, kmsg.IncrementalAlterConfigOpSubtract, &value}
}

func incResource(typ kmsg.ConfigResourceType, name string, ops ...op) kmsg.IncrementalAlterConfigsRequestResource {
	r := kmsg.NewIncrementalAlterConfigsRequestResource()
	r.ResourceType, r.ResourceName = typ, name
	for _, o := range ops {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = o.name, o.op, o.value
		r.Configs = append(r.Configs, c)
	}
	return r
}

func (tb *testBroker) incrementalAlter(v int16, validateOnly bool, resources ...kmsg.IncrementalAlterConfigsRequestResource) []kmsg.IncrementalAlterConfigsResponseResource {
	tb.t.Helper()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	req.Version, req.ValidateOnly, req.Resources = v, validateOnly, resources
	resp := tb.request(req).(*kmsg.IncrementalAlterConfigsResponse)
	if len(resp.Resources) != len(resources) {
		tb.t.Fatalf("%d results for %d resources", len(resp.Resources), len(resources))
	}
	for i, r := range resp.Resources {
		if r.ResourceType != resources[i].ResourceType || r.ResourceName != resources[i].ResourceName {
			tb.t.Fatalf("result %d is for %s %q", i, r.ResourceType, r.ResourceName)
		}
	}
	return resp.Resources
}

func (tb *testBroker) mustIncrementalAlter(resources ...kmsg.IncrementalAlterConfigsRequestResource) {
	tb.t.Helper()
	for _, r := range tb.incrementalAlter(1, false, resources...) {
		if r.ErrorCode != 0 {
			tb.t.Fatalf("alter %s %q: %d %q", r.ResourceType, r.ResourceName, r.ErrorCode, str(r.ErrorMessage))
		}
	}
}

func TestIncrementalAlterConfigsTopicOps(t *testing.T) {
	tb := startBroker(t, nil)
	tb.createTopics(7, false, newTopic("inc", 1, 1, "retention.ms", "3600000"))
	topic := kmsg.ConfigResourceTypeTopic
	tb.mustIncrementalAlter(incResource(topic, "inc", appendOp("cleanup.policy", "compact"), set("max.message.bytes", "5000")))
	if c := tb.config(topic, "inc", "cleanup.policy"); str(c.Value) != "delete,compact" {
		t.Errorf("after APPEND cleanup.policy = %q", str(c.Value))
	}
	if c := tb.config(topic, "inc", "retention.ms"); str(c.Value) != "3600000" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("an incremental alter dropped retention.ms: %q %s", str(c.Value), c.Source)
	}
	tb.mustIncrementalAlter(incResource(topic, "inc", subtract("cleanup.policy", "delete"), del("retention.ms")))
	if c := tb.config(topic, "inc", "cleanup.policy"); str(c.Value) != "compact" {
		t.Errorf("after SUBTRACT cleanup.policy = %q", str(c.Value))
	}
	if c := tb.config(topic, "inc", "retention.ms"); c.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("DELETE left retention.ms = %q %s", str(c.Value), c.Source)
	}
	if c := tb.config(topic, "inc", "max.message.bytes"); str(c.Value) != "5000" {
		t.Errorf("max.message.bytes = %q", str(c.Value))
	}
	res := tb.incrementalAlter(0, true, incResource(topic, "inc", set("max.message.bytes", "6000")))
	checkResult(t, "validate only", res[0].ErrorCode, res[0].ErrorMessage, wantResult{})
	if c := tb.config(topic, "inc", "max.message.bytes"); str(c.Value) != "5000" {
		t.Errorf("validate only changed max.message.bytes to %q", str(c.Value))
	}
}

func TestIncrementalAlterConfigsErrors(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("t")
	topic, broker := kmsg.ConfigResourceTypeTopic, kmsg.ConfigResourceTypeBroker
	nullSet := incResource(topic, "t", op{name: "retention.ms", op: kmsg.IncrementalAlterConfigOpSet})
	for _, tc := range []struct {
		res  kmsg.IncrementalAlterConfigsRequestResource
		want wantResult
	}{
		{incResource(topic, "missing", set("retention.ms", "1")),
			wantResult{kerr.UnknownTopicOrPartition.Code, "The topic 'missing' does not exist."}},
		{incResource(topic, "t", appendOp("retention.ms", "1")), wantResult{code: kerr.InvalidConfig.Code}},
		{incResource(topic, "t", set("no.such.config", "1")), wantResult{code: kerr.InvalidConfig.Code}},
		{nullSet, wantResult{kerr.InvalidRequest.Code, "Null value not supported for : retention.ms"}},
		{incResource(topic, "t", del("retention.ms")), wantResult{}}, // DELETE needs no value
		{incResource(topic, "t", set("retention.ms", "1"), del("retention.ms")),
			wantResult{kerr.InvalidRequest.Code, "Error due to duplicate config keys"}},
		{incResource(broker, "2", set("log.cleaner.threads", "2")),
			wantResult{kerr.InvalidRequest.Code, "Unexpected broker id, expected 1, but received 2"}},
		{incResource(broker, "1", op{"log.cleaner.threads", 7, ptrTo("2")}),
			wantResult{kerr.InvalidRequest.Code, "Unknown operations type 7"}},
		{incResource(broker, "1", set("node.id", "2")), wantResult{code: kerr.InvalidRequest.Code}},
		{incResource(kmsg.ConfigResourceType(3), "x"), wantResult{kerr.InvalidRequest.Code, "Unknown resource type 3"}},
	} {
		res := tb.incrementalAlter(1, false, tc.res)[0]
		checkResult(t, tc.res.ResourceType.String()+" "+tc.res.ResourceName, res.ErrorCode, res.ErrorMessage, tc.want)
	}
}

// Spool has no log4j loggers, so it answers as a Kafka broker would for a
// logger that does not exist.
func TestIncrementalAlterConfigsBrokerLoggers(t *testing.T) {
	tb := startBroker(t, nil)
	logger := kmsg.ConfigResourceTypeBrokerLogger
	for _, tc := range []struct {
		res  kmsg.IncrementalAlterConfigsRequestResource
		want wantResult
	}{
		{incResource(logger, "1"), wantResult{}},
		{incResource(logger, "1", set("root", "DEBUG")), wantResult{kerr.InvalidConfig.Code, "Logger root does not exist!"}},
		{incResource(logger, "1", del("kafka.server")), wantResult{kerr.InvalidConfig.Code, "Logger kafka.server does not exist!"}},
		{incResource(logger, "1", appendOp("root", "DEBUG")),
			wantResult{kerr.InvalidRequest.Code, "APPEND operation is not allowed for the BROKER_LOGGER resource"}},
		{incResource(logger, "1", subtract("root", "DEBUG")),
			wantResult{kerr.InvalidRequest.Code, "SUBTRACT operation is not allowed for the BROKER_LOGGER resource"}},
		{incResource(logger, "", set("root", "DEBUG")), wantResult{kerr.InvalidRequest.Code, "Node id must be an integer, but it is: "}},
		{incResource(logger, "2", set("root", "DEBUG")), wantResult{kerr.InvalidRequest.Code, "Unexpected node id. Expected 1, but received 2"}},
		{incResource(logger, "1", op{name: "root", op: kmsg.IncrementalAlterConfigOpSet}),
			wantResult{kerr.InvalidRequest.Code, "Null value not supported for : root"}},
	} {
		for _, validateOnly := range []bool{false, true} {
			res := tb.incrementalAlter(1, validateOnly, tc.res)[0]
			checkResult(t, "logger "+tc.res.ResourceName, res.ErrorCode, res.ErrorMessage, tc.want)
		}
	}
}

func TestIncrementalAlterConfigsBrokerAndOrder(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("ordered")
	broker := kmsg.ConfigResourceTypeBroker
	res := tb.incrementalAlter(1, false,
		incResource(kmsg.ConfigResourceTypeBrokerLogger, "1", set("root", "INFO")),
		incResource(broker, "1", set("log.cleaner.threads", "2")),
		incResource(kmsg.ConfigResourceTypeTopic, "ordered", set("retention.ms", "1000")),
		incResource(broker, "", set("message.max.bytes", "2000000")),
		incResource(kmsg.ConfigResourceTypeTopic, "ordered", set("retention.ms", "2000")))
	wantCodes := []int16{kerr.InvalidConfig.Code, 0, kerr.InvalidRequest.Code, 0, kerr.InvalidRequest.Code}
	for i, r := range res {
		if r.ErrorCode != wantCodes[i] {
			t.Errorf("result %d (%s %q): %d %q, want %d", i, r.ResourceType, r.ResourceName, r.ErrorCode, str(r.ErrorMessage), wantCodes[i])
		}
	}
	if c := tb.config(broker, "1", "log.cleaner.threads"); str(c.Value) != "2" || c.Source != kmsg.ConfigSourceDynamicBrokerConfig {
		t.Errorf("log.cleaner.threads = %q %s", str(c.Value), c.Source)
	}
	if c := tb.config(broker, "1", "message.max.bytes"); str(c.Value) != "2000000" ||
		c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
		t.Errorf("message.max.bytes = %q %s", str(c.Value), c.Source)
	}
	tb.mustIncrementalAlter(incResource(broker, "", del("message.max.bytes")))
	if c := tb.config(broker, "1", "message.max.bytes"); c.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("deleted cluster default still applies: %q %s", str(c.Value), c.Source)
	}
}

func TestIncrementalAlterConfigsWithKadm(t *testing.T) {
	tb := startBroker(t, nil)
	ctx := testCtx(t)
	tb.mustCreate("kadm-inc")
	compact := "compact"
	resps, err := tb.admin.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.AppendConfig, Name: "cleanup.policy", Value: &compact}}, "kadm-inc")
	if err != nil || len(resps) != 1 || resps[0].Err != nil {
		t.Fatalf("alter topic: %v %+v", err, resps)
	}
	if c := tb.config(kmsg.ConfigResourceTypeTopic, "kadm-inc", "cleanup.policy"); str(c.Value) != "delete,compact" {
		t.Errorf("cleanup.policy = %q", str(c.Value))
	}
	threads := "2"
	resps, err = tb.admin.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "log.cleaner.threads", Value: &threads}}, 1)
	if err != nil || len(resps) != 1 || resps[0].Err != nil {
		t.Fatalf("alter broker: %v %+v", err, resps)
	}
	ro := "2"
	resps, _ = tb.admin.AlterBrokerConfigs(ctx, []kadm.AlterConfig{{Name: "node.id", Value: &ro}}, 1)
	if len(resps) != 1 || !errors.Is(resps[0].Err, kerr.InvalidRequest) {
		t.Errorf("alter a read-only broker config: %+v", resps)
	}
}

func ptrTo(s string) *string { return &s }
