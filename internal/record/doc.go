// Package record reads, validates and rewrites Kafka record batches (magic
// v2), the unit in which producers send data, the log stores it and
// consumers receive it.
//
// A Batch is a view over the batch's own bytes: nothing is decoded until a
// field is asked for, so the produce path can check a batch and patch its
// base offset without copying it. The format is written down in
// docs/format/record-batch.md.
//
// The parts:
//
//   - Validate checks one partition's records from a Produce request the
//     way Kafka's broker does and returns the batch, in place. Its errors
//     wrap the sentinels in errors.go (one per Kafka error code);
//     *RecordErrors carries per-record problems for Produce v8+.
//   - Reader steps through a batch's records, decompressing as it goes,
//     with a bound on the decompressed size.
//   - Builder makes batches from records; Recompress changes a batch's codec.
//   - Compress and Decompress apply the four codecs in the forms Kafka
//     clients write (snappy in xerial framing, LZ4 frames with independent
//     blocks), with pooled encoders and decoders.
package record
