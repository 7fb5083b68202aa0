package partition

import "errors"

// Errors a partition returns besides those of record (validation),
// producerstate (sequences) and storage (offsets out of range, I/O); the
// api layer maps each to a Kafka error code.
var (
	// ErrNotLeader: this broker does not lead the partition (NOT_LEADER_OR_FOLLOWER).
	ErrNotLeader = errors.New("this broker is not the partition's leader")
	// ErrFencedLeaderEpoch: the client's leader epoch is older than ours (FENCED_LEADER_EPOCH).
	ErrFencedLeaderEpoch = errors.New("the request's leader epoch is older than the partition's")
	// ErrUnknownLeaderEpoch: the client's leader epoch is newer than ours (UNKNOWN_LEADER_EPOCH).
	ErrUnknownLeaderEpoch = errors.New("the request's leader epoch is newer than the partition's")
	// ErrNotEnoughReplicas: acks=all with fewer in-sync replicas than min.insync.replicas.
	ErrNotEnoughReplicas = errors.New("fewer in-sync replicas than min.insync.replicas")
	// ErrOffsetNotAvailable: the high watermark is not known yet (after a leader change).
	ErrOffsetNotAvailable = errors.New("offset not available")
	// ErrInvalidOffset: a DeleteRecords offset beyond the high watermark.
	ErrInvalidOffset = errors.New("offset is beyond the high watermark")
)
