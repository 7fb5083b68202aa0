// Package storage keeps partition logs on disk in Apache Kafka's layout.
//
// A partition directory <log.dirs>/<topic>-<partition>/ holds segments: a
// <20-digit base offset>.log file of record batches stored back to back
// exactly as they were appended, a sparse .index (relative offset -> file
// position) and a .timeindex (max timestamp so far -> relative offset).
// Next to them live leader-epoch-checkpoint and partition.metadata. The log
// directory itself holds recovery-point-offset-checkpoint,
// replication-offset-checkpoint, log-start-offset-checkpoint, meta.properties
// and the .kafka_cleanshutdown marker. docs/format/log-segment.md,
// docs/format/index.md and docs/format/checkpoints.md describe every file.
//
// Log is one partition's log. Append writes a validated batch with one
// positional write; only the .log file is written on that path, because the
// active segment keeps its index entries in memory and writes the index files
// when it rolls or the log closes. Reads are positional (pread, sendfile with
// an explicit offset) and hand out FileSlices that hold a reference on the
// segment file, so a segment deleted by retention while a fetch is being
// written stays readable until the slice is released.
//
// Files are opened lazily: opening a log lists its directory and reads the
// last segment's index and tail to find the log end offset, but keeps no file
// open; a log that is never read or written holds no file descriptor.
//
// Durability is the caller's choice, as in Kafka: appends are not fsynced.
// Append reports when the flush policy (flush.messages, flush.ms, a roll)
// asks for a flush, and FlushUpTo fsyncs without holding any lock that
// appends or reads need. After an unclean stop, Open re-validates every batch
// from the recovery point on and truncates the torn tail.
//
// The log cleaner (package cleaner) reads inactive segments through
// SegmentRefs (InactiveSegments), writes a CleanedSegment and swaps it in
// with ReplaceSegments: crash-safe (.cleaned, .swap, .deleted, recovered
// by Open) and atomic for readers.
//
// LogDir manages one log directory: its marker and checkpoint files and the
// partition logs found in it, opened on first use. Higher layers own
// partitions, replicas and high watermarks.
package storage
