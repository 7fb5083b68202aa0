package record

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors for the outcomes a Kafka client must see as error codes.
// Errors returned by this package wrap one of them with detail; the api layer
// maps them with errors.Is (the code each maps to is noted).
var (
	// ErrCorruptMessage means the bytes are damaged: bad CRC, bad framing or
	// an unknown magic. CORRUPT_MESSAGE (2), which clients retry.
	ErrCorruptMessage = errors.New("corrupt message")
	// ErrInvalidRecord means the batch is well framed but breaks a rule of
	// the format or of the topic. INVALID_RECORD (87), not retried.
	ErrInvalidRecord = errors.New("invalid record")
	// ErrMessageTooLarge means the batch exceeds max.message.bytes, or its
	// records decompress to more than the configured bound.
	// MESSAGE_TOO_LARGE (10); the Java producer splits the batch and retries.
	ErrMessageTooLarge = errors.New("message too large")
	// ErrInvalidTimestamp means a record's timestamp is outside the topic's
	// accepted window, or the producer claimed LogAppendTime.
	// INVALID_TIMESTAMP (32).
	ErrInvalidTimestamp = errors.New("invalid timestamp")
	// ErrUnsupportedCompression means the codec bits name no known codec, or
	// one the request version may not use. UNSUPPORTED_COMPRESSION_TYPE (76).
	ErrUnsupportedCompression = errors.New("unsupported compression type")
)

// RecordError is a problem with one record of a batch, as Produce v8+
// reports it (batch_index, batch_index_error_message).
type RecordError struct {
	Index   int32
	Message string
}

// RecordErrors is returned when individual records break a topic rule (a
// missing key on a compacted topic, a timestamp out of range). Kafka answers
// such a batch with the partition error Unwrap gives, every RecordError, and
// Error() as the partition's error_message; other validation failures carry
// no message and no record errors.
type RecordErrors struct {
	Err     error // ErrInvalidTimestamp if any record's timestamp is bad, else ErrInvalidRecord
	Records []RecordError
}

// Error is the text Kafka puts in the produce response's error_message.
func (e *RecordErrors) Error() string {
	if errors.Is(e.Err, ErrInvalidTimestamp) {
		return "One or more records have been rejected due to invalid timestamp"
	}
	shown := e.Records[:min(len(e.Records), 3)]
	parts := make([]string, len(shown))
	for i, r := range shown {
		parts[i] = fmt.Sprintf("RecordError(batchIndex=%d, message='%s')", r.Index, r.Message)
	}
	return fmt.Sprintf("One or more records have been rejected due to %d record errors in total, "+
		"and only showing the first three errors at most: [%s]", len(e.Records), strings.Join(parts, ", "))
}

func (e *RecordErrors) Unwrap() error { return e.Err }

// recordErrorsBuilder collects per-record problems without allocating
// until the first one.
type recordErrorsBuilder struct {
	records   []RecordError
	timestamp bool
}

func (b *recordErrorsBuilder) add(index int32, timestamp bool, msg string) {
	b.records = append(b.records, RecordError{Index: index, Message: msg})
	b.timestamp = b.timestamp || timestamp
}

func (b *recordErrorsBuilder) err() error {
	if len(b.records) == 0 {
		return nil
	}
	e := &RecordErrors{Err: ErrInvalidRecord, Records: b.records}
	if b.timestamp {
		e.Err = ErrInvalidTimestamp
	}
	return e
}
