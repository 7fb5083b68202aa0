// Package group is the group coordinator's state for one partition of
// __consumer_offsets (a shard), as a pure state machine: Apache Kafka 4.x's
// GroupMetadataManager and OffsetMetadataManager for the classic rebalance
// protocol, KIP-848 consumer groups and committed offsets. It implements coordinator.Shard; package
// coordinator runs it.
//
// # Driving a shard
//
// The runtime owns one Shard per partition it leads and calls it from one
// goroutine:
//
//	s := group.NewShard(cfg, partition)
//	for each record of the partition, in order: s.Replay(offset, key, value)
//	then, for each request, timer tick and cancellation:
//	    out := s.Handle(now, req)   // or s.Tick(now), s.Cancel(id)
//	    append out.Records to the partition, wait until committed,
//	    s.Replay each of them, then send out.Replies
//	    sleep until s.NextDeadline(), then s.Tick(now)
//
// The shard relies on that order: the records of an Output are replayed
// before the next Handle, Tick or Cancel. If a write fails, the shard holds
// decisions the log does not, and must be dropped and rebuilt from the
// log (the runtime does so).
//
// A request is any group API routed here by its group id
// (coordinator.PartitionFor): JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
// ConsumerGroupHeartbeat, OffsetCommit, OffsetDelete and single-group
// OffsetFetch (v0-v7) go to the group's shard; DescribeGroups,
// ConsumerGroupDescribe, DeleteGroups and OffsetFetch v8+ may
// name groups of several shards, and the api layer sends each shard the
// groups it coordinates and merges the answers in request order;
// ListGroups goes to every shard and the groups are concatenated. Each
// request gets exactly one Reply, in the Output of the call that took it or
// of a later one: a JoinGroup waits for the end of the join phase, a
// follower's SyncGroup for the leader's assignment. Cancel drops the reply
// of such a parked request (its client went away) and nothing else, as
// Kafka, which cannot see the connection close, goes on counting the
// member as joined.
//
// NextDeadline returns a zero time while the shard has not yet started
// the sessions of the members it loaded: the first Tick (or Handle) starts
// them, with now as the start of their session timeout, as Kafka does when
// a coordinator takes over a partition.
//
// # What is durable
//
// Committed offsets and the state of groups that Kafka writes down change
// only when their records are replayed: an OffsetCommit's offsets, the
// leader's assignment (the group becomes Stable when the GroupMetadata
// record of its SyncGroup is replayed), the new member id of a static
// member rejoining a stable group, and the deletion of groups and offsets.
// The join phase of a rebalance is not written down, in Kafka as here:
// members joining and leaving, the generation and protocol chosen and the
// leader elected when the join phase ends live in memory until the
// assignment is written, and a shard rebuilt from the log comes back with
// the last written generation, Stable with its members and assignments (or
// Empty). Clients that saw a newer generation then get ILLEGAL_GENERATION
// or UNKNOWN_MEMBER_ID and rejoin. So a rebuilt shard answers OffsetFetch,
// DescribeGroups and ListGroups exactly as the shard it replaces did for
// every group that was not in the middle of a rebalance.
//
// The records are Kafka's own (docs/format/consumer-offsets.md):
// OffsetCommitKey v1 with OffsetCommitValue v3 (v1 when a v2-v4 commit
// asked for its own retention), GroupMetadataKey v2 with GroupMetadataValue
// v3, and tombstones; every older value version replays.
//
// # Group types
//
// Groups are kept by id with a type behind the group interface (group.go),
// which the shared parts use: offsets (offsets.go, offset_*.go), listing
// (describe.go), deletion (delete.go) and expiry (expiry.go). The classic
// protocol is in classic_*.go, KIP-848 consumer groups in consumer_*.go.
//
// # Consumer groups
//
// A consumer group (ConsumerGroupHeartbeat, ConsumerGroupDescribe, member
// epochs in OffsetCommit v9+ and OffsetFetch v9+) is all durable: each
// piece of it (the group epoch and metadata hash, a member's subscription,
// its target and current assignment, the assignment epoch, a regex's
// topics) is a record (key versions 3 to 8 and 16) that Replay sets, so a
// group is the same after a restart; only sessions and rebalance timeouts
// start again at the load. A heartbeat is decided as in Kafka's
// GroupMetadataManager (consumer_heartbeat.go): the member is created or
// updated, the group epoch bumped if its subscription or the subscribed
// topics changed (partition counts, topics matched by regexes), a new
// target computed with the assignor package if the group epoch passed the
// assignment epoch (consumer_target.go), and the member reconciled towards
// its target as CurrentAssignmentBuilder does (consumer_reconcile.go):
// partitions are revoked before they are given to another member. The
// records of one decision are computed from the group as replayed, so a
// Tick stops after a consumer group timer that wrote; the timers still due
// run at the next Tick.
//
// An empty classic group becomes a consumer group when a member joins it
// with ConsumerGroupHeartbeat, and an empty consumer group a classic group
// when a JoinGroup comes; offsets stay. DescribeGroups answers a consumer
// group as Kafka does (not a classic group: GROUP_ID_NOT_FOUND from v6, or
// Dead), ListGroups lists it with type and protocol type "consumer".
//
// # Online migration
//
// Groups with members move between the protocols as Kafka 4.x's do under
// group.consumer.migration.policy (consumer_migrate.go). A
// ConsumerGroupHeartbeat joining a classic group of consumers (upgrade or
// bidirectional, and no more members than group.consumer.max.size)
// converts it: the classic group's tombstone, then the records of a
// consumer group at the generation's epoch whose members are classic
// members (ClassicMemberMetadata: session timeout and supported protocols)
// owning their last assignment; requests parked in a rebalance get
// REBALANCE_IN_PROGRESS. Classic members of a consumer group
// (consumer_classic_api.go) join with JoinGroup, which subscribes them
// from their ConsumerProtocolSubscription (topics, owned partitions, rack)
// and answers at once with their member epoch as the generation; SyncGroup
// hands them their current assignment as a ConsumerProtocolAssignment in
// their subscription's version; Heartbeat answers REBALANCE_IN_PROGRESS
// when they must rejoin to move on. They revoke by rejoining without the
// partitions taken away (an eager member owns nothing when it rejoins),
// have a join timeout (from the first REBALANCE_IN_PROGRESS) and a sync
// timeout (from the JoinGroup) of their rebalance timeout instead of a
// revocation timeout, and their own session timeout. When the last member
// of the consumer protocol leaves or is fenced (downgrade or
// bidirectional), or a classic static member takes its instance id, the
// consumer group's records are deleted and a classic group written,
// Stable at the group epoch with each member's target assignment; the
// live group is replaced at once and, unless a static member took over,
// rebalances.
//
// # Differences from Kafka
//
// Where Kafka picks by hash-map order (the next leader when the leader
// leaves, the leader elected among rejoined members, the protocol among
// equally voted ones), the shard picks the member that joined first. A
// JoinGroup or SyncGroup superseded by another from the same member, which
// Kafka never answers, is answered with REBALANCE_IN_PROGRESS; a removed
// member's parked SyncGroup, which Kafka leaves unanswered, gets
// UNKNOWN_MEMBER_ID. A simple commit to an unknown group makes the group
// when its record is replayed, so a commit that writes nothing (every
// partition's metadata too large) makes no group. Transactional offsets
// (TxnOffsetCommit, and with them UNSTABLE_OFFSET_COMMIT) come with the
// transactions work: offsetStore.pendingTransactional is the hook.
//
// Consumer groups differ from Kafka 4.x in these ways:
//
//   - Online migration: a classic group still in its first rebalance (no
//     protocol chosen yet) is not upgraded (GROUP_ID_NOT_FOUND), and a
//     member's empty assignment (none yet) counts as no partitions where
//     Kafka fails to parse it and refuses the upgrade; parked requests are
//     answered only once the group's subscriptions decode. When a classic
//     static member replaces the last consumer-protocol member, the
//     records delete the consumer group as it was (Kafka first writes the
//     replacing member's records, then their tombstones) and the JoinGroup
//     answer carries the classic group's generation, not the member's
//     epoch, so the member's SyncGroup succeeds. A classic group made by a
//     downgrade lists its members by id (Kafka: hash-map order), the
//     first one leading. A loaded classic member's session uses its own
//     timeout, not group.consumer.session.timeout.ms.
//   - Regexes are resolved in the heartbeat that needs it (a new regex, or
//     the first heartbeat after a new metadata image) rather than in the
//     background at most every 10 s, so the epoch moves one heartbeat
//     sooner; a regex record is written only when its topics change.
//   - The metadata hash is a hash of our own over topic names, ids and
//     partition counts (Kafka's also covers racks); only equality matters.
//   - Per-group configs (group.consumer.* as dynamic group configs) are
//     not supported: the broker's apply to every group. Partition
//     assignment epochs (KIP-1251) are not kept. Where Kafka picks by
//     hash-map order (the preferred assignor on a tie, member order in
//     descriptions and records), the shard picks the assignor configured
//     first and orders members by id.
package group
