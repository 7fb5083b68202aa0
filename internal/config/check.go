package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// check validates a parsed value and returns the problem, or "" when the
// value is acceptable. These mirror Kafka's ConfigDef validators.
type check func(v any) string

// asInt64 widens the integer types; ok is false for anything else.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	}
	return 0, false
}

func atLeast(min int64) check {
	return func(v any) string {
		if n, ok := asInt64(v); ok && n < min {
			return fmt.Sprintf("Value must be at least %d", min)
		}
		return ""
	}
}

func between(min, max int64) check {
	return func(v any) string {
		n, ok := asInt64(v)
		switch {
		case ok && n < min:
			return fmt.Sprintf("Value must be at least %d", min)
		case ok && n > max:
			return fmt.Sprintf("Value must be no more than %d", max)
		}
		return ""
	}
}

func betweenDouble(min, max float64) check {
	return func(v any) string {
		f, ok := v.(float64)
		switch {
		case ok && f < min:
			return "Value must be at least " + formatDouble(min)
		case ok && f > max:
			return "Value must be no more than " + formatDouble(max)
		}
		return ""
	}
}

// oneOf accepts one of the given strings, case-sensitively as Kafka does.
func oneOf(valid ...string) check {
	return func(v any) string {
		s, _ := v.(string)
		for _, ok := range valid {
			if s == ok {
				return ""
			}
		}
		return "String must be one of: " + strings.Join(valid, ", ")
	}
}

// oneOfFold accepts one of the given strings in any case, as Kafka's
// CaseInsensitiveValidString.
func oneOfFold(valid ...string) check {
	return func(v any) string {
		s, _ := v.(string)
		for _, ok := range valid {
			if strings.EqualFold(s, ok) {
				return ""
			}
		}
		return "String must be one of (case insensitive): " + strings.Join(valid, ", ")
	}
}

// listOf accepts lists whose every element is one of the given strings.
func listOf(valid ...string) check {
	one := oneOf(valid...)
	return func(v any) string {
		list, _ := v.([]string)
		for _, e := range list {
			if one(e) != "" {
				return fmt.Sprintf("%q is not one of: %s", e, strings.Join(valid, ", "))
			}
		}
		return ""
	}
}

// gzipLevel accepts 1..9, or -1 for the codec's default.
func gzipLevel(v any) string {
	if n, _ := asInt64(v); n != -1 && (n < 1 || n > 9) {
		return "must be between 1 and 9, or -1"
	}
	return ""
}

// throttledReplicas accepts "*" or a list of partition:broker pairs.
func throttledReplicas(v any) string {
	list, _ := v.([]string)
	if len(list) == 1 && list[0] == "*" {
		return ""
	}
	for _, e := range list {
		p, b, ok := strings.Cut(e, ":")
		if !ok || !isInt(p) || !isInt(b) {
			return "must be * or a list of [partitionId]:[brokerId] pairs"
		}
	}
	return ""
}

func isInt(s string) bool {
	_, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	return err == nil
}

// hostPort accepts "" (disabled) or an address net.Listen understands.
func hostPort(v any) string {
	s, _ := v.(string)
	if s == "" {
		return ""
	}
	if _, port, err := net.SplitHostPort(s); err != nil || !validPort(port) {
		return "not a host:port address"
	}
	return ""
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 65535
}

// syntax adapts a parse function to a validator, so that bad listener or
// voter strings are reported when the value is read.
func syntax[T any](parse func(string) (T, error)) check {
	return func(v any) string {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case []string:
			s = strings.Join(x, ",")
		}
		if _, err := parse(s); err != nil {
			return err.Error()
		}
		return ""
	}
}
