package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseEndpoints(t *testing.T) {
	tests := []struct {
		in   string
		want []Listener
		err  string
	}{
		{"PLAINTEXT://:9092", []Listener{{Name: "PLAINTEXT", Port: 9092}}, ""},
		{"plaintext://broker-1.example.com:9092", []Listener{{Name: "PLAINTEXT", Host: "broker-1.example.com", Port: 9092}}, ""},
		{"A://127.0.0.1:1, B://[::1]:2", []Listener{{Name: "A", Host: "127.0.0.1", Port: 1}, {Name: "B", Host: "::1", Port: 2}}, ""},
		{"SSL://[fe80::1%eth0]:9093", []Listener{{Name: "SSL", Host: "fe80::1%eth0", Port: 9093}}, ""},
		{"X://:0", []Listener{{Name: "X", Port: 0}}, ""},
		{"", nil, ""},
		{"PLAINTEXT:/host:1", nil, `cannot parse "PLAINTEXT:/host:1" as NAME://host:port`},
		{"://:1", nil, `cannot parse "://:1" as NAME://host:port`},
		{"X://host", nil, `cannot parse "X://host" as NAME://host:port`},
		{"X://host:99999", nil, `cannot parse "X://host:99999" as NAME://host:port`},
		{"X://ho st:1", nil, `cannot parse "X://ho st:1" as NAME://host:port`},
		{"X://host:-1", nil, `cannot parse "X://host:-1" as NAME://host:port`},
	}
	for _, tt := range tests {
		got, err := parseEndpoints(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseEndpoints(%q) error = %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseEndpoints(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestListenerAddr(t *testing.T) {
	l := Listener{Name: "B", Host: "::1", Port: 9092}
	if l.Addr() != "[::1]:9092" || l.String() != "B://[::1]:9092" {
		t.Errorf("Addr %q String %q", l.Addr(), l.String())
	}
	if (Voter{ID: 1, Host: "c1", Port: 9093}).Addr() != "c1:9093" {
		t.Error("Voter.Addr")
	}
}

func TestCheckListenerSet(t *testing.T) {
	ls := func(s string) []Listener {
		l, err := parseEndpoints(s)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	tests := []struct {
		in, err string
	}{
		{"A://:1,B://:2", ""},
		{"A://:0,B://:0", ""},
		{"A://:1,a://:2", "each listener must have a different name, A is repeated"},
		{"A://:1,B://host:1", "port 1 is repeated"},
		{"A://127.0.0.1:1,B://[::1]:1", ""},
		{"A://127.0.0.1:1,B://127.0.0.2:1", "port 1 is repeated"},
	}
	for _, tt := range tests {
		err := checkListenerSet("listeners", ls(tt.in), true)
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: got %v, want %q", tt.in, err, tt.err)
		}
	}
	if err := checkListenerSet("advertised.listeners", ls("A://h:1,B://h:1"), false); err != nil {
		t.Errorf("advertised listeners may share ports: %v", err)
	}
}

func TestParseProtocolMap(t *testing.T) {
	m, err := parseProtocolMap("controller:plaintext, EXTERNAL:SASL_SSL")
	want := map[string]SecurityProtocol{"CONTROLLER": Plaintext, "EXTERNAL": SASLSSL}
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, %v", m, err)
	}
	for _, bad := range []string{"PLAINTEXT", ":SSL", "A:TLS"} {
		if _, err := parseProtocolMap(bad); err == nil {
			t.Errorf("parseProtocolMap(%q) accepted", bad)
		}
	}
}

func TestParseVoters(t *testing.T) {
	v, err := parseVoters("1@c1:9093, 2@[::1]:9093")
	want := []Voter{{1, "c1", 9093}, {2, "::1", 9093}}
	if err != nil || !reflect.DeepEqual(v, want) {
		t.Errorf("got %v, %v", v, err)
	}
	for _, bad := range []string{"c1:9093", "x@c1:9093", "-1@c1:9093", "1@c1", "1@:9093", "1@c1:1,1@c2:2"} {
		if _, err := parseVoters(bad); err == nil {
			t.Errorf("parseVoters(%q) accepted", bad)
		}
	}
	if _, err := parseBootstrapServers("c1:9093,c2"); err == nil {
		t.Error("bootstrap server without port accepted")
	}
}

func TestListenerProtocols(t *testing.T) {
	b := Default()
	if b.ListenerProtocols["CONTROLLER"] != Plaintext {
		t.Error("controller listener must default to PLAINTEXT")
	}
	// An explicit map must name every listener, as in Kafka.
	b = mustParse(t, map[string]string{"listener.security.protocol.map": "PLAINTEXT:PLAINTEXT"})
	err := b.Validate()
	if err == nil || err.Error() != "listeners: no security protocol defined for listener CONTROLLER in listener.security.protocol.map" {
		t.Errorf("got %v", err)
	}
	// With a TLS or SASL listener name in use, controllers get no implicit PLAINTEXT.
	b = mustParse(t, map[string]string{"listeners": "SSL://:9092,CONTROLLER://:9093", "security.inter.broker.protocol": "SSL"})
	if _, ok := b.ListenerProtocols["CONTROLLER"]; ok || b.Validate() == nil {
		t.Errorf("CONTROLLER mapped implicitly next to an SSL listener: %v", b.ListenerProtocols)
	}
	b = mustParse(t, map[string]string{
		"listeners":                      "EXTERNAL://:9092,CONTROLLER://:9093",
		"listener.security.protocol.map": "EXTERNAL:SSL,CONTROLLER:PLAINTEXT",
		"inter.broker.listener.name":     "external",
	})
	if err := b.Validate(); err != nil || b.Listeners[0].Protocol != SSL || b.InterBrokerListenerName != "EXTERNAL" {
		t.Errorf("named listener: %v %v %q", err, b.Listeners, b.InterBrokerListenerName)
	}
}
