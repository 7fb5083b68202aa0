package cli

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// The records of KIP-848 consumer groups (key versions 3 to 8 and 16 of
// __consumer_offsets) are printed from their message schemas, as Kafka's
// generated JSON converters print them: fields in schema order, names in
// lower camel case, uuids in Kafka's base64, bytes in base64, tagged fields
// only when they are not their default. Keys use the classic encoding and
// values the flexible one (docs/format/consumer-offsets.md).

type fieldKind int

const (
	kInt8 fieldKind = iota
	kInt32
	kInt64
	kString
	kUUID
	kBytes
	kInt32s  // []int32
	kStrings // []string
	kStructs // []struct
	kStruct
)

// field is one field of a record schema. Tagged fields (tag >= 0) come
// after the untagged ones in the tagged-field section of their struct.
type field struct {
	name     string
	kind     fieldKind
	nullable bool
	fields   []field // of kStruct and kStructs
	tag      int
}

func f(name string, kind fieldKind, sub ...field) field {
	return field{name: name, kind: kind, fields: sub, tag: -1}
}

func (fl field) orNull() field { fl.nullable = true; return fl }

func (fl field) tagged(tag int) field { fl.tag = tag; return fl }

var topicPartitionsSchema = []field{f("topicId", kUUID), f("partitions", kInt32s)}

// consumerGroupSchemas are the key and value schemas by key version, from
// Kafka 4.1's group-coordinator message definitions.
var consumerGroupSchemas = map[int16]struct{ key, value []field }{
	3: { // ConsumerGroupMetadata
		key:   []field{f("groupId", kString)},
		value: []field{f("epoch", kInt32), f("metadataHash", kInt64).tagged(0)},
	},
	4: { // ConsumerGroupPartitionMetadata (Kafka 4.0)
		key: []field{f("groupId", kString)},
		value: []field{f("topics", kStructs,
			f("topicId", kUUID), f("topicName", kString), f("numPartitions", kInt32),
			f("partitionMetadata", kStructs, f("partition", kInt32), f("racks", kStrings)))},
	},
	5: { // ConsumerGroupMemberMetadata
		key: []field{f("groupId", kString), f("memberId", kString)},
		value: []field{
			f("instanceId", kString).orNull(), f("rackId", kString).orNull(),
			f("clientId", kString), f("clientHost", kString),
			f("subscribedTopicNames", kStrings), f("subscribedTopicRegex", kString).orNull(),
			f("rebalanceTimeoutMs", kInt32), f("serverAssignor", kString).orNull(),
			f("classicMemberMetadata", kStruct,
				f("sessionTimeoutMs", kInt32),
				f("supportedProtocols", kStructs, f("name", kString), f("metadata", kBytes)),
			).orNull().tagged(0),
		},
	},
	6: { // ConsumerGroupTargetAssignmentMetadata
		key:   []field{f("groupId", kString)},
		value: []field{f("assignmentEpoch", kInt32)},
	},
	7: { // ConsumerGroupTargetAssignmentMember
		key:   []field{f("groupId", kString), f("memberId", kString)},
		value: []field{f("topicPartitions", kStructs, topicPartitionsSchema...)},
	},
	8: { // ConsumerGroupCurrentMemberAssignment
		key: []field{f("groupId", kString), f("memberId", kString)},
		value: []field{
			f("memberEpoch", kInt32), f("previousMemberEpoch", kInt32), f("state", kInt8),
			f("assignedPartitions", kStructs, topicPartitionsSchema...),
			f("partitionsPendingRevocation", kStructs, topicPartitionsSchema...),
		},
	},
	16: { // ConsumerGroupRegularExpression
		key:   []field{f("groupId", kString), f("regularExpression", kString)},
		value: []field{f("topics", kStrings), f("version", kInt64), f("timestamp", kInt64)},
	},
}

// consumerGroupJSON renders a KIP-848 record's key and value (nil value for
// a tombstone); ok is false for a key version that is not one of them.
func consumerGroupJSON(version int16, key, value []byte) (keyJSON, valueJSON []byte, ok bool, err error) {
	schema, ok := consumerGroupSchemas[version]
	if !ok {
		return nil, nil, false, nil
	}
	kr := &schemaReader{b: key[2:]}
	keyJSON = kr.object(schema.key)
	if err := kr.done("key"); err != nil {
		return nil, nil, true, err
	}
	if value == nil {
		return keyJSON, nil, true, nil
	}
	if len(value) < 2 {
		return nil, nil, true, errors.New("value too short for its version")
	}
	vr := &schemaReader{b: value[2:], flexible: true}
	data := vr.object(schema.value)
	if err := vr.done("value"); err != nil {
		return nil, nil, true, err
	}
	return keyJSON, versioned(int16(binary.BigEndian.Uint16(value)), data), true, nil
}

