//go:build interop

package interop

import (
	"context"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// TestConfluentKafka drives the broker with confluent-kafka, librdkafka's
// Python binding; the scenarios are the confluent_*.py scripts.
func TestConfluentKafka(t *testing.T) {
	t.Run("Admin", func(t *testing.T) { runPython(t, "confluent_admin.py") })
	t.Run("IncrementalAlterConfigs", testIncrementalAlterConfigs)
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		t.Run("RoundTrip/"+codec, func(t *testing.T) { runPython(t, "confluent_roundtrip.py", codec) })
	}
	t.Run("MessageTooLarge", func(t *testing.T) { runPython(t, "confluent_too_large.py") })
	for _, strategy := range []string{"range", "cooperative-sticky"} {
		t.Run("Group/"+strategy, func(t *testing.T) { runPython(t, "confluent_group.py", strategy) })
	}
	t.Run("StaticMembers", func(t *testing.T) { runPython(t, "confluent_static.py") })
}

// TestKafkaPython drives the broker with kafka-python.
func TestKafkaPython(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) { runPython(t, "kafka_python_roundtrip.py") })
	t.Run("Group", func(t *testing.T) { runPython(t, "kafka_python_group.py") })
}

// testIncrementalAlterConfigs changes topic configs with IncrementalAlterConfigs
// (SET, DELETE, APPEND, SUBTRACT) and checks each change through librdkafka's
// DescribeConfigs. The confluent-kafka that Debian ships (1.7) has no
// incremental_alter_configs, so franz-go sends the alterations.
func testIncrementalAlterConfigs(t *testing.T) {
	topic := createTopic(t, 1, map[string]*string{"retention.ms": kadm.StringPtr("3600000")})
	alter := func(configs ...kadm.AlterConfig) error {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), scenarioTime)
		defer cancel()
		resps, err := admin.AlterTopicConfigs(ctx, configs, topic)
		if err != nil {
			t.Fatalf("alter configs of %s: %v", topic, err)
		}
		r, err := resps.On(topic, nil)
		if err != nil {
			t.Fatalf("alter configs of %s: no response for the topic: %v", topic, err)
		}
		return r.Err
	}

	err := alter(
		kadm.AlterConfig{Op: kadm.SetConfig, Name: "max.message.bytes", Value: kadm.StringPtr("300000")},
		kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "retention.ms"},
		kadm.AlterConfig{Op: kadm.AppendConfig, Name: "cleanup.policy", Value: kadm.StringPtr("compact")},
	)
	if err != nil {
		t.Fatalf("SET, DELETE, APPEND: %v", err)
	}
	runPython(t, "confluent_config.py", topic,
		"max.message.bytes=300000", "retention.ms~604800000", "cleanup.policy=delete,compact")

	if err := alter(kadm.AlterConfig{Op: kadm.SubtractConfig, Name: "cleanup.policy", Value: kadm.StringPtr("delete")}); err != nil {
		t.Fatalf("SUBTRACT: %v", err)
	}
	runPython(t, "confluent_config.py", topic, "cleanup.policy=compact", "max.message.bytes=300000")

	// Kafka rejects a config name it does not know and changes nothing.
	err = alter(
		kadm.AlterConfig{Op: kadm.SetConfig, Name: "no.such.config", Value: kadm.StringPtr("1")},
		kadm.AlterConfig{Op: kadm.SetConfig, Name: "max.message.bytes", Value: kadm.StringPtr("400000")},
	)
	if !errors.Is(err, kerr.InvalidConfig) {
		t.Errorf("SET of an unknown config: got %v, want %v", err, kerr.InvalidConfig)
	}
	runPython(t, "confluent_config.py", topic, "max.message.bytes=300000")
}
