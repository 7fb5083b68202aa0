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
// Replication (leader.go, follower.go, isr.go) is Kafka's: the leader
// records each follower's fetches, advances the high watermark over the
// maximal ISR, and proposes ISR changes (one in flight) for someone else to
// send to the controller; it answers followers whose log diverges with
// DivergingEpoch. As a follower the partition appends the leader's batches
// as they are and truncates where told.
//
// Consumer fetches and acks=all produces wait on a Waiter woken when the high
// watermark moves; follower fetches on one woken by every append.
package partition