// schemaReader decodes fields of one encoding; the first error sticks.
type schemaReader struct {
	b        []byte
	flexible bool
	err      error
}

func (r *schemaReader) done(what string) error {
	if r.err == nil && len(r.b) > 0 {
		r.err = fmt.Errorf("%d bytes left after the %s", len(r.b), what)
	}
	if r.err != nil {
		return fmt.Errorf("decode %s: %w", what, r.err)
	}
	return nil
}

func (r *schemaReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.b = nil
}

func (r *schemaReader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail(fmt.Errorf("%d bytes wanted, %d left", n, len(r.b)))
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *schemaReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail(errors.New("bad varint"))
		return 0
	}
	r.b = r.b[n:]
	return v
}

// length reads a string, bytes or array length: -1 is null.
func (r *schemaReader) length(wide bool) int {
	if r.flexible {
		n := r.uvarint()
		if n > math.MaxInt32 {
			r.fail(fmt.Errorf("length %d", n))
			return -1
		}
		return int(n) - 1
	}
	if wide {
		b := r.take(4)
		if b == nil {
			return -1
		}
		return int(int32(binary.BigEndian.Uint32(b)))
	}
	b := r.take(2)
	if b == nil {
		return -1
	}
	return int(int16(binary.BigEndian.Uint16(b)))
}

func (r *schemaReader) int(size int) int64 {
	b := r.take(size)
	switch {
	case b == nil:
		return 0
	case size == 1:
		return int64(int8(b[0]))
	case size == 4:
		return int64(int32(binary.BigEndian.Uint32(b)))
	}
	return int64(binary.BigEndian.Uint64(b))
}

func (r *schemaReader) string() *string {
	n := r.length(false)
	if n < 0 {
		return nil
	}
	s := string(r.take(n))
	return &s
}

// count reads an array length, bounded by the bytes left so a forged count
// cannot make the loop run long.
func (r *schemaReader) count() int {
	n := r.length(true)
	if n > len(r.b) {
		r.fail(fmt.Errorf("array of %d elements in %d bytes", n, len(r.b)))
		return -1
	}
	return n
}

func (r *schemaReader) value(fl field) any {
	switch fl.kind {
	case kInt8:
		return r.int(1)
	case kInt32:
		return r.int(4)
	case kInt64:
		return r.int(8)
	case kString:
		if s := r.string(); s != nil {
			return *s
		}
		return nil
	case kUUID:
		var id [16]byte
		copy(id[:], r.take(16))
		return topicUUID(id)
	case kBytes:
		n := r.length(true)
		if n < 0 {
			return nil
		}
		return r.take(n) // encoding/json writes []byte as base64, as Jackson does
	case kStruct:
		if fl.nullable && r.flexible {
			// A nullable struct is preceded by a presence byte.
			if present := r.int(1); present < 0 {
				return nil
			}
		}
		return r.object(fl.fields)
	}
	n := r.count()
	if n < 0 {
		return nil
	}
	out := make([]any, 0, n)
	for range n {
		switch fl.kind {
		case kInt32s:
			out = append(out, r.int(4))
		case kStrings:
			out = append(out, r.value(field{kind: kString}))
		case kStructs:
			out = append(out, r.object(fl.fields))
		}
	}
	return out
}

// object reads a struct's fields and, when flexible, its tagged fields,
// skipping tags it does not know.
func (r *schemaReader) object(fields []field) json.RawMessage {
	var out []jf
	for _, fl := range fields {
		if fl.tag < 0 {
			out = append(out, jf{fl.name, r.value(fl)})
		}
	}
	if r.flexible {
		// Each tagged field takes at least two bytes, which bounds a forged
		// count.
		tags := r.uvarint()
		if tags > uint64(len(r.b)/2) {
			r.fail(fmt.Errorf("%d tagged fields in %d bytes", tags, len(r.b)))
		}
		for i := uint64(0); i < tags && r.err == nil; i++ {
			tag, size := r.uvarint(), r.uvarint()
			data := r.take(int(min(size, math.MaxInt32)))
			for _, fl := range fields {
				if fl.tag >= 0 && uint64(fl.tag) == tag && r.err == nil {
					sub := &schemaReader{b: data, flexible: true}
					v := sub.value(fl)
					if err := sub.done(fl.name); err != nil {
						r.fail(err)
					}
					out = append(out, jf{fl.name, v})
				}
			}
		}
	}
	return jsonObj(out...)
}
