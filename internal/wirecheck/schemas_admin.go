package wirecheck

// Request schemas of the metadata and admin APIs, after Kafka's message
// definitions (clients/src/main/resources/common/message/*Request.json)
// and, for the versions newer than those (Metadata 13, DescribeCluster 2),
// after kmsg v1.15.0.

var metadataRequest = message{key: 3, name: "Metadata", max: 13, flexible: 9, fields: []field{
	array("Topics", always,
		f("TopicId", tUUID, since(10)),
		f("Name", tString, always).nullable(since(10)),
	).nullable(since(1)),
	f("AllowAutoTopicCreation", tBool, since(4)),
	f("IncludeClusterAuthorizedOperations", tBool, between(8, 10)),
	f("IncludeTopicAuthorizedOperations", tBool, since(8)),
}}

var apiVersionsRequest = message{key: 18, name: "ApiVersions", max: 4, flexible: 3, fields: []field{
	f("ClientSoftwareName", tString, since(3)),
	f("ClientSoftwareVersion", tString, since(3)),
}}

var createTopicsRequest = message{key: 19, name: "CreateTopics", max: 7, flexible: 5, fields: []field{
	array("Topics", always,
		f("Name", tString, always),
		f("NumPartitions", tInt32, always),
		f("ReplicationFactor", tInt16, always),
		array("Assignments", always,
			f("PartitionIndex", tInt32, always),
			arrayOf("BrokerIds", tInt32, always),
		),
		array("Configs", always,
			f("Name", tString, always),
			f("Value", tString, always).nullable(always),
		),
	),
	f("TimeoutMs", tInt32, always),
	f("ValidateOnly", tBool, since(1)),
}}

var deleteTopicsRequest = message{key: 20, name: "DeleteTopics", max: 6, flexible: 4, fields: []field{
	array("Topics", since(6),
		f("Name", tString, since(6)).nullable(since(6)),
		f("TopicId", tUUID, since(6)),
	),
	arrayOf("TopicNames", tString, upTo(5)),
	f("TimeoutMs", tInt32, always),
}}

var describeConfigsRequest = message{key: 32, name: "DescribeConfigs", max: 4, flexible: 4, fields: []field{
	array("Resources", always,
		f("ResourceType", tInt8, always),
		f("ResourceName", tString, always),
		arrayOf("ConfigurationKeys", tString, always).nullable(always),
	),
	f("IncludeSynonyms", tBool, since(1)),
	f("IncludeDocumentation", tBool, since(3)),
}}

var alterConfigsRequest = message{key: 33, name: "AlterConfigs", max: 2, flexible: 2, fields: []field{
	array("Resources", always,
		f("ResourceType", tInt8, always),
		f("ResourceName", tString, always),
		array("Configs", always,
			f("Name", tString, always),
			f("Value", tString, always).nullable(always),
		),
	),
	f("ValidateOnly", tBool, always),
}}

var describeLogDirsRequest = message{key: 35, name: "DescribeLogDirs", max: 4, flexible: 2, fields: []field{
	array("Topics", always,
		f("Topic", tString, always),
		arrayOf("Partitions", tInt32, always),
	).nullable(always),
}}

var createPartitionsRequest = message{key: 37, name: "CreatePartitions", max: 3, flexible: 2, fields: []field{
	array("Topics", always,
		f("Name", tString, always),
		f("Count", tInt32, always),
		array("Assignments", always,
			arrayOf("BrokerIds", tInt32, always),
		).nullable(always),
	),
	f("TimeoutMs", tInt32, always),
	f("ValidateOnly", tBool, always),
}}

var incrementalAlterConfigsRequest = message{key: 44, name: "IncrementalAlterConfigs", max: 1, flexible: 1, fields: []field{
	array("Resources", always,
		f("ResourceType", tInt8, always),
		f("ResourceName", tString, always),
		array("Configs", always,
			f("Name", tString, always),
			f("ConfigOperation", tInt8, always),
			f("Value", tString, always).nullable(always),
		),
	),
	f("ValidateOnly", tBool, always),
}}

var describeClusterRequest = message{key: 60, name: "DescribeCluster", max: 2, flexible: 0, fields: []field{
	f("IncludeClusterAuthorizedOperations", tBool, always),
	f("EndpointType", tInt8, since(1)),
	f("IncludeFencedBrokers", tBool, since(2)),
}}

var describeTopicPartitionsRequest = message{key: 75, name: "DescribeTopicPartitions", max: 0, flexible: 0, fields: []field{
	array("Topics", always,
		f("Name", tString, always),
	),
	f("ResponsePartitionLimit", tInt32, always),
	object("Cursor", always,
		f("TopicName", tString, always),
		f("PartitionIndex", tInt32, always),
	).nullable(always),
}}
