package controller

import (
	"maps"
	"slices"
	"strings"
)

// Topic names Kafka treats specially.
const (
	MetadataTopic         = "__cluster_metadata"
	ConsumerOffsetsTopic  = "__consumer_offsets"
	TransactionStateTopic = "__transaction_state"
	ShareGroupStateTopic  = "__share_group_state"
	maxTopicNameLength    = 249
)

// IsInternalTopic reports whether Kafka marks the topic internal in
// Metadata responses.
func IsInternalTopic(name string) bool {
	return name == ConsumerOffsetsTopic || name == TransactionStateTopic || name == ShareGroupStateTopic
}

// ValidateTopicName applies Kafka's topic name rules (Topic.validate): the
// error is an *Error of kind ErrInvalidTopic with Kafka's message.
func ValidateTopicName(name string) error { return validateTopicName(name) }

// validateTopicName applies Kafka's topic name rules, with Kafka's messages.
func validateTopicName(name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "the empty string is not allowed"
	case name == ".":
		reason = "'.' is not allowed"
	case name == "..":
		reason = "'..' is not allowed"
	case len(name) > maxTopicNameLength:
		reason = "the length of '" + name + "' is longer than the max allowed length 249"
	case strings.IndexFunc(name, func(r rune) bool { return !legalTopicRune(r) }) >= 0:
		reason = "'" + name + "' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
	default:
		return nil
	}
	return newError(ErrInvalidTopic, "Topic name is invalid: %s", reason)
}

func legalTopicRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// collisionKey is the name under which topics whose names differ only by
// '.' versus '_' collide: Kafka's metric names cannot tell them apart.
func collisionKey(name string) string { return strings.ReplaceAll(name, ".", "_") }

func hasCollisionChars(name string) bool { return strings.ContainsAny(name, "._") }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func cloneMap(m map[string]string) map[string]string {
	c := maps.Clone(m)
	if c == nil {
		c = map[string]string{}
	}
	return c
}
