// Package cleaner is Kafka's log cleaner: it compacts the logs of topics
// with cleanup.policy=compact (or compact,delete), keeping for each key
// only its latest record.
//
// A log has a clean section, already compacted, followed by a dirty
// section; the cleaner-offset-checkpoint file of each log directory keeps,
// per partition, the offset where the dirty section starts. The cleanable
// part of the dirty section ends at the first segment that may not be
// cleaned: the active segment, the one holding the last stable offset (the
// caller's bound), the first one with records newer than
// min.compaction.lag.ms, or, unlike Kafka, the one holding the log's
// recovery point (a record may go only once what supersedes it is on
// disk; segments are flushed as they roll).
//
// Each pass picks the dirtiest log (cleanable bytes over total bytes,
// above min.cleanable.dirty.ratio, or any log with records older than
// max.compaction.lag.ms), then:
//
//  1. builds an offset map, key hash -> latest offset, over the cleanable
//     dirty section, within its share of log.cleaner.dedupe.buffer.size; if
//     the section does not fit, a prefix of it is cleaned;
//  2. groups the segments from the start of the log to the end of the map
//     so that each group fits in one segment (segment.bytes,
//     segment.index.bytes, 31-bit relative offsets);
//  3. rewrites each group into a .cleaned segment, keeping a record when it
//     is its key's latest (or lies past the map), never reordering and
//     never changing offsets: a batch whose records all stay is copied
//     byte for byte, one that loses some is rebuilt with its base offset,
//     last offset, producer fields and codec, one that loses all goes,
//     unless it is its producer's last batch or ends the cleaned range (its
//     header then stays, empty);
//  4. swaps the cleaned segment in (storage.Log.ReplaceSegments), which is
//     crash-safe and atomic for readers; a group left with nothing is
//     removed, except the log's first segment;
//  5. records the end of the map as the new start of the dirty section.
//
// Tombstones (null values) follow KIP-534: the first cleaning that copies
// a batch holding tombstones stamps it with a delete horizon (now plus
// delete.retention.ms, in the batch's first timestamp, attribute bit 6); a
// later cleaning after the horizon drops them. Keyless records, which the
// produce path refuses on compacted topics, are dropped as Kafka drops
// them. Transaction markers are kept; aborted transactions are kept too,
// until transactions bring the transaction index.
//
// Cleaner runs log.cleaner.threads goroutines under its owner's context.
// AbortAndPause stops and holds off the cleaning of a partition about to
// be deleted or truncated. docs/CONCURRENCY.md lists the locks.
package cleaner
