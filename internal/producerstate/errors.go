package producerstate

import (
	"errors"
	"fmt"
)

// Errors Check returns, wrapped with the producer id and the numbers that
// failed. Each answers the producer with one Kafka error code; see doc.go.
var (
	// ErrInvalidProducerEpoch means the batch's epoch is older than the
	// producer's current epoch: a zombie instance was fenced.
	ErrInvalidProducerEpoch = errors.New("producer epoch is older than the current epoch")
	// ErrOutOfOrderSequence means the batch's first sequence does not follow
	// the producer's last one, or a new epoch does not start at 0.
	ErrOutOfOrderSequence = errors.New("out of order sequence number")
	// ErrInvalidTxnState means a producer with an open transaction sent a
	// non-transactional batch.
	ErrInvalidTxnState = errors.New("non-transactional batch inside an open transaction")
)

// CorruptSnapshotError reports a snapshot file that cannot be used. Pos is
// the byte position where reading failed.
type CorruptSnapshotError struct {
	Path   string
	Pos    int
	Reason string
}

func (e *CorruptSnapshotError) Error() string {
	return fmt.Sprintf("corrupt producer snapshot %s at byte %d: %s", e.Path, e.Pos, e.Reason)
}
