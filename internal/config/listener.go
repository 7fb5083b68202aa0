package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// SecurityProtocol is the protocol spoken on a listener.
type SecurityProtocol string

// Security protocols, as Kafka names them.
const (
	Plaintext     SecurityProtocol = "PLAINTEXT"
	SSL           SecurityProtocol = "SSL"
	SASLPlaintext SecurityProtocol = "SASL_PLAINTEXT"
	SASLSSL       SecurityProtocol = "SASL_SSL"
)

var protocolNames = []string{string(Plaintext), string(SSL), string(SASLPlaintext), string(SASLSSL)}

// Listener is one NAME://host:port entry of listeners or advertised.listeners.
type Listener struct {
	// Name is upper-cased, as Kafka normalises listener names.
	Name string
	// Host is empty in listeners to bind every interface; advertised
	// listeners always have one.
	Host     string
	Port     int
	Protocol SecurityProtocol
}

// Addr is the host:port to listen on or dial.
func (l Listener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

func (l Listener) String() string { return l.Name + "://" + l.Addr() }

// parseEndpoints parses a comma-separated list of NAME://host:port entries.
// Hosts may be IPv6 literals in brackets.
func parseEndpoints(s string) ([]Listener, error) {
	var out []Listener
	for _, entry := range splitList(s) {
		l, err := parseEndpoint(entry)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

func parseEndpoint(entry string) (Listener, error) {
	bad := fmt.Errorf("cannot parse %q as NAME://host:port", entry)
	name, hostPort, ok := strings.Cut(entry, "://")
	if !ok || name == "" {
		return Listener{}, bad
	}
	i := strings.LastIndexByte(hostPort, ':')
	if i < 0 {
		return Listener{}, bad
	}
	host, port := hostPort[:i], hostPort[i+1:]
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	if !validHost(host) || !validPort(port) {
		return Listener{}, bad
	}
	n, _ := strconv.Atoi(port)
	return Listener{Name: strings.ToUpper(name), Host: host, Port: n}, nil
}

// validHost accepts the characters Kafka's listener syntax allows: names,
// IPv4 and IPv6 literals (with zone), or nothing.
func validHost(h string) bool {
	for _, c := range h {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("-%._:", c):
		default:
			return false
		}
	}
	return true
}

// checkListenerSet rejects duplicate names and, when ports must differ,
// listeners sharing a non-zero port, unless they are one IPv4 and one IPv6
// literal as Kafka allows.
func checkListenerSet(key string, ls []Listener, distinctPorts bool) error {
	names := map[string]bool{}
	ports := map[int][]Listener{}
	for _, l := range ls {
		if names[l.Name] {
			return conflictf("%s: each listener must have a different name, %s is repeated", key, l.Name)
		}
		names[l.Name] = true
		if l.Port != 0 {
			ports[l.Port] = append(ports[l.Port], l)
		}
	}
	if !distinctPorts {
		return nil
	}
	for port, same := range ports {
		if len(same) > 1 && !oneIPv4OneIPv6(same) {
			return conflictf("%s: each listener must have a different port unless one is IPv4 and the other IPv6, port %d is repeated", key, port)
		}
	}
	return nil
}

func oneIPv4OneIPv6(ls []Listener) bool {
	if len(ls) != 2 {
		return false
	}
	a, b := net.ParseIP(ls[0].Host), net.ParseIP(ls[1].Host)
	if a == nil || b == nil {
		return false
	}
	return (a.To4() == nil) != (b.To4() == nil)
}

// parseProtocolMap parses NAME:PROTOCOL pairs; names are upper-cased.
func parseProtocolMap(s string) (map[string]SecurityProtocol, error) {
	m := map[string]SecurityProtocol{}
	for _, pair := range splitList(s) {
		name, proto, ok := strings.Cut(pair, ":")
		name, proto = strings.TrimSpace(name), strings.ToUpper(strings.TrimSpace(proto))
		if !ok || name == "" {
			return nil, fmt.Errorf("cannot parse %q as NAME:PROTOCOL", pair)
		}
		if oneOf(protocolNames...)(proto) != "" {
			return nil, fmt.Errorf("invalid security protocol %q for listener %s", proto, name)
		}
		m[strings.ToUpper(name)] = SecurityProtocol(proto)
	}
	return m, nil
}

// Voter is one id@host:port entry of controller.quorum.voters.
type Voter struct {
	ID   int32
	Host string
	Port int
}

// Addr is the voter's host:port.
func (v Voter) Addr() string { return net.JoinHostPort(v.Host, strconv.Itoa(v.Port)) }

func parseVoters(s string) ([]Voter, error) {
	var out []Voter
	seen := map[int32]bool{}
	for _, entry := range splitList(s) {
		v, err := parseVoter(entry)
		if err != nil {
			return nil, err
		}
		if seen[v.ID] {
			return nil, fmt.Errorf("voter id %d appears twice", v.ID)
		}
		seen[v.ID] = true
		out = append(out, v)
	}
	return out, nil
}

func parseVoter(entry string) (Voter, error) {
	bad := fmt.Errorf("cannot parse %q: each entry should be in the form {id}@{host}:{port}", entry)
	id, addr, ok := strings.Cut(entry, "@")
	if !ok {
		return Voter{}, bad
	}
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 32)
	if err != nil || n < 0 {
		return Voter{}, bad
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || !validHost(host) || !validPort(port) {
		return Voter{}, bad
	}
	p, _ := strconv.Atoi(port)
	return Voter{ID: int32(n), Host: host, Port: p}, nil
}

func parseBootstrapServers(s string) ([]string, error) {
	list := splitList(s)
	for _, e := range list {
		host, port, err := net.SplitHostPort(e)
		if err != nil || host == "" || !validHost(host) || !validPort(port) {
			return nil, fmt.Errorf("cannot parse %q as host:port", e)
		}
	}
	return list, nil
}

// parseIPOverrides parses max.connections.per.ip.overrides: host:count pairs.
func parseIPOverrides(s string) (map[string]int32, error) {
	m := map[string]int32{}
	for _, pair := range splitList(s) {
		i := strings.LastIndexByte(pair, ':')
		if i <= 0 {
			return nil, fmt.Errorf("cannot parse %q as host:count", pair)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(pair[i+1:]), 10, 32)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("cannot parse %q as host:count", pair)
		}
		m[strings.TrimSpace(pair[:i])] = int32(n)
	}
	return m, nil
}

// withProtocols sets each listener's protocol from the map.
func withProtocols(key string, ls []Listener, protocols map[string]SecurityProtocol) ([]Listener, error) {
	out := make([]Listener, len(ls))
	for i, l := range ls {
		p, ok := protocols[l.Name]
		if !ok {
			return nil, conflictf("%s: no security protocol defined for listener %s in listener.security.protocol.map", key, l.Name)
		}
		l.Protocol = p
		out[i] = l
	}
	return out, nil
}
