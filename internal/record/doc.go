// Package record reads, validates and rewrites Kafka record batches (magic
// v2), the unit in which producers send data, the log stores it and
// consumers receive it.
//
// A Batch is a view over the batch's own bytes: nothing is decoded until a
// field is asked for, so the produce path can check a batch and patch its
// base offset without copying it. The format is written down in
// docs/format/record-batch.md.
package record
