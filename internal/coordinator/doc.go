// Package coordinator runs coordinator state machines over the partitions
// of an internal topic (__consumer_offsets for groups, later
// __transaction_state): one shard per partition this broker leads, each
// driven by one goroutine.
//
// A shard is a pure state machine (package group implements one). For each
// request or timer tick it returns records and replies. The runtime appends
// the records to the shard's partition, waits until they are committed,
// replays them into the shard, and only then sends the replies, so that no
// client is ever told of state that is not in the log. On gaining a
// partition the runtime rebuilds the shard by replaying the partition from
// its start; until then requests get COORDINATOR_LOAD_IN_PROGRESS, and
// requests for partitions this broker does not lead get NOT_COORDINATOR.
package coordinator
