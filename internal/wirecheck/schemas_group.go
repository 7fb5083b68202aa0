package wirecheck

import "math"

// Request schemas of the group APIs: finding a coordinator, the classic
// rebalance protocol, the consumer protocol of KIP-848, describing, listing
// and deleting groups, and committed offsets. After Kafka's message
// definitions (clients/src/main/resources/common/message/*Request.json)
// and, for the versions newer than those (DescribeGroups 6,
// ConsumerGroupDescribe 1), after kmsg v1.15.0. None of these requests
// has a tagged field of its own.

var findCoordinatorRequest = message{key: 10, name: "FindCoordinator", max: 6, flexible: 3, fields: []field{
	f("Key", tString, upTo(3)),
	f("KeyType", tInt8, since(1)),
	arrayOf("CoordinatorKeys", tString, since(4)),
}}

var joinGroupRequest = message{key: 11, name: "JoinGroup", max: 9, flexible: 6, fields: []field{
	f("GroupId", tString, always),
	f("SessionTimeoutMs", tInt32, always),
	f("RebalanceTimeoutMs", tInt32, since(1)),
	f("MemberId", tString, always),
	f("GroupInstanceId", tString, since(5)).nullable(since(5)),
	f("ProtocolType", tString, always),
	array("Protocols", always,
		f("Name", tString, always),
		f("Metadata", tBytes, always),
	),
	f("Reason", tString, since(8)).nullable(since(8)),
}}

var heartbeatRequest = message{key: 12, name: "Heartbeat", max: 4, flexible: 4, fields: []field{
	f("GroupId", tString, always),
	f("GenerationId", tInt32, always),
	f("MemberId", tString, always),
	f("GroupInstanceId", tString, since(3)).nullable(since(3)),
}}

var leaveGroupRequest = message{key: 13, name: "LeaveGroup", max: 5, flexible: 4, fields: []field{
	f("GroupId", tString, always),
	f("MemberId", tString, upTo(2)),
	array("Members", since(3),
		f("MemberId", tString, always),
		f("GroupInstanceId", tString, always).nullable(always),
		f("Reason", tString, since(5)).nullable(since(5)),
	),
}}

var syncGroupRequest = message{key: 14, name: "SyncGroup", max: 5, flexible: 4, fields: []field{
	f("GroupId", tString, always),
	f("GenerationId", tInt32, always),
	f("MemberId", tString, always),
	f("GroupInstanceId", tString, since(3)).nullable(since(3)),
	f("ProtocolType", tString, since(5)).nullable(since(5)),
	f("ProtocolName", tString, since(5)).nullable(since(5)),
	array("Assignments", always,
		f("MemberId", tString, always),
		f("Assignment", tBytes, always),
	),
}}

var describeGroupsRequest = message{key: 15, name: "DescribeGroups", max: 6, flexible: 5, fields: []field{
	arrayOf("Groups", tString, always),
	f("IncludeAuthorizedOperations", tBool, since(3)),
}}

var listGroupsRequest = message{key: 16, name: "ListGroups", max: 5, flexible: 3, fields: []field{
	arrayOf("StatesFilter", tString, since(4)),
	arrayOf("TypesFilter", tString, since(5)),
}}

var deleteGroupsRequest = message{key: 42, name: "DeleteGroups", max: 2, flexible: 2, fields: []field{
	arrayOf("GroupsNames", tString, always),
}}

var offsetCommitRequest = message{key: 8, name: "OffsetCommit", max: 9, flexible: 8, fields: []field{
	f("GroupId", tString, always),
	f("GenerationIdOrMemberEpoch", tInt32, since(1)),
	f("MemberId", tString, since(1)),
	f("GroupInstanceId", tString, since(7)).nullable(since(7)),
	f("RetentionTimeMs", tInt64, between(2, 4)),
	array("Topics", always,
		f("Name", tString, always),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
			f("CommittedOffset", tInt64, always),
			f("CommittedLeaderEpoch", tInt32, since(6)),
			f("CommitTimestamp", tInt64, between(1, 1)),
			f("CommittedMetadata", tString, always).nullable(always),
		),
	),
}}

var offsetFetchRequest = message{key: 9, name: "OffsetFetch", max: 9, flexible: 6, fields: []field{
	f("GroupId", tString, upTo(7)),
	array("Topics", upTo(7),
		f("Name", tString, always),
		arrayOf("PartitionIndexes", tInt32, always),
	).nullable(between(2, 7)),
	array("Groups", since(8),
		f("GroupId", tString, always),
		f("MemberId", tString, since(9)).nullable(since(9)),
		f("MemberEpoch", tInt32, since(9)),
		array("Topics", always,
			f("Name", tString, always),
			arrayOf("PartitionIndexes", tInt32, always),
		).nullable(always),
	),
	f("RequireStable", tBool, since(7)),
}}

var offsetDeleteRequest = message{key: 47, name: "OffsetDelete", max: 0, flexible: math.MaxInt16, fields: []field{
	f("GroupId", tString, always),
	array("Topics", always,
		f("Name", tString, always),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
		),
	),
}}

var consumerGroupHeartbeatRequest = message{key: 68, name: "ConsumerGroupHeartbeat", max: 1, flexible: 0, fields: []field{
	f("GroupId", tString, always),
	f("MemberId", tString, always),
	f("MemberEpoch", tInt32, always),
	f("InstanceId", tString, always).nullable(always),
	f("RackId", tString, always).nullable(always),
	f("RebalanceTimeoutMs", tInt32, always),
	arrayOf("SubscribedTopicNames", tString, always).nullable(always),
	f("SubscribedTopicRegex", tString, since(1)).nullable(since(1)),
	f("ServerAssignor", tString, always).nullable(always),
	array("TopicPartitions", always,
		f("TopicId", tUUID, always),
		arrayOf("Partitions", tInt32, always),
	).nullable(always),
}}

var consumerGroupDescribeRequest = message{key: 69, name: "ConsumerGroupDescribe", max: 1, flexible: 0, fields: []field{
	arrayOf("GroupIds", tString, always),
	f("IncludeAuthorizedOperations", tBool, always),
}}
