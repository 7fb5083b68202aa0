package config

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	brokerOnly := map[string]string{
		"process.roles": "broker", "node.id": "2", "listeners": "PLAINTEXT://:9092",
	}
	controllerOnly := map[string]string{
		"process.roles": "controller", "listeners": "CONTROLLER://:9093",
	}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name  string
		props map[string]string
		err   string // substring; "" for valid
	}{
		{"default", nil, ""},
		{"broker only", brokerOnly, ""},
		{"controller only", controllerOnly, ""},
		{"three voters", with(nil, "controller.quorum.voters", "1@c1:9093,2@c2:9093,3@c3:9093"), ""},
		{"dynamic quorum", with(nil, "controller.quorum.bootstrap.servers", "c1:9093"), ""},
		{"no roles", with(nil, "process.roles", ""), "process.roles must contain broker, controller or both"},
		{"duplicate roles", with(nil, "process.roles", "broker,broker"), "duplicate role names found in process.roles"},
		{"negative node id", with(nil, "node.id", "-1"), "node.id must be set"},
		{"no log dirs", with(nil, "log.dirs", ","), "at least one log directory"},
		{"no quorum", with(nil, "controller.quorum.voters", ""), "either controller.quorum.bootstrap.servers"},
		{"controller not a voter", with(nil, "node.id", "2"), "node id 2 must be in controller.quorum.voters [1]"},
		{"broker is a voter", with(brokerOnly, "node.id", "1"), "node id 1 must not be in controller.quorum.voters"},
		{"broker binds controller listener", with(brokerOnly, "listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
			"controller.listener.names must not name a listener in listeners when process.roles is broker only"},
		{"broker without controller names", with(brokerOnly, "controller.listener.names", ""),
			"controller.listener.names must contain at least one listener name"},
		{"broker controller listener unmapped", with(brokerOnly, "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT"),
			"controller listener CONTROLLER is not in listener.security.protocol.map"},
		{"controller with broker listener", with(controllerOnly, "listeners", "CONTROLLER://:9093,PLAINTEXT://:9092"),
			"listeners must only contain controller listeners (CONTROLLER) when process.roles is controller only"},
		{"controller names missing from listeners", with(nil, "controller.listener.names", "CTRL",
			"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,CTRL:PLAINTEXT"),
			"controller.listener.names must only contain names in listeners when the node is a controller: CTRL is not in PLAINTEXT,CONTROLLER"},
		{"controller names case-insensitive", with(nil, "controller.listener.names", "controller"), ""},
		{"only controller listeners", with(nil, "listeners", "CONTROLLER://:9093"),
			"there must be at least one broker advertised listener"},
		{"advertised unknown protocol", with(nil, "advertised.listeners", "EXTERNAL://h:1"),
			"advertised.listeners: no security protocol defined for listener EXTERNAL"},
		{"advertised not bound", with(nil, "advertised.listeners", "PLAINTEXT://h:9092,EXTERNAL://h:1",
			"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"),
			"advertised.listeners names must be equal to or a subset of the ones in listeners: EXTERNAL is not in PLAINTEXT,CONTROLLER"},
		{"inter-broker listener not advertised", with(nil, "inter.broker.listener.name", "FOO"),
			"inter.broker.listener.name must be a listener name defined in advertised.listeners: FOO is not in PLAINTEXT"},
		{"inter-broker set twice", with(nil, "inter.broker.listener.name", "PLAINTEXT", "security.inter.broker.protocol", "PLAINTEXT"),
			"only one of inter.broker.listener.name and security.inter.broker.protocol should be set"},
		{"advertised wildcard", with(nil, "advertised.listeners", "PLAINTEXT://0.0.0.0:9092"), "nonroutable meta-address 0.0.0.0"},
		{"listener wildcard advertised", with(nil, "listeners", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://:9093"), "nonroutable meta-address 0.0.0.0"},
		{"wildcard with advertised", with(nil, "listeners", "PLAINTEXT://0.0.0.0:9092,CONTROLLER://:9093",
			"advertised.listeners", "PLAINTEXT://broker1:9092"), ""},
		{"duplicate ports", with(nil, "listeners", "PLAINTEXT://:9092,CONTROLLER://:9092"), "port 9092 is repeated"},
		{"zero retention", with(nil, "log.retention.ms", "0"), "log.retention.ms must be unlimited (-1) or at least 1"},
		{"small dedupe buffer", with(nil, "log.cleaner.dedupe.buffer.size", "1048576"), "at least 1MB per cleaner thread"},
		{"no cleaner threads", with(nil, "log.cleaner.threads", "0"), ""},
		{"fetch wait over socket timeout", with(nil, "replica.fetch.wait.max.ms", "40000"), "replica.socket.timeout.ms (30000) must be at least replica.fetch.wait.max.ms (40000)"},
		{"fetch wait over lag time", with(nil, "replica.fetch.wait.max.ms", "20000", "replica.lag.time.max.ms", "10000"), "must be at most replica.lag.time.max.ms"},
		{"queued bytes under request size", with(nil, "queued.max.request.bytes", "10"), "queued.max.request.bytes must be larger than or equal to socket.request.max.bytes"},
		{"zero connections per ip", with(nil, "max.connections.per.ip", "0"), "max.connections.per.ip can be zero only if"},
		{"zero connections per ip with overrides", with(nil, "max.connections.per.ip", "0", "max.connections.per.ip.overrides", "127.0.0.1:5"), ""},
		{"auth delay over idle", with(nil, "connection.failed.authentication.delay.ms", "700000"), "must be less than connections.max.idle.ms"},
		{"classic protocol off", with(nil, "group.coordinator.rebalance.protocols", "consumer"), "must contain classic"},
		{"sasl mechanism not enabled", with(nil,
			"listeners", "SASL_PLAINTEXT://:9092,CONTROLLER://:9093",
			"listener.security.protocol.map", "SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
			"security.inter.broker.protocol", "SASL_PLAINTEXT",
			"sasl.enabled.mechanisms", "PLAIN",
			"sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-256"),
			"sasl.mechanism.inter.broker.protocol (SCRAM-SHA-256) must be in sasl.enabled.mechanisms"},
		{"metrics on listener port", with(nil, "spool.metrics.address", ":9092"), "spool.metrics.address :9092 uses the port of listener PLAINTEXT://:9092"},
		{"metrics disabled", with(nil, "spool.metrics.address", ""), ""},
	}
	for _, tt := range tests {
		b := mustParse(t, tt.props)
		err := b.Validate()
		if tt.err == "" {
			if err != nil {
				t.Errorf("%s: unexpected error %v", tt.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: got %v, want %q", tt.name, err, tt.err)
		}
		var ce *ConflictError
		if err != nil && !errors.As(err, &ce) {
			t.Errorf("%s: %T is not a ConflictError", tt.name, err)
		}
	}
}

func TestBrokerString(t *testing.T) {
	s := Default().String()
	if !strings.Contains(s, "node 1 (broker,controller)") || !strings.Contains(s, "PLAINTEXT://localhost:9092") {
		t.Errorf("String() = %q", s)
	}
}
