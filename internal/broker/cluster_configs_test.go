package broker_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

// TestClusterAlterBrokerConfigsThroughAnyNode: a broker that is not the
// active controller checks a broker resource names itself (as Kafka's
// broker does before forwarding), handles BROKER_LOGGER resources itself,
// and has the controller decide the rest, for both AlterConfigs APIs.
func TestClusterAlterBrokerConfigsThroughAnyNode(t *testing.T) {
	c := testcluster.StartCluster(t, 3, nil, clusterProps)
	active := c.ActiveController(10 * time.Second)
	var other *testcluster.Node
	for _, n := range c.Nodes {
		if n != active {
			other = n
			break
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(other.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := testcluster.Context(t, 30*time.Second)
	self, active_ := strconv.Itoa(int(other.ID())), strconv.Itoa(int(active.ID()))
	// Every request goes to that node, the client's one seed.
	node := cl.SeedBrokers()[0]
	value := "20971520"

	inc := kmsg.NewPtrIncrementalAlterConfigsRequest()
	for _, name := range []string{self, active_, ""} {
		r := kmsg.NewIncrementalAlterConfigsRequestResource()
		r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeBroker, name
		cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		cfg.Name, cfg.Value = "log.cleaner.io.buffer.size", &value
		r.Configs = append(r.Configs, cfg)
		inc.Resources = append(inc.Resources, r)
	}
	logger := kmsg.NewIncrementalAlterConfigsRequestResource()
	logger.ResourceType, logger.ResourceName = kmsg.ConfigResourceTypeBrokerLogger, self
	lc := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	lc.Name, lc.Value = "kafka.server", kmsg.StringPtr("DEBUG")
	logger.Configs = append(logger.Configs, lc)
	inc.Resources = append(inc.Resources, logger)

	resp, err := inc.RequestWith(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		code int16
		msg  string
	}{
		{0, ""},
		{kerr.InvalidRequest.Code, "Unexpected broker id, expected " + self + ", but received " + active_},
		{0, ""},
		{kerr.InvalidConfig.Code, "Logger kafka.server does not exist!"},
	}
	if len(resp.Resources) != len(want) {
		t.Fatalf("%d resources answered, want %d", len(resp.Resources), len(want))
	}
	for i, r := range resp.Resources {
		msg := ""
		if r.ErrorMessage != nil {
			msg = *r.ErrorMessage
		}
		if r.ErrorCode != want[i].code || want[i].code != 0 && msg != want[i].msg {
			t.Errorf("resource %d (%v %q): %d %q, want %d %q", i, r.ResourceType, r.ResourceName, r.ErrorCode, msg, want[i].code, want[i].msg)
		}
	}

	// The legacy API takes the same path; the change reaches every node.
	legacy := kmsg.NewPtrAlterConfigsRequest()
	lr := kmsg.NewAlterConfigsRequestResource()
	lr.ResourceType, lr.ResourceName = kmsg.ConfigResourceTypeBroker, active_
	lr.Configs = append(lr.Configs, kmsg.AlterConfigsRequestResourceConfig{Name: "log.cleaner.io.buffer.size", Value: &value})
	legacy.Resources = append(legacy.Resources, lr)
	lresp, err := legacy.RequestWith(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	if got := lresp.Resources[0].ErrorCode; got != kerr.InvalidRequest.Code {
		t.Errorf("AlterConfigs of broker %s through node %s: code %d, want INVALID_REQUEST", active_, self, got)
	}

	describe := kmsg.NewPtrDescribeConfigsRequest()
	dr := kmsg.NewDescribeConfigsRequestResource()
	dr.ResourceType, dr.ResourceName, dr.ConfigNames = kmsg.ConfigResourceTypeBroker, self, []string{"log.cleaner.io.buffer.size"}
	describe.Resources = append(describe.Resources, dr)
	testcluster.CheckFor(t, 10*time.Second, func() error {
		d, err := describe.RequestWith(ctx, node)
		if err != nil {
			return err
		}
		if cfgs := d.Resources[0].Configs; len(cfgs) != 1 || cfgs[0].Value == nil || *cfgs[0].Value != value ||
			cfgs[0].Source != kmsg.ConfigSourceDynamicBrokerConfig {
			return fmt.Errorf("broker %s's log.cleaner.io.buffer.size: %+v", self, cfgs)
		}
		return nil
	})
}
