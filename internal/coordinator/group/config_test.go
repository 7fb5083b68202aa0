package group

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spoolhq/spool/internal/config"
)

func TestDefaultConfigIsKafkas(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	// The broker's defaults (Kafka's key table) give the same settings.
	if got := FromBroker(config.Default()); !reflect.DeepEqual(got, DefaultConfig()) {
		t.Fatalf("FromBroker(config.Default()) = %+v\nwant %+v", got, DefaultConfig())
	}
	if got := DefaultConfig().offsetsRetentionMs(); got != 7*24*3600*1000 {
		t.Fatalf("retention %d ms", got)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tt := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.GroupMinSessionTimeoutMs = 0 }, "group.min.session.timeout.ms"},
		{func(c *Config) { c.GroupMaxSessionTimeoutMs = 5000 }, "group.max.session.timeout.ms"},
		{func(c *Config) { c.GroupMaxSize = 0 }, "group.max.size"},
		{func(c *Config) { c.GroupRebalanceProtocols = []string{"consumer"} }, "must contain classic"},
		{func(c *Config) { c.GroupRebalanceProtocols = []string{"classic", "share"} }, "unknown protocol"},
		{func(c *Config) { c.GroupConsumerSessionTimeoutMs = 70000 }, "group.consumer.session.timeout.ms"},
		{func(c *Config) { c.GroupConsumerHeartbeatIntervalMs = 4000 }, "group.consumer.heartbeat.interval.ms"},
		{func(c *Config) { c.GroupConsumerMigrationPolicy = "both" }, "group.consumer.migration.policy"},
		{func(c *Config) { c.OffsetsRetentionMinutes = 0 }, "offsets.retention.minutes"},
		{func(c *Config) { c.OffsetsRetentionCheckIntervalMs = 0 }, "offsets.retention.check.interval.ms"},
	} {
		c := DefaultConfig()
		tt.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("want an error about %s, got %v", tt.want, err)
		}
	}
}
