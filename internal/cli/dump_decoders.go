package cli

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spoolhq/spool/internal/record"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// messageParser renders a record's key and value for --print-data-log; a
// nil result is left out of the line.
type messageParser func(rec *record.Record) (key, payload *string)

// decoder renders bytes as one of Kafka's org.apache.kafka.tools.api
// Decoder classes would.
type decoder func([]byte) string

func (o *dumpLogOptions) messageParser(warn io.Writer) (messageParser, error) {
	switch {
	case o.offsets:
		return parseOffsetsRecord, nil
	case o.txnLog, o.clusterMetadata, o.remoteMetadata, o.shareState:
		fmt.Fprintln(warn, "WARN spool dump-log does not decode this internal topic's records yet; printing them as strings")
	}
	keyDec, err := namedDecoder(o.keyDecoder)
	if err != nil {
		return nil, err
	}
	valueDec, err := namedDecoder(o.valueDecoder)
	if err != nil {
		return nil, err
	}
	return func(rec *record.Record) (*string, *string) {
		var key, payload *string
		if rec.Key != nil {
			k := keyDec(rec.Key)
			key = &k
		}
		if rec.Value != nil {
			v := valueDec(rec.Value)
			payload = &v
		}
		return key, payload
	}, nil
}

func namedDecoder(class string) (decoder, error) {
	switch class[strings.LastIndex(class, ".")+1:] {
	case "StringDecoder", "DefaultDecoder":
		return func(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }, nil
	case "IntegerDecoder":
		return func(b []byte) string {
			if len(b) < 4 {
				return "<not an int>"
			}
			return strconv.Itoa(int(int32(binary.BigEndian.Uint32(b))))
		}, nil
	case "LongDecoder":
		return func(b []byte) string {
			if len(b) < 8 {
				return "<not a long>"
			}
			return strconv.FormatInt(int64(binary.BigEndian.Uint64(b)), 10)
		}, nil
	}
	return nil, fmt.Errorf("java.lang.ClassNotFoundException: %s (spool knows StringDecoder, IntegerDecoder, LongDecoder and DefaultDecoder)", class)
}

// parseOffsetsRecord decodes a __consumer_offsets record into Kafka's JSON
// form: offset commits and classic group metadata.
func parseOffsetsRecord(rec *record.Record) (*string, *string) {
	str := func(s string) *string { return &s }
	if rec.Key == nil || len(rec.Key) < 2 {
		return str(fmt.Sprintf("Failed to decode message at offset %d using offset topic decoder (message had a missing key)", rec.Offset)), nil
	}
	version := int16(binary.BigEndian.Uint16(rec.Key))
	var key, value []byte
	var err error
	switch version {
	case 0, 1:
		key, value, err = offsetCommitJSON(rec)
	case 2:
		key, value, err = groupMetadataJSON(rec)
	default:
		var known bool
		key, value, known, err = consumerGroupJSON(version, rec.Key, rec.Value)
		if !known {
			return str(fmt.Sprintf("Unknown record type %d at offset %d, skipping.", version, rec.Offset)), nil
		}
	}
	if err != nil {
		return str(fmt.Sprintf("Error at offset %d, skipping. %v", rec.Offset, err)), nil
	}
	k := string(jsonObj(jf{"type", strconv.Itoa(int(version))}, jf{"data", json.RawMessage(key)}))
	if value == nil {
		return &k, str("<DELETE>")
	}
	return &k, str(string(value))
}

func offsetCommitJSON(rec *record.Record) (key, value []byte, err error) {
	var k kmsg.OffsetCommitKey
	if err := k.ReadFrom(rec.Key); err != nil {
		return nil, nil, err
	}
	key = jsonObj(jf{"group", k.Group}, jf{"topic", k.Topic}, jf{"partition", k.Partition})
	if rec.Value == nil {
		return key, nil, nil
	}
	var v kmsg.OffsetCommitValue
	if err := v.ReadFrom(rec.Value); err != nil {
		return nil, nil, err
	}
	fields := []jf{{"offset", v.Offset}}
	if v.Version >= 3 {
		fields = append(fields, jf{"leaderEpoch", v.LeaderEpoch})
	}
	fields = append(fields, jf{"metadata", v.Metadata}, jf{"commitTimestamp", v.CommitTimestamp})
	if v.Version == 1 {
		fields = append(fields, jf{"expireTimestamp", v.ExpireTimestamp})
	}
	if v.TopicID != ([16]byte{}) {
		fields = append(fields, jf{"topicId", topicUUID(v.TopicID)})
	}
	return key, versioned(v.Version, jsonObj(fields...)), nil
}

