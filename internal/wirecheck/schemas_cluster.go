package wirecheck

// Request schemas of the controller APIs (the quorum, broker lifecycle and
// ISR changes), after Kafka's message definitions.

var describeQuorumRequest = message{key: 55, name: "DescribeQuorum", max: 2, flexible: 0, fields: []field{
	array("Topics", always,
		f("TopicName", tString, always),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
		),
	),
}}

var alterPartitionRequest = message{key: 56, name: "AlterPartition", max: 3, flexible: 0, fields: []field{
	f("BrokerId", tInt32, always),
	f("BrokerEpoch", tInt64, always),
	array("Topics", always,
		f("TopicName", tString, upTo(1)),
		f("TopicId", tUUID, since(2)),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
			f("LeaderEpoch", tInt32, always),
			arrayOf("NewIsr", tInt32, upTo(2)),
			array("NewIsrWithEpochs", since(3),
				f("BrokerId", tInt32, since(3)),
				f("BrokerEpoch", tInt64, since(3)),
			),
			f("LeaderRecoveryState", tInt8, since(1)),
			f("PartitionEpoch", tInt32, always),
		),
	),
}}

var brokerRegistrationRequest = message{key: 62, name: "BrokerRegistration", max: 4, flexible: 0, fields: []field{
	f("BrokerId", tInt32, always),
	f("ClusterId", tString, always),
	f("IncarnationId", tUUID, always),
	array("Listeners", always,
		f("Name", tString, always),
		f("Host", tString, always),
		f("Port", tInt16, always), // uint16: the same two bytes
		f("SecurityProtocol", tInt16, always),
	),
	array("Features", always,
		f("Name", tString, always),
		f("MinSupportedVersion", tInt16, always),
		f("MaxSupportedVersion", tInt16, always),
	),
	f("Rack", tString, always).nullable(always),
	f("IsMigratingZkBroker", tBool, since(1)),
	arrayOf("LogDirs", tUUID, since(2)),
	f("PreviousBrokerEpoch", tInt64, since(3)),
}}

var brokerHeartbeatRequest = message{key: 63, name: "BrokerHeartbeat", max: 1, flexible: 0, fields: []field{
	f("BrokerId", tInt32, always),
	f("BrokerEpoch", tInt64, always),
	f("CurrentMetadataOffset", tInt64, always),
	f("WantFence", tBool, always),
	f("WantShutDown", tBool, always),
	tagged(0, arrayOf("OfflineLogDirs", tUUID, always)),
	tagged(1, arrayOf("CordonedLogDirs", tUUID, always)),
}}

var allocateProducerIDsRequest = message{key: 67, name: "AllocateProducerIDs", max: 0, flexible: 0, fields: []field{
	f("BrokerId", tInt32, always),
	f("BrokerEpoch", tInt64, always),
}}
