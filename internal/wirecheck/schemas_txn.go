package wirecheck

// Request schemas of the transaction APIs, after Kafka's message
// definitions (clients/src/main/resources/common/message/*Request.json)
// and, for the versions newer than those (TxnOffsetCommit 5,
// WriteTxnMarkers 2, ListTransactions 2), after kmsg v1.15.0. None of
// these requests has a tagged field of its own.

// addPartitionsToTxnTopic is Kafka's common struct AddPartitionsToTxnTopic.
var addPartitionsToTxnTopic = []field{
	f("Name", tString, always),
	arrayOf("Partitions", tInt32, always),
}

var addPartitionsToTxnRequest = message{key: 24, name: "AddPartitionsToTxn", max: 5, flexible: 3, fields: []field{
	// From v4 brokers batch the transactions of many producers.
	array("Transactions", since(4),
		f("TransactionalId", tString, always),
		f("ProducerId", tInt64, always),
		f("ProducerEpoch", tInt16, always),
		f("VerifyOnly", tBool, always),
		array("Topics", always, addPartitionsToTxnTopic...),
	),
	f("V3AndBelowTransactionalId", tString, upTo(3)),
	f("V3AndBelowProducerId", tInt64, upTo(3)),
	f("V3AndBelowProducerEpoch", tInt16, upTo(3)),
	array("V3AndBelowTopics", upTo(3), addPartitionsToTxnTopic...),
}}

var addOffsetsToTxnRequest = message{key: 25, name: "AddOffsetsToTxn", max: 4, flexible: 3, fields: []field{
	f("TransactionalId", tString, always),
	f("ProducerId", tInt64, always),
	f("ProducerEpoch", tInt16, always),
	f("GroupId", tString, always),
}}

var endTxnRequest = message{key: 26, name: "EndTxn", max: 5, flexible: 3, fields: []field{
	f("TransactionalId", tString, always),
	f("ProducerId", tInt64, always),
	f("ProducerEpoch", tInt16, always),
	f("Committed", tBool, always),
}}

var writeTxnMarkersRequest = message{key: 27, name: "WriteTxnMarkers", max: 2, flexible: 1, fields: []field{
	array("Markers", always,
		f("ProducerId", tInt64, always),
		f("ProducerEpoch", tInt16, always),
		f("TransactionResult", tBool, always),
		array("Topics", always,
			f("Name", tString, always),
			arrayOf("PartitionIndexes", tInt32, always),
		),
		f("CoordinatorEpoch", tInt32, always),
		f("TransactionVersion", tInt8, since(2)),
	),
}}

var txnOffsetCommitRequest = message{key: 28, name: "TxnOffsetCommit", max: 5, flexible: 3, fields: []field{
	f("TransactionalId", tString, always),
	f("GroupId", tString, always),
	f("ProducerId", tInt64, always),
	f("ProducerEpoch", tInt16, always),
	f("GenerationId", tInt32, since(3)),
	f("MemberId", tString, since(3)),
	f("GroupInstanceId", tString, since(3)).nullable(since(3)),
	array("Topics", always,
		f("Name", tString, always),
		array("Partitions", always,
			f("PartitionIndex", tInt32, always),
			f("CommittedOffset", tInt64, always),
			f("CommittedLeaderEpoch", tInt32, since(2)),
			f("CommittedMetadata", tString, always).nullable(always),
		),
	),
}}

var describeTransactionsRequest = message{key: 65, name: "DescribeTransactions", max: 0, flexible: 0, fields: []field{
	arrayOf("TransactionalIds", tString, always),
}}

var listTransactionsRequest = message{key: 66, name: "ListTransactions", max: 2, flexible: 0, fields: []field{
	arrayOf("StateFilters", tString, always),
	arrayOf("ProducerIdFilters", tInt64, always),
	f("DurationFilter", tInt64, since(1)),
	f("TransactionalIdPattern", tString, since(2)).nullable(since(2)),
}}
