package config

import (
	"math"
	"reflect"
	"testing"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		typ    Type
		raw    string
		want   any
		reason string
	}{
		{TypeBoolean, "true", true, ""},
		{TypeBoolean, " FALSE ", false, ""},
		{TypeBoolean, "True", true, ""},
		{TypeBoolean, "yes", nil, "Expected value to be either true or false"},
		{TypeBoolean, "", nil, "Expected value to be either true or false"},
		{TypeShort, "3", int16(3), ""},
		{TypeShort, "40000", int16(0), "Not a number of type SHORT"},
		{TypeInt, " 42 ", int32(42), ""},
		{TypeInt, "-1", int32(-1), ""},
		{TypeInt, "+7", int32(7), ""},
		{TypeInt, "abc", int32(0), "Not a number of type INT"},
		{TypeInt, "1.5", int32(0), "Not a number of type INT"},
		{TypeInt, "1_000", int32(0), "Not a number of type INT"},
		{TypeInt, "2147483648", int32(0), "Not a number of type INT"},
		{TypeLong, "9223372036854775807", int64(math.MaxInt64), ""},
		{TypeLong, "9223372036854775808", int64(0), "Not a number of type LONG"},
		{TypeLong, "", int64(0), "Not a number of type LONG"},
		{TypeDouble, "0.5", 0.5, ""},
		{TypeDouble, "1e3", 1000.0, ""},
		{TypeDouble, "1.7976931348623157E308", math.MaxFloat64, ""},
		{TypeDouble, "NaN", nil, "Not a number of type DOUBLE"},
		{TypeDouble, "half", nil, "Not a number of type DOUBLE"},
		{TypeList, "compact, delete", []string{"compact", "delete"}, ""},
		{TypeList, " a ,, b ,", []string{"a", "b"}, ""},
		{TypeList, "", []string{}, ""},
		{TypeString, "  CreateTime ", "CreateTime", ""},
		{TypePassword, "secret", "secret", ""},
	}
	for _, tt := range tests {
		got, reason := parseType(tt.typ, tt.raw)
		if reason != tt.reason {
			t.Errorf("parseType(%v, %q) reason = %q, want %q", tt.typ, tt.raw, reason, tt.reason)
			continue
		}
		if reason == "" && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseType(%v, %q) = %#v, want %#v", tt.typ, tt.raw, got, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{true, "true"},
		{int16(3), "3"},
		{int32(-1), "-1"},
		{int64(math.MaxInt64), "9223372036854775807"},
		{0.5, "0.5"},
		{1.0, "1.0"},
		{0.0, "0.0"},
		{0.9, "0.9"},
		{1234567.5, "1234567.5"},
		{1e7, "1.0E7"},
		{0.0001, "1.0E-4"},
		{math.MaxFloat64, "1.7976931348623157E308"},
		{-2.5e-5, "-2.5E-5"},
		{[]string{"compact", "delete"}, "compact,delete"},
		{[]string{}, ""},
		{"x", "x"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := format(tt.v); got != tt.want {
			t.Errorf("format(%#v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestEnumNames(t *testing.T) {
	if TypeList.String() != "LIST" || TypePassword.String() != "PASSWORD" || Type(42).String() != "Type(42)" {
		t.Error("Type names are wrong")
	}
	if SourceStaticBrokerConfig.String() != "STATIC_BROKER_CONFIG" || SourceGroupConfig != 8 {
		t.Error("Source names or numbers are wrong")
	}
	if ClusterWide.String() != "cluster-wide" || PerBroker.String() != "per-broker" || ReadOnly.String() != "read-only" {
		t.Error("UpdateMode names are wrong")
	}
	if OpSubtract.String() != "SUBTRACT" || OpAppend != 2 || OpDelete != 1 {
		t.Error("OpType names or numbers are wrong")
	}
}

func TestValidators(t *testing.T) {
	tests := []struct {
		name   string
		check  check
		v      any
		reason string
	}{
		{"atLeast ok", atLeast(1), int32(1), ""},
		{"atLeast low", atLeast(1), int64(0), "Value must be at least 1"},
		{"between ok", between(1, 17), int32(17), ""},
		{"between high", between(1, 17), int32(18), "Value must be no more than 17"},
		{"ratio", betweenDouble(0, 1), 1.5, "Value must be no more than 1.0"},
		{"oneOf", oneOf("CreateTime", "LogAppendTime"), "createtime", "String must be one of: CreateTime, LogAppendTime"},
		{"listOf", listOf("compact", "delete"), []string{"compact", "foo"}, `"foo" is not one of: compact, delete`},
		{"listOf empty", listOf("compact", "delete"), []string{}, ""},
		{"gzip default", gzipLevel, int32(-1), ""},
		{"gzip zero", gzipLevel, int32(0), "must be between 1 and 9, or -1"},
		{"throttled star", throttledReplicas, []string{"*"}, ""},
		{"throttled pairs", throttledReplicas, []string{"0:1", "1:2"}, ""},
		{"throttled bad", throttledReplicas, []string{"0-1"}, "must be * or a list of [partitionId]:[brokerId] pairs"},
		{"throttled star in list", throttledReplicas, []string{"*", "0:1"}, "must be * or a list of [partitionId]:[brokerId] pairs"},
		{"hostPort empty", hostPort, "", ""},
		{"hostPort ok", hostPort, "127.0.0.1:9644", ""},
		{"hostPort bad", hostPort, "9644", "not a host:port address"},
	}
	for _, tt := range tests {
		if got := tt.check(tt.v); got != tt.reason {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.reason)
		}
	}
}
