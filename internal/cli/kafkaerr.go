package cli

import (
	"context"
	"errors"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
)

// brokerError is an error code a broker answered with, and the message it
// sent along, if any. Kafka's tools print the message when there is one and
// the error's description otherwise.
type brokerError struct {
	err *kerr.Error
	msg string
}

// codeErr returns the error for a response's error code and message, or nil
// for code 0.
func codeErr(code int16, msg *string) error {
	if code == 0 {
		return nil
	}
	e := &brokerError{err: kerr.TypedErrorForCode(code)}
	if e.err == nil {
		e.err = &kerr.Error{Message: "UNKNOWN", Code: code, Description: "Unknown error code."}
	}
	if msg != nil {
		e.msg = *msg
	}
	return e
}

func (e *brokerError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	return e.err.Description
}

func (e *brokerError) Unwrap() error { return e.err }

// errMessage is what Kafka's Throwable#getMessage would say for err.
func errMessage(err error) string {
	var be *brokerError
	var ke *kerr.Error
	switch {
	case errors.As(err, &be):
		return be.Error()
	case errors.As(err, &ke):
		return ke.Description
	case errors.Is(err, context.DeadlineExceeded):
		return "Timed out waiting for a response from the cluster (default.api.timeout.ms)."
	case errors.Is(err, context.Canceled):
		return "Interrupted."
	}
	return err.Error()
}

// exceptionString is how a Java stack trace's first line would show err:
// "org.apache.kafka.common.errors.TopicExistsException: Topic ... exists.".
func exceptionString(err error) string {
	return javaException(err) + ": " + errMessage(err)
}

// javaException names the Java exception Kafka's clients raise for err.
func javaException(err error) string {
	const pkg = "org.apache.kafka.common.errors."
	var ke *kerr.Error
	switch {
	case errors.As(err, &ke):
		return pkg + exceptionClass(ke.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return pkg + "TimeoutException"
	case errors.Is(err, context.Canceled):
		return pkg + "InterruptException"
	}
	return "org.apache.kafka.common.KafkaException"
}

// exceptionClass maps a Kafka error name (TOPIC_ALREADY_EXISTS) to its
// exception class (TopicExistsException). Most follow the name; the table
// holds those that do not.
func exceptionClass(name string) string {
	switch name {
	case "TOPIC_ALREADY_EXISTS":
		return "TopicExistsException"
	case "INVALID_TOPIC_EXCEPTION":
		return "InvalidTopicException"
	case "INVALID_CONFIG":
		return "InvalidConfigurationException"
	case "REQUEST_TIMED_OUT":
		return "TimeoutException"
	case "UNKNOWN_SERVER_ERROR":
		return "UnknownServerException"
	case "CORRUPT_MESSAGE":
		return "CorruptRecordException"
	case "MESSAGE_TOO_LARGE":
		return "RecordTooLargeException"
	case "KAFKA_STORAGE_ERROR":
		return "KafkaStorageException"
	case "TOPIC_AUTHORIZATION_FAILED":
		return "TopicAuthorizationException"
	case "GROUP_AUTHORIZATION_FAILED":
		return "GroupAuthorizationException"
	case "CLUSTER_AUTHORIZATION_FAILED":
		return "ClusterAuthorizationException"
	case "TRANSACTIONAL_ID_AUTHORIZATION_FAILED":
		return "TransactionalIdAuthorizationException"
	case "SASL_AUTHENTICATION_FAILED":
		return "SaslAuthenticationException"
	}
	var b strings.Builder
	for _, word := range strings.Split(strings.ToLower(name), "_") {
		if word != "" {
			b.WriteString(strings.ToUpper(word[:1]) + word[1:])
		}
	}
	b.WriteString("Exception")
	return b.String()
}
