// Package producerstate keeps the idempotent and transactional producer
// state of one partition, as Kafka's ProducerStateManager does: for each
// producer id its epoch, its last five data batches (sequences, offsets,
// timestamp), its last timestamp, the coordinator epoch of its last
// transaction marker and the first offset of its open transaction.
//
// # Produce path
//
// Under the partition lock, for a batch from a client:
//
//	dup, err := st.Check(b)  // nothing changes
//	// err != nil: answer with the error's code, append nothing
//	// dup != nil: append nothing; answer NONE with base offset
//	//             dup.FirstOffset and log_append_time dup.MaxTimestamp
//	//             (Kafka does so whatever the timestamp type); acks=all
//	//             waits for the high watermark to pass dup.LastOffset
//	// otherwise: assign offsets, append to the log, then
//	st.Append(b)
//
// Followers call Append for every replicated batch and never Check.
//
// # Errors and Kafka codes
//
// The api layer maps Check's errors with errors.Is:
//
//	ErrInvalidProducerEpoch  INVALID_PRODUCER_EPOCH (47)
//	ErrOutOfOrderSequence    OUT_OF_ORDER_SEQUENCE_NUMBER (45)
//	ErrInvalidTxnState       INVALID_TXN_STATE (48)
//
// A duplicate is not an error: Kafka answers NONE with the first batch's
// offsets. There is no UNKNOWN_PRODUCER_ID (59): since KIP-360 (Kafka 2.5)
// a partition accepts any sequence from a producer it has no state for
// (never seen, expired, or all its batches removed by retention), because
// the producer cannot tell; Kafka 4.x brokers never return it from Produce.
//
// # Sequence rules (Kafka 4.x)
//
// For a batch of producer p with epoch e and sequences [first, last]:
//
//  1. p unknown (or its epoch unknown): accepted, whatever first is.
//  2. e equals p's epoch and [first, last] equals one of p's last five
//     batches: duplicate.
//  3. e below p's epoch: ErrInvalidProducerEpoch.
//  4. e above p's epoch: first must be 0, else ErrOutOfOrderSequence.
//  5. e equals p's epoch: first must follow p's last sequence
//     (MaxInt32 is followed by 0; with no batch in this epoch, only 0
//     follows), else ErrOutOfOrderSequence. A retry older than the last
//     five therefore fails this rule.
//  6. p has an open transaction and the batch is not transactional:
//     ErrInvalidTxnState.
//
// # Expiry
//
// RemoveExpired, called every producer.id.expiration.check.interval.ms
// (default 600000), forgets producers idle for producer.id.expiration.ms
// (default 86400000) measured from their last batch's max timestamp, unless
// a transaction is open. Check does not look at time.
//
// # Snapshots and rebuild
//
// A snapshot holds the state after every batch below an offset, in
// <20-digit offset>.snapshot in the partition directory
// (docs/format/producer-snapshot.md). The partition writes one when it
// rolls a segment (at the new segment's base offset) and when it closes,
// and deletes those below the log start offset as it moves
// (DeleteSnapshotsBefore). On open, Rebuild loads the newest usable
// snapshot at or below the log end and replays the batches after it
// through Append; on truncation, TruncateTo does the same to the new end.
//
// Writing a snapshot fsyncs, so under the partition lock take only
// MarshalSnapshot, and write it with WriteSnapshotFile after unlocking.
//
// # Concurrency
//
// A State is not safe for concurrent use: the partition's lock guards it.
// Apart from the snapshot and rebuild functions, which say that they do
// I/O, it neither does I/O nor reads a clock; callers pass now in.
//
// # Transactions
//
// Transactional batches open a transaction (its first offset is kept) and
// control batches close it and may bump the epoch. Decoding markers
// (commit or abort, coordinator epoch), ongoing transactions ordered by
// first offset, the last stable offset and the checks Kafka makes on
// markers (coordinator epoch, transaction verification) come with the
// transactions work; the per-producer fields they need are already kept
// and snapshotted.
package producerstate
