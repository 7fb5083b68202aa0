package assignor

import (
	"errors"
	"fmt"
)

// Errors of this package. The caller maps them to Kafka error codes with
// errors.Is.
var (
	// ErrUnknownTopic means a member subscribes to a topic the
	// TopicDescriber does not know (Kafka's PartitionAssignorException,
	// which its coordinator answers as UNKNOWN_SERVER_ERROR). Kafka's
	// coordinator resolves subscriptions against the same metadata it
	// describes topics from, so this does not happen there.
	ErrUnknownTopic = errors.New("member subscribed to an unknown topic")
	// ErrUnsupportedAssignor means an assignor name is not configured.
	// UNSUPPORTED_ASSIGNOR (112). The error is an *UnsupportedAssignorError
	// whose message is Kafka's.
	ErrUnsupportedAssignor = errors.New("unsupported assignor")
	// ErrInvalidRegularExpression means a SubscribedTopicRegex does not
	// compile. INVALID_REGULAR_EXPRESSION (128). The error is a *RegexError
	// whose message is Kafka's.
	ErrInvalidRegularExpression = errors.New("invalid regular expression")
)

// partitionCount returns the topic's partition count, or an error matching
// ErrUnknownTopic if the describer does not know it (or gives a negative
// count).
func partitionCount(topics TopicDescriber, id TopicID) (int, error) {
	n, ok := topics.NumPartitions(id)
	if !ok || n < 0 {
		return 0, fmt.Errorf("%w: %s", ErrUnknownTopic, id)
	}
	return n, nil
}

// RegexError is the error of a regular expression that does not compile.
// It matches ErrInvalidRegularExpression.
type RegexError struct {
	// Expr is the regular expression as given.
	Expr string
	// Description says what is wrong, in RE2/J's (and Go's) words, such as
	// "missing closing )".
	Description string
}

// Error returns the message Kafka's coordinator answers with.
func (e *RegexError) Error() string {
	return fmt.Sprintf("SubscribedTopicRegex `%s` is not a valid regular expression: %s.", e.Expr, e.Description)
}

// Is makes errors.Is(err, ErrInvalidRegularExpression) true.
func (e *RegexError) Is(target error) bool {
	return target == ErrInvalidRegularExpression
}
