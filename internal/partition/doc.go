// Package partition is one partition replica hosted by this broker: its log,
// its idempotent-producer state, its leader epoch and its high watermark.
//
// The produce path validates a batch outside any lock (CRC, record checks,
// re-compression are the expensive part), then under the partition lock
// checks producer sequences, assigns offsets, appends and advances the high
// watermark, so batches land in the order their requests were handled.
// Readers never take the partition lock: they read the high watermark's
// position atomically and read the log positionally.
//
// Fetch long-polls wait on a Waiter that every append notifies.
package partition