func groupMetadataJSON(rec *record.Record) (key, value []byte, err error) {
	var k kmsg.GroupMetadataKey
	if err := k.ReadFrom(rec.Key); err != nil {
		return nil, nil, err
	}
	key = jsonObj(jf{"group", k.Group})
	if rec.Value == nil {
		return key, nil, nil
	}
	var v kmsg.GroupMetadataValue
	if err := v.ReadFrom(rec.Value); err != nil {
		return nil, nil, err
	}
	fields := []jf{{"protocolType", v.ProtocolType}, {"generation", v.Generation}, {"protocol", v.Protocol}, {"leader", v.Leader}}
	if v.Version >= 2 {
		fields = append(fields, jf{"currentStateTimestamp", v.CurrentStateTimestamp})
	}
	members := make([]json.RawMessage, len(v.Members))
	for i, m := range v.Members {
		members[i] = memberJSON(v.Version, v.ProtocolType, m)
	}
	fields = append(fields, jf{"members", members})
	return key, versioned(v.Version, jsonObj(fields...)), nil
}

func memberJSON(version int16, protocolType string, m kmsg.GroupMetadataValueMember) json.RawMessage {
	fields := []jf{{"memberId", m.MemberID}}
	if version >= 3 {
		fields = append(fields, jf{"groupInstanceId", m.InstanceID})
	}
	fields = append(fields, jf{"clientId", m.ClientID}, jf{"clientHost", m.ClientHost})
	if version >= 1 {
		fields = append(fields, jf{"rebalanceTimeout", m.RebalanceTimeoutMillis})
	}
	fields = append(fields, jf{"sessionTimeout", m.SessionTimeoutMillis})
	var sub, assign any = m.Subscription, m.Assignment
	if protocolType == "consumer" {
		if j := subscriptionJSON(m.Subscription); j != nil {
			sub = j
		}
		if j := assignmentJSON(m.Assignment); j != nil {
			assign = j
		}
	}
	return jsonObj(append(fields, jf{"subscription", sub}, jf{"assignment", assign})...)
}

// subscriptionJSON decodes the consumer protocol's subscription, as Kafka
// does for groups of protocol type "consumer"; nil if it does not decode.
func subscriptionJSON(b []byte) json.RawMessage {
	var s kmsg.ConsumerMemberMetadata
	if err := s.ReadFrom(b); err != nil {
		return nil
	}
	fields := []jf{{"topics", nonNil(s.Topics)}, {"userData", s.UserData}}
	if s.Version >= 1 {
		owned := make([]json.RawMessage, len(s.OwnedPartitions))
		for i, p := range s.OwnedPartitions {
			owned[i] = jsonObj(jf{"topic", p.Topic}, jf{"partitions", nonNil(p.Partitions)})
		}
		fields = append(fields, jf{"ownedPartitions", owned})
	}
	if s.Version >= 2 {
		fields = append(fields, jf{"generationId", s.Generation})
	}
	if s.Version >= 3 {
		fields = append(fields, jf{"rackId", s.Rack})
	}
	return jsonObj(fields...)
}

func assignmentJSON(b []byte) json.RawMessage {
	var a kmsg.ConsumerMemberAssignment
	if err := a.ReadFrom(b); err != nil {
		return nil
	}
	topics := make([]json.RawMessage, len(a.Topics))
	for i, t := range a.Topics {
		topics[i] = jsonObj(jf{"topic", t.Topic}, jf{"partitions", nonNil(t.Partitions)})
	}
	return jsonObj(jf{"assignedPartitions", topics}, jf{"userData", a.UserData})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// versioned wraps a value record as Kafka prints it: {"version":"N","data":...}.
func versioned(version int16, data json.RawMessage) []byte {
	return jsonObj(jf{"version", strconv.Itoa(int(version))}, jf{"data", data})
}

// jf is one field of a JSON object; jsonObj keeps the fields' order, which
// Kafka's printers follow (the message schema's order).
type jf struct {
	name  string
	value any
}

func jsonObj(fields ...jf) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSON(&b, f.name)
		b.WriteByte(':')
		writeJSON(&b, f.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// writeJSON writes v compactly without escaping <, > and &, as Jackson
// leaves them.
func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)       // values here are strings, numbers, bytes and raw JSON
	b.Truncate(b.Len() - 1) // Encode's newline
}
