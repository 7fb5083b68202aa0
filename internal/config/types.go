package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Type is the type of a config value, numbered as DescribeConfigs (v3+)
// reports it in ConfigType.
type Type int8

// Config value types.
const (
	TypeUnknown  Type = 0
	TypeBoolean  Type = 1
	TypeString   Type = 2
	TypeInt      Type = 3
	TypeShort    Type = 4
	TypeLong     Type = 5
	TypeDouble   Type = 6
	TypeList     Type = 7
	TypeClass    Type = 8
	TypePassword Type = 9
)

var typeNames = [...]string{"UNKNOWN", "BOOLEAN", "STRING", "INT", "SHORT", "LONG", "DOUBLE", "LIST", "CLASS", "PASSWORD"}

func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("Type(%d)", int8(t))
	}
	return typeNames[t]
}

// Source says where a config value came from, numbered as Kafka's
// ConfigSource in DescribeConfigs responses.
type Source int8

// Config sources.
const (
	SourceUnknown                    Source = 0
	SourceDynamicTopicConfig         Source = 1
	SourceDynamicBrokerConfig        Source = 2
	SourceDynamicDefaultBrokerConfig Source = 3
	SourceStaticBrokerConfig         Source = 4
	SourceDefaultConfig              Source = 5
	SourceDynamicBrokerLoggerConfig  Source = 6
	SourceClientMetricsConfig        Source = 7
	SourceGroupConfig                Source = 8
)

var sourceNames = [...]string{
	"UNKNOWN", "DYNAMIC_TOPIC_CONFIG", "DYNAMIC_BROKER_CONFIG", "DYNAMIC_DEFAULT_BROKER_CONFIG",
	"STATIC_BROKER_CONFIG", "DEFAULT_CONFIG", "DYNAMIC_BROKER_LOGGER_CONFIG", "CLIENT_METRICS_CONFIG", "GROUP_CONFIG",
}

func (s Source) String() string {
	if s < 0 || int(s) >= len(sourceNames) {
		return fmt.Sprintf("Source(%d)", int8(s))
	}
	return sourceNames[s]
}

// UpdateMode says whether and where a broker key can be changed at runtime
// (IncrementalAlterConfigs on a BROKER resource).
type UpdateMode int8

// Update modes, as Kafka's documentation names them.
const (
	ReadOnly    UpdateMode = iota // only in server.properties
	PerBroker                     // dynamic, only for one named broker
	ClusterWide                   // dynamic, per broker or as the cluster default
)

func (m UpdateMode) String() string {
	switch m {
	case PerBroker:
		return "per-broker"
	case ClusterWide:
		return "cluster-wide"
	default:
		return "read-only"
	}
}

// Def defines one config key.
type Def struct {
	Name string
	Type Type
	// Default is the default value as a string; Null means there is none
	// (Kafka's null default), and Default is then ignored.
	Default string
	Null    bool
	Doc     string
	// Update is how a broker key may be changed at runtime; topic keys are
	// always dynamic.
	Update UpdateMode
	// Internal keys are not listed by DescribeConfigs unless they are set,
	// as with Kafka's internal and dynamic-only keys.
	Internal bool
	check    check
}

// Sensitive reports whether values of the key must never be returned.
func (d Def) Sensitive() bool { return d.Type == TypePassword }

// Check reports whether raw is a valid value of the key; the error names the
// key, the value and the problem.
func (d Def) Check(raw string) error {
	_, err := d.parse(raw)
	return err
}

// parse turns a raw string into the Go value of the key's type and checks it
// against the key's validator. The error names the key, the value and the
// problem.
func (d Def) parse(raw string) (any, error) {
	v, reason := parseType(d.Type, raw)
	if reason == "" && d.check != nil {
		reason = d.check(v)
	}
	if reason != "" {
		return nil, &InvalidValueError{Key: d.Name, Value: raw, Reason: reason}
	}
	return v, nil
}

// parseType parses raw as Kafka's ConfigDef does: surrounding white space is
// ignored, booleans are case-insensitive and lists are comma-separated.
// It returns a reason when raw is not of the type.
func parseType(t Type, raw string) (any, string) {
	s := strings.TrimSpace(raw)
	switch t {
	case TypeBoolean:
		switch {
		case strings.EqualFold(s, "true"):
			return true, ""
		case strings.EqualFold(s, "false"):
			return false, ""
		}
		return nil, "Expected value to be either true or false"
	case TypeShort:
		n, reason := parseInt(s, 16, "SHORT")
		return int16(n), reason
	case TypeInt:
		n, reason := parseInt(s, 32, "INT")
		return int32(n), reason
	case TypeLong:
		return parseInt(s, 64, "LONG")
	case TypeDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) {
			return nil, "Not a number of type DOUBLE"
		}
		return f, ""
	case TypeList:
		return splitList(s), ""
	default:
		return s, ""
	}
}

// parseInt parses a Kafka integer type; like Java's parsing, a value out of
// the type's range is "not a number" of it.
func parseInt(s string, bits int, kafkaType string) (int64, string) {
	n, err := strconv.ParseInt(s, 10, bits)
	if err == nil {
		return n, ""
	}
	return 0, "Not a number of type " + kafkaType
}

// splitList splits a comma-separated list, trimming each element and
// dropping empty ones.
func splitList(s string) []string {
	out := []string{}
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// format renders a parsed value the way Kafka's ConfigDef.convertToString
// does, so that described values read like Kafka's.
func format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return formatDouble(x)
	case []string:
		return strings.Join(x, ",")
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// formatDouble mimics Java's Double.toString: plain notation with at least
// one fractional digit between 1e-3 and 1e7, otherwise "d.dddE±n".
func formatDouble(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); f == 0 || (a >= 1e-3 && a < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}
