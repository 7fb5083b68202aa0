package wirecheck

// Request schemas of leader elections and partition reassignments, after
// Kafka's ElectLeadersRequest.json, AlterPartitionReassignmentsRequest.json
// (v1, KIP-860, after kmsg) and ListPartitionReassignmentsRequest.json.

var electLeadersRequest = message{key: 43, name: "ElectLeaders", max: 2, flexible: 2, fields: []field{
	f("ElectionType", tInt8, since(1)),
	array("TopicPartitions", always,
		f("Topic", tString, always),
		arrayOf("Partitions", tInt32, always),
	).nullable(always),
	f("TimeoutMs", tInt32, always),
}}

var alterPartitionReassignmentsRequest = message{key: 45, name: "AlterPartitionAssignments", max: 1, flexible: 0, fields: []field{
	f("TimeoutMs", tInt32, always),
	f("AllowReplicationFactorChange", tBool, since(1)),
	array("Topics", always,
		f("Name", tString, always),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
			arrayOf("Replicas", tInt32, always).nullable(always),
		),
	),
}}

var listPartitionReassignmentsRequest = message{key: 46, name: "ListPartitionReassignments", max: 0, flexible: 0, fields: []field{
	f("TimeoutMs", tInt32, always),
	array("Topics", always,
		f("Name", tString, always),
		arrayOf("PartitionIndexes", tInt32, always),
	).nullable(always),
}}
