package storage

import (
	"errors"
	"fmt"
)

// ErrOffsetOutOfRange is matched (errors.Is) by every OffsetOutOfRangeError;
// the API layer maps it to OFFSET_OUT_OF_RANGE.
var ErrOffsetOutOfRange = errors.New("offset out of range")

// ErrClosed is returned by every operation on a closed log.
var ErrClosed = errors.New("log is closed")

// ErrBatchTooLarge means a batch is larger than segment.bytes and could never
// fit in a segment (Kafka's RECORD_BATCH_TOO_LARGE).
var ErrBatchTooLarge = errors.New("record batch is larger than the segment size")

// OffsetOutOfRangeError reports an offset outside [LogStart, LogEnd].
type OffsetOutOfRangeError struct {
	Offset, LogStart, LogEnd int64
}

func (e *OffsetOutOfRangeError) Error() string {
	return fmt.Sprintf("offset %d is outside the log's range [%d, %d]", e.Offset, e.LogStart, e.LogEnd)
}

func (e *OffsetOutOfRangeError) Is(target error) bool { return target == ErrOffsetOutOfRange }

// UnexpectedOffsetError means an appended batch's base offset is not the log
// end offset; the caller assigns offsets, so this is a bug or a race above.
type UnexpectedOffsetError struct {
	Expected, Got int64
}

func (e *UnexpectedOffsetError) Error() string {
	return fmt.Sprintf("batch base offset %d is not the log end offset %d", e.Got, e.Expected)
}

// CorruptionError reports bytes on disk that cannot be what this package
// wrote: a file and the byte position in it where the damage starts.
type CorruptionError struct {
	File string
	Pos  int64
	Err  error
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("corruption in %s at byte %d: %v", e.File, e.Pos, e.Err)
}

func (e *CorruptionError) Unwrap() error { return e.Err }
