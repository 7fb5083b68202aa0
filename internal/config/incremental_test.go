package config

import (
	"errors"
	"reflect"
	"testing"
)

func TestApplyIncremental(t *testing.T) {
	tests := []struct {
		name    string
		current map[string]string
		ops     []Op
		want    map[string]string
	}{
		{"set", nil, []Op{{Key: "retention.ms", Op: OpSet, Value: "1000"}},
			map[string]string{"retention.ms": "1000"}},
		{"delete", map[string]string{"retention.ms": "1000", "segment.ms": "5"}, []Op{{Key: "retention.ms", Op: OpDelete}},
			map[string]string{"segment.ms": "5"}},
		{"delete missing", nil, []Op{{Key: "retention.ms", Op: OpDelete}}, map[string]string{}},
		{"append to default", nil, []Op{{Key: "cleanup.policy", Op: OpAppend, Value: "compact"}},
			map[string]string{"cleanup.policy": "delete,compact"}},
		{"append present", map[string]string{"cleanup.policy": "compact"}, []Op{{Key: "cleanup.policy", Op: OpAppend, Value: "compact,delete"}},
			map[string]string{"cleanup.policy": "compact,delete"}},
		{"subtract", map[string]string{"cleanup.policy": "delete,compact"}, []Op{{Key: "cleanup.policy", Op: OpSubtract, Value: "delete"}},
			map[string]string{"cleanup.policy": "compact"}},
		{"subtract from default", nil, []Op{{Key: "cleanup.policy", Op: OpSubtract, Value: "delete"}},
			map[string]string{"cleanup.policy": ""}},
		{"subtract absent", map[string]string{"cleanup.policy": "compact"}, []Op{{Key: "cleanup.policy", Op: OpSubtract, Value: "delete"}},
			map[string]string{"cleanup.policy": "compact"}},
		{"append to empty list", nil, []Op{
			{Key: "leader.replication.throttled.replicas", Op: OpAppend, Value: "0:1"},
			{Key: "leader.replication.throttled.replicas", Op: OpAppend, Value: "1:1, 0:1"},
		}, map[string]string{"leader.replication.throttled.replicas": "0:1,1:1"}},
		{"ops apply in order", map[string]string{"retention.ms": "1"}, []Op{
			{Key: "retention.ms", Op: OpDelete},
			{Key: "retention.ms", Op: OpSet, Value: "2"},
		}, map[string]string{"retention.ms": "2"}},
	}
	for _, tt := range tests {
		before := map[string]string{}
		for k, v := range tt.current {
			before[k] = v
		}
		got, err := ApplyIncremental(tt.current, tt.ops)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, %v; want %v", tt.name, got, err, tt.want)
		}
		if tt.current != nil && !reflect.DeepEqual(tt.current, before) {
			t.Errorf("%s: current was modified", tt.name)
		}
	}
}

func TestApplyIncrementalRejects(t *testing.T) {
	tests := []struct {
		op   Op
		want string
	}{
		{Op{Key: "retention.ms", Op: OpAppend, Value: "1"}, "can't APPEND to key retention.ms: its type is not LIST"},
		{Op{Key: "compression.type", Op: OpSubtract, Value: "gzip"}, "can't SUBTRACT to key compression.type: its type is not LIST"},
		{Op{Key: "no.such.key", Op: OpAppend, Value: "x"}, "can't APPEND to key no.such.key: its type is not LIST"},
		{Op{Key: "retention.ms", Op: 7, Value: "1"}, "can't OpType(7) to key retention.ms: unknown operation type"},
	}
	for _, tt := range tests {
		_, err := ApplyIncremental(nil, []Op{tt.op})
		var oe *OpError
		if err == nil || err.Error() != tt.want || !errors.As(err, &oe) || oe.Key != tt.op.Key {
			t.Errorf("%+v: got %v, want %s", tt.op, err, tt.want)
		}
	}
}

func TestApplyIncrementalBroker(t *testing.T) {
	got, err := ApplyIncrementalBroker(map[string]string{"log.retention.ms": "5"}, []Op{
		{Key: "log.cleanup.policy", Op: OpAppend, Value: "compact"},
		{Key: "sasl.enabled.mechanisms", Op: OpAppend, Value: "PLAIN"},
		{Key: "log.retention.ms", Op: OpDelete},
	})
	want := map[string]string{"log.cleanup.policy": "delete,compact", "sasl.enabled.mechanisms": "GSSAPI,PLAIN"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	if _, err := ApplyIncrementalBroker(nil, []Op{{Key: "num.io.threads", Op: OpAppend, Value: "1"}}); err == nil {
		t.Error("APPEND on an INT broker key must fail")
	}
	// The result of an incremental change is validated as a whole layer.
	layer, err := ApplyIncrementalBroker(nil, []Op{{Key: "log.cleanup.policy", Op: OpAppend, Value: "archive"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidateDynamicBroker(Layers{}, layer, false); err == nil {
		t.Error("an invalid appended element must fail validation")
	}
}
