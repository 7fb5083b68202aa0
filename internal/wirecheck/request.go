package wirecheck

import "fmt"

// requests are the request schemas of every API the broker serves.
var requests = []*message{
	&produceRequest,
	&fetchRequest,
	&listOffsetsRequest,
	&metadataRequest,
	&apiVersionsRequest,
	&createTopicsRequest,
	&deleteTopicsRequest,
	&deleteRecordsRequest,
	&initProducerIDRequest,
	&offsetForLeaderEpochRequest,
	&describeConfigsRequest,
	&alterConfigsRequest,
	&describeLogDirsRequest,
	&createPartitionsRequest,
	&incrementalAlterConfigsRequest,
	&describeClusterRequest,
	&describeProducersRequest,
	&describeTopicPartitionsRequest,
	&electLeadersRequest,
	&alterPartitionReassignmentsRequest,
	&listPartitionReassignmentsRequest,

	&describeQuorumRequest,
	&alterPartitionRequest,
	&brokerRegistrationRequest,
	&brokerHeartbeatRequest,
	&allocateProducerIDsRequest,

	&findCoordinatorRequest,
	&joinGroupRequest,
	&heartbeatRequest,
	&leaveGroupRequest,
	&syncGroupRequest,
	&describeGroupsRequest,
	&listGroupsRequest,
	&deleteGroupsRequest,
	&offsetCommitRequest,
	&offsetFetchRequest,
	&offsetDeleteRequest,
	&consumerGroupHeartbeatRequest,
	&consumerGroupDescribeRequest,

	&addPartitionsToTxnRequest,
	&addOffsetsToTxnRequest,
	&endTxnRequest,
	&writeTxnMarkersRequest,
	&txnOffsetCommitRequest,
	&describeTransactionsRequest,
	&listTransactionsRequest,

	&saslHandshakeRequest,
	&saslAuthenticateRequest,
}

// compiled is one message's plans, indexed by version.
type compiled struct {
	msg      *message
	versions []*plan
}

// plans is indexed by API key; nil where there is no schema.
var plans = mustCompile(requests)

func mustCompile(msgs []*message) []*compiled {
	var table []*compiled
	for _, m := range msgs {
		if m.key < 0 || m.max < 0 {
			panic(fmt.Sprintf("wirecheck: %s: bad key %d or max version %d", m.name, m.key, m.max))
		}
		for int(m.key) >= len(table) {
			table = append(table, nil)
		}
		if table[m.key] != nil {
			panic(fmt.Sprintf("wirecheck: api key %d described twice", m.key))
		}
		c := &compiled{msg: m}
		for v := int16(0); v <= m.max; v++ {
			p, err := compile(m, v)
			if err != nil {
				panic(fmt.Sprintf("wirecheck: %s v%d: %v", m.name, v, err))
			}
			c.versions = append(c.versions, p)
		}
		table[m.key] = c
	}
	return table
}

func lookup(key, version int16) (*compiled, *plan) {
	if key < 0 || int(key) >= len(plans) || plans[key] == nil {
		return nil, nil
	}
	c := plans[key]
	if version < 0 || int(version) >= len(c.versions) {
		return c, nil
	}
	return c, c.versions[version]
}

// Supports reports whether there is a schema for the API key at version.
func Supports(key, version int16) bool {
	_, p := lookup(key, version)
	return p != nil
}

// Request checks the body of a request (what follows the request header)
// of API key at version. A nil error means the body parses as that
// request: every length, count and tagged-field count fits in the bytes
// that follow it, every uvarint is well formed, nulls appear only where
// the field is nullable, and the request ends exactly at the end of body.
// kmsg then decodes it without error, in time linear in its size. It does
// not allocate unless it refuses; errors are *Error.
func Request(key, version int16, body []byte) error {
	c, p := lookup(key, version)
	if p == nil {
		return &Error{reason: reasonNoSchema, value: int64(key)<<16 | int64(uint16(version))}
	}
	return check(p, version >= c.msg.flexible, body)
}

// check walks body along p and requires it to end where the body does.
func check(p *plan, flex bool, body []byte) error {
	w := walker{b: body, end: len(body), flex: flex}
	if err := w.structure(p); err != nil {
		return err
	}
	if w.off != len(body) {
		return w.fail(reasonTrailing, "", w.off, "", 0, 0)
	}
	return nil
}
