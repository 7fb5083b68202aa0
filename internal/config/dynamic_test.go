package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestValidateDynamicBroker(t *testing.T) {
	current := Layers{Static: map[string]string{"num.io.threads": "8"}}
	tests := []struct {
		name      string
		layer     map[string]string
		perBroker bool
		err       string
	}{
		{"log defaults at cluster level", map[string]string{"log.retention.ms": "1000", "log.cleanup.policy": "compact",
			"message.max.bytes": "2000000", "compression.type": "zstd", "min.insync.replicas": "2",
			"unclean.leader.election.enable": "true", "log.cleaner.threads": "2"}, false, ""},
		{"log defaults per broker", map[string]string{"log.segment.bytes": "2097152"}, true, ""},
		{"empty layer", map[string]string{}, false, ""},
		{"read-only", map[string]string{"log.retention.hours": "1", "log.dirs": "/x", "num.partitions": "3"}, true,
			"Cannot update these configs dynamically: Set(log.dirs, log.retention.hours, num.partitions)"},
		{"per-broker at cluster level", map[string]string{"listeners": "PLAINTEXT://:9092,CONTROLLER://:9093"}, false,
			"Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)"},
		{"per-broker for the broker", map[string]string{"advertised.listeners": "PLAINTEXT://broker1:9092,CONTROLLER://broker1:9093"}, true, ""},
		{"unknown", map[string]string{"foo.bar": "1"}, true, "Unknown broker config name: foo.bar"},
		{"bad value", map[string]string{"log.retention.ms": "soon"}, false, "Invalid value soon for configuration log.retention.ms: Not a number of type LONG"},
		{"breaks the node", map[string]string{"advertised.listeners": "OTHER://h:1"}, true,
			"invalid dynamic configuration: advertised.listeners: no security protocol defined for listener OTHER in listener.security.protocol.map"},
		{"threads doubled", map[string]string{"num.io.threads": "16"}, false, ""},
		{"threads over double", map[string]string{"num.io.threads": "17"}, false,
			"dynamic thread count update validation failed for num.io.threads=17: value should not be greater than double the current value 8"},
		{"threads under half", map[string]string{"num.io.threads": "3"}, true,
			"dynamic thread count update validation failed for num.io.threads=3: value should be at least half the current value 8"},
	}
	for _, tt := range tests {
		err := ValidateDynamicBroker(current, tt.layer, tt.perBroker)
		if tt.err == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tt.name, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s: got %v\nwant %s", tt.name, err, tt.err)
		}
	}
}

func TestValidateDynamicBrokerErrorTypes(t *testing.T) {
	var ro *ReadOnlyError
	if err := ValidateDynamicBroker(Layers{}, map[string]string{"node.id": "2"}, true); !errors.As(err, &ro) ||
		!reflect.DeepEqual(ro.Keys, []string{"node.id"}) {
		t.Errorf("read-only: %#v", err)
	}
	var pb *PerBrokerOnlyError
	if err := ValidateDynamicBroker(Layers{}, map[string]string{"listener.security.protocol.map": "PLAINTEXT:PLAINTEXT"}, false); !errors.As(err, &pb) {
		t.Errorf("per-broker: %#v", err)
	}
	var uk *UnknownKeyError
	if err := ValidateDynamicBroker(Layers{}, map[string]string{"x": "1"}, false); !errors.As(err, &uk) || uk.Topic {
		t.Errorf("unknown: %#v", err)
	}
}

// The new layer replaces the old one, so a key deleted from the layer falls
// back to the layers beneath it.
func TestValidateDynamicBrokerSeesLowerLayers(t *testing.T) {
	current := Layers{
		Static:        map[string]string{"num.io.threads": "4"},
		DynamicBroker: map[string]string{"num.io.threads": "8"},
	}
	// Going back from 8 to the static 4 is a halving: allowed.
	if err := ValidateDynamicBroker(current, map[string]string{}, true); err != nil {
		t.Errorf("deleting the override: %v", err)
	}
	current.DynamicBroker["num.io.threads"] = "16"
	err := ValidateDynamicBroker(current, map[string]string{}, true)
	if err == nil || !strings.Contains(err.Error(), "num.io.threads=4: value should be at least half the current value 16") {
		t.Errorf("deleting a large override: %v", err)
	}
}
