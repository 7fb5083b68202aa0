package wirecheck

// Request schemas of the data-path APIs, after Kafka's message definitions
// (clients/src/main/resources/common/message/*Request.json) and, for the
// versions newer than those (Produce 12-13, Fetch 18), after kmsg v1.15.0.

var produceRequest = message{key: 0, name: "Produce", max: 13, flexible: 9, fields: []field{
	f("TransactionalId", tString, since(3)).nullable(since(3)),
	f("Acks", tInt16, always),
	f("TimeoutMs", tInt32, always),
	array("TopicData", always,
		f("Name", tString, upTo(12)),
		f("TopicId", tUUID, since(13)),
		array("PartitionData", always,
			f("Index", tInt32, always),
			records("Records", always),
		),
	),
}}

var fetchRequest = message{key: 1, name: "Fetch", max: 18, flexible: 12, fields: []field{
	tagged(0, f("ClusterId", tString, always).nullable(always)), // Kafka: 12+
	f("ReplicaId", tInt32, upTo(14)),
	tagged(1, object("ReplicaState", always, // Kafka: 15+
		f("ReplicaId", tInt32, always),
		f("ReplicaEpoch", tInt64, always),
	)),
	f("MaxWaitMs", tInt32, always),
	f("MinBytes", tInt32, always),
	f("MaxBytes", tInt32, since(3)),
	f("IsolationLevel", tInt8, since(4)),
	f("SessionId", tInt32, since(7)),
	f("SessionEpoch", tInt32, since(7)),
	array("Topics", always,
		f("Topic", tString, upTo(12)),
		f("TopicId", tUUID, since(13)),
		array("Partitions", always,
			f("Partition", tInt32, always),
			f("CurrentLeaderEpoch", tInt32, since(9)),
			f("FetchOffset", tInt64, always),
			f("LastFetchedEpoch", tInt32, since(12)),
			f("LogStartOffset", tInt64, since(5)),
			f("PartitionMaxBytes", tInt32, always),
			tagged(0, f("ReplicaDirectoryId", tUUID, always)), // Kafka: 17+
			tagged(1, f("HighWatermark", tInt64, always)),     // kmsg: 18+
		),
	),
	array("ForgottenTopicsData", since(7),
		f("Topic", tString, between(7, 12)),
		f("TopicId", tUUID, since(13)),
		arrayOf("Partitions", tInt32, since(7)),
	),
	f("RackId", tString, since(11)),
}}

var listOffsetsRequest = message{key: 2, name: "ListOffsets", max: 10, flexible: 6, fields: []field{
	f("ReplicaId", tInt32, always),
	f("IsolationLevel", tInt8, since(2)),
	array("Topics", always,
		f("Name", tString, always),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
			f("CurrentLeaderEpoch", tInt32, since(4)),
			f("Timestamp", tInt64, always),
			f("MaxNumOffsets", tInt32, upTo(0)),
		),
	),
	f("TimeoutMs", tInt32, since(10)),
}}

var deleteRecordsRequest = message{key: 21, name: "DeleteRecords", max: 2, flexible: 2, fields: []field{
	array("Topics", always,
		f("Name", tString, always),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
			f("Offset", tInt64, always),
		),
	),
	f("TimeoutMs", tInt32, always),
}}

var initProducerIDRequest = message{key: 22, name: "InitProducerID", max: 5, flexible: 2, fields: []field{
	f("TransactionalId", tString, always).nullable(always),
	f("TransactionTimeoutMs", tInt32, always),
	f("ProducerId", tInt64, since(3)),
	f("ProducerEpoch", tInt16, since(3)),
}}

var offsetForLeaderEpochRequest = message{key: 23, name: "OffsetForLeaderEpoch", max: 4, flexible: 4, fields: []field{
	f("ReplicaId", tInt32, since(3)),
	array("Topics", always,
		f("Topic", tString, always),
		array("Partitions", always,
			f("Partition", tInt32, always),
			f("CurrentLeaderEpoch", tInt32, since(2)),
			f("LeaderEpoch", tInt32, always),
		),
	),
}}

var describeProducersRequest = message{key: 61, name: "DescribeProducers", max: 0, flexible: 0, fields: []field{
	array("Topics", always,
		f("Name", tString, always),
		arrayOf("PartitionIndexes", tInt32, always),
	),
}}
