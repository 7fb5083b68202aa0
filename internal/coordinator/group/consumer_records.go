package group

import (
	"fmt"
	"maps"
	"slices"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/coordinator/assignor"
)

// The KIP-848 consumer group records, as Kafka 4.x writes them (see
// docs/format/consumer-offsets.md). The key version names the record type;
// every value is version 0, flexible.
const (
	consumerMetadataKeyVersion          = 3  // ConsumerGroupMetadata: epoch, metadata hash
	consumerPartitionMetadataKeyVersion = 4  // ConsumerGroupPartitionMetadata: Kafka 4.0 only; read, never written
	consumerMemberKeyVersion            = 5  // ConsumerGroupMemberMetadata: a member's subscription
	consumerTargetMetadataKeyVersion    = 6  // ConsumerGroupTargetAssignmentMetadata: the assignment epoch
	consumerTargetMemberKeyVersion      = 7  // ConsumerGroupTargetAssignmentMember: a member's target
	consumerCurrentKeyVersion           = 8  // ConsumerGroupCurrentMemberAssignment: a member's epoch and partitions
	consumerRegexKeyVersion             = 16 // ConsumerGroupRegularExpression: what a regex resolved to

	consumerValueVersion = 0
)

// consumerKey is the key of every consumer group record: the group id,
// then a member id (versions 5, 7, 8) or a regex (16).
type consumerKey struct {
	version int16
	group   string
	sub     string // member id or regex; "" for the group's own records
}

func (k consumerKey) hasSub() bool {
	switch k.version {
	case consumerMemberKeyVersion, consumerTargetMemberKeyVersion, consumerCurrentKeyVersion, consumerRegexKeyVersion:
		return true
	}
	return false
}

func (k consumerKey) bytes() []byte {
	var w recWriter
	w.i16(k.version)
	w.str(k.group)
	if k.hasSub() {
		w.str(k.sub)
	}
	return w.b
}

func decodeConsumerKey(key []byte) (consumerKey, error) {
	r := recReader{b: key}
	k := consumerKey{version: r.i16()}
	k.group = r.str()
	if k.hasSub() {
		k.sub = r.str()
	}
	return k, r.done("consumer group record key")
}

func consumerRecord(k consumerKey, value []byte) coordinator.Record {
	return coordinator.Record{Key: k.bytes(), Value: value}
}

func consumerTombstone(k consumerKey) coordinator.Record {
	return coordinator.Record{Key: k.bytes()}
}

// valueWriter starts a value with its version.
func valueWriter() *recWriter {
	w := &recWriter{}
	w.i16(consumerValueVersion)
	return w
}

// valueReader checks a value's version.
func valueReader(value []byte, what string) (*recReader, error) {
	r := &recReader{b: value}
	if v := r.i16(); r.err == nil && v != consumerValueVersion {
		return nil, fmt.Errorf("%s version %d is not one Kafka defines", what, v)
	}
	return r, r.err
}

// groupEpochRecord: ConsumerGroupMetadataValue, the group epoch with the
// metadata hash in tagged field 0 (KIP-1101), written only when not 0.
func groupEpochRecord(group string, epoch int32, hash int64) coordinator.Record {
	w := valueWriter()
	w.i32(epoch)
	if hash == 0 {
		w.noTags()
	} else {
		w.uvarint(1)
		w.uvarint(0)
		w.uvarint(8)
		w.i64(hash)
	}
	return consumerRecord(consumerKey{version: consumerMetadataKeyVersion, group: group}, w.b)
}

func decodeGroupEpoch(value []byte) (epoch int32, hash int64, err error) {
	r, err := valueReader(value, "ConsumerGroupMetadataValue")
	if err != nil {
		return 0, 0, err
	}
	epoch = r.i32()
	r.tags(func(tag uint64, data []byte) {
		if tag == 0 {
			tr := recReader{b: data}
			hash = tr.i64()
		}
	})
	return epoch, hash, r.done("ConsumerGroupMetadataValue")
}

// memberRecord: ConsumerGroupMemberMetadataValue, a member's
// subscription; ClassicMemberMetadata (tag 0) for a member of the classic
// protocol.
func memberRecord(group string, m *consumerMember) coordinator.Record {
	w := valueWriter()
	w.compactNullableStr(m.instanceID)
	w.compactNullableStr(m.rackID)
	w.compactStr(m.clientID)
	w.compactStr(m.clientHost)
	w.compactArrayLen(len(m.topics))
	for _, t := range m.topics {
		w.compactStr(t)
	}
	w.compactStr(m.regex)
	w.i32(m.rebalanceTimeoutMs)
	w.compactNullableStr(m.serverAssignor)
	if m.classic == nil {
		w.noTags()
	} else {
		body := m.classic.bytes()
		w.uvarint(1)
		w.uvarint(0)
		w.uvarint(uint64(len(body)))
		w.b = append(w.b, body...)
	}
	return consumerRecord(consumerKey{version: consumerMemberKeyVersion, group: group, sub: m.id}, w.b)
}

// decodeMember reads a subscription into a copy of m (or a new member).
func decodeMember(value []byte, m *consumerMember) (*consumerMember, error) {
	r, err := valueReader(value, "ConsumerGroupMemberMetadataValue")
	if err != nil {
		return nil, err
	}
	m = m.clone()
	m.instanceID, m.rackID = r.compactNullableStr(), r.compactNullableStr()
	m.clientID, m.clientHost = r.compactStr(), r.compactStr()
	m.topics = nil
	for n := r.compactArrayLen(); n > 0 && r.err == nil; n-- {
		m.topics = append(m.topics, r.compactStr())
	}
	slices.Sort(m.topics)
	m.topics = slices.Compact(m.topics)
	m.regex = r.compactStr()
	m.rebalanceTimeoutMs = r.i32()
	m.serverAssignor = r.compactNullableStr()
	m.classic = nil
	r.tags(func(tag uint64, data []byte) {
		if tag == 0 && r.err == nil {
			m.classic, r.err = decodeClassicMetadata(data)
		}
	})
	return m, r.done("ConsumerGroupMemberMetadataValue")
}

