// Package coordinator runs coordinator state machines over the partitions
// of an internal topic (__consumer_offsets for groups, later
// __transaction_state): one shard per partition this broker leads, each
// driven by one goroutine, for one leader epoch.
//
// A shard is a pure state machine (package group implements one). For each
// request or timer tick it returns records and replies. The runtime appends
// the records to the shard's partition (acks=all, fenced to the shard's
// leader epoch), waits until the high watermark passes them, replays them
// into the shard, and only then sends the replies, so that no client is
// ever told of state that is not committed. On gaining a partition, or the
// same partition in a new leader epoch, the runtime rebuilds the shard by
// replaying the partition from its start to its log end, and serves once
// the high watermark has passed all of it; until then requests get
// COORDINATOR_LOAD_IN_PROGRESS. Requests for partitions this broker does
// not lead, and writes that find leadership gone, get NOT_COORDINATOR;
// writes the ISR does not take in time get COORDINATOR_NOT_AVAILABLE.
package coordinator
