package config

import (
	"fmt"
	"strings"
)

// InvalidValueError is a value that does not parse as its key's type or that
// its key's validator rejects.
type InvalidValueError struct {
	Key    string
	Value  string
	Reason string
}

func (e *InvalidValueError) Error() string {
	return fmt.Sprintf("Invalid value %s for configuration %s: %s", e.Value, e.Key, e.Reason)
}

// UnknownKeyError is a key that is not a topic config, or not a broker config.
type UnknownKeyError struct {
	Key   string
	Topic bool
}

func (e *UnknownKeyError) Error() string {
	if e.Topic {
		return "Unknown topic config name: " + e.Key
	}
	return "Unknown broker config name: " + e.Key
}

// ReadOnlyError lists broker keys that cannot be changed at runtime.
type ReadOnlyError struct{ Keys []string }

func (e *ReadOnlyError) Error() string {
	return "Cannot update these configs dynamically: Set(" + strings.Join(e.Keys, ", ") + ")"
}

// PerBrokerOnlyError lists broker keys that can be changed only for a named
// broker, not as the cluster-wide default.
type PerBrokerOnlyError struct{ Keys []string }

func (e *PerBrokerOnlyError) Error() string {
	return "Cannot update these configs at default cluster level, broker id must be specified: Set(" +
		strings.Join(e.Keys, ", ") + ")"
}

// ConflictError is a combination of keys that cannot hold together (it does
// not belong to one key's value).
type ConflictError struct{ Reason string }

func (e *ConflictError) Error() string { return e.Reason }

func conflictf(format string, args ...any) error {
	return &ConflictError{Reason: fmt.Sprintf(format, args...)}
}