func targetEpochRecord(group string, epoch int32) coordinator.Record {
	w := valueWriter()
	w.i32(epoch)
	w.noTags()
	return consumerRecord(consumerKey{version: consumerTargetMetadataKeyVersion, group: group}, w.b)
}

func decodeTargetEpoch(value []byte) (int32, error) {
	r, err := valueReader(value, "ConsumerGroupTargetAssignmentMetadataValue")
	if err != nil {
		return 0, err
	}
	epoch := r.i32()
	r.tags(nil)
	return epoch, r.done("ConsumerGroupTargetAssignmentMetadataValue")
}

func targetMemberRecord(group, member string, a assignor.Assignment) coordinator.Record {
	w := valueWriter()
	writeTopicPartitions(w, a)
	w.noTags()
	return consumerRecord(consumerKey{version: consumerTargetMemberKeyVersion, group: group, sub: member}, w.b)
}

func decodeTargetMember(value []byte) (assignor.Assignment, error) {
	r, err := valueReader(value, "ConsumerGroupTargetAssignmentMemberValue")
	if err != nil {
		return nil, err
	}
	a := readTopicPartitions(r)
	r.tags(nil)
	return a, r.done("ConsumerGroupTargetAssignmentMemberValue")
}

// currentRecord: ConsumerGroupCurrentMemberAssignmentValue, a member's
// epochs, state and partitions.
func currentRecord(group string, m *consumerMember) coordinator.Record {
	w := valueWriter()
	w.i32(m.epoch)
	w.i32(m.previousEpoch)
	w.i8(int8(m.state))
	writeTopicPartitions(w, m.assigned)
	writeTopicPartitions(w, m.revoking)
	w.noTags()
	return consumerRecord(consumerKey{version: consumerCurrentKeyVersion, group: group, sub: m.id}, w.b)
}

func decodeCurrent(value []byte, m *consumerMember) (*consumerMember, error) {
	r, err := valueReader(value, "ConsumerGroupCurrentMemberAssignmentValue")
	if err != nil {
		return nil, err
	}
	m = m.clone()
	m.epoch, m.previousEpoch = r.i32(), r.i32()
	m.state = memberState(r.i8())
	switch m.state {
	case memberStable, memberUnrevokedPartitions, memberUnreleasedPartitions:
	default:
		m.state = memberUnknown
	}
	m.assigned, m.revoking = readTopicPartitions(r), readTopicPartitions(r)
	r.tags(nil)
	return m, r.done("ConsumerGroupCurrentMemberAssignmentValue")
}

func regexRecord(group, regex string, rr resolvedRegex) coordinator.Record {
	w := valueWriter()
	w.compactArrayLen(len(rr.topics))
	for _, t := range rr.topics {
		w.compactStr(t)
	}
	w.i64(rr.version)
	w.i64(rr.timestamp)
	w.noTags()
	return consumerRecord(consumerKey{version: consumerRegexKeyVersion, group: group, sub: regex}, w.b)
}

func decodeRegex(value []byte) (resolvedRegex, error) {
	r, err := valueReader(value, "ConsumerGroupRegularExpressionValue")
	if err != nil {
		return resolvedRegex{}, err
	}
	var rr resolvedRegex
	for n := r.compactArrayLen(); n > 0 && r.err == nil; n-- {
		rr.topics = append(rr.topics, r.compactStr())
	}
	slices.Sort(rr.topics)
	rr.version, rr.timestamp = r.i64(), r.i64()
	r.tags(nil)
	return rr, r.done("ConsumerGroupRegularExpressionValue")
}

// writeTopicPartitions writes an assignment as Kafka's []TopicPartitions,
// topics in id order (Kafka writes hash-map order; readers do not care).
func writeTopicPartitions(w *recWriter, a assignor.Assignment) {
	ids := topicIDs(a)
	w.compactArrayLen(len(ids))
	for _, id := range ids {
		w.uuid(id)
		w.compactArrayLen(len(a[id]))
		for _, p := range a[id] {
			w.i32(p)
		}
		w.noTags()
	}
}

func readTopicPartitions(r *recReader) assignor.Assignment {
	a := assignor.Assignment{}
	for n := r.compactArrayLen(); n > 0 && r.err == nil; n-- {
		id := assignor.TopicID(r.uuid())
		var ps []int32
		for k := r.compactArrayLen(); k > 0 && r.err == nil; k-- {
			ps = append(ps, r.i32())
		}
		r.tags(nil) // AssignmentEpochs (tag 0, KIP-1251) is not kept
		if len(ps) > 0 {
			slices.Sort(ps)
			a[id] = slices.Compact(ps)
		}
	}
	return a
}

// topicIDs lists an assignment's topics that have partitions, in order.
func topicIDs(a assignor.Assignment) []assignor.TopicID {
	var ids []assignor.TopicID
	for _, id := range slices.SortedFunc(maps.Keys(a), compareIDs) {
		if len(a[id]) > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

func compareIDs(a, b assignor.TopicID) int {
	return slices.Compare(a[:], b[:])
}
