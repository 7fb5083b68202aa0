package group

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// The __consumer_offsets records, in Kafka's formats (see
// docs/format/consumer-offsets.md). A key starts with its version, which
// also says the record's type: 0 and 1 are offset commits, 2 is group
// metadata; 3 to 8 are KIP-848 consumer group records and 9 to 14 share
// group records, which this package does not know yet.
const (
	offsetCommitKeyVersion  = 1 // Kafka writes 1; 0 is the same layout
	groupMetadataKeyVersion = 2

	// Kafka 4.0 writes OffsetCommitValue version 3, or version 1 when the
	// commit carries an expire timestamp (OffsetCommit v2-v4 with a
	// retention time), which only version 1 can hold
	// (MetadataVersion.offsetCommitValueVersion).
	offsetCommitValueVersion        = 3
	offsetCommitValueVersionExpires = 1
	// Kafka 4.0 writes GroupMetadataValue version 3, the newest
	// non-flexible one (MetadataVersion.groupMetadataValueVersion).
	groupMetadataValueVersion = 3

	maxOffsetCommitValueVersion  = 4
	maxGroupMetadataValueVersion = 4
)

// RecordError is a record that Replay cannot apply; Offset is its position
// in the partition.
type RecordError struct {
	Offset int64
	Err    error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("__consumer_offsets record at offset %d: %v", e.Offset, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// ErrUnknownRecordType is a key whose version names no record type this
// package knows.
var ErrUnknownRecordType = errors.New("unknown record type")

func offsetCommitKey(group, topic string, partition int32) []byte {
	k := kmsg.OffsetCommitKey{Version: offsetCommitKeyVersion, Group: group, Topic: topic, Partition: partition}
	return k.AppendTo(nil)
}

func offsetCommitRecord(group, topic string, partition int32, e offsetEntry) coordinator.Record {
	v := kmsg.NewOffsetCommitValue()
	v.Version = offsetCommitValueVersion
	if e.expireTime != -1 {
		v.Version = offsetCommitValueVersionExpires
	}
	v.Offset, v.LeaderEpoch, v.Metadata = e.offset, e.leaderEpoch, e.metadata
	v.CommitTimestamp, v.ExpireTimestamp = e.commitTime, e.expireTime
	return coordinator.Record{Key: offsetCommitKey(group, topic, partition), Value: v.AppendTo(nil)}
}

func offsetTombstone(group, topic string, partition int32) coordinator.Record {
	return coordinator.Record{Key: offsetCommitKey(group, topic, partition)}
}

func groupMetadataKey(group string) []byte {
	k := kmsg.GroupMetadataKey{Version: groupMetadataKeyVersion, Group: group}
	return k.AppendTo(nil)
}

func groupMetadataRecord(group string, v *kmsg.GroupMetadataValue) coordinator.Record {
	v.Version = groupMetadataValueVersion
	return coordinator.Record{Key: groupMetadataKey(group), Value: v.AppendTo(nil)}
}

func groupTombstone(group string) coordinator.Record {
	return coordinator.Record{Key: groupMetadataKey(group)}
}

// recordKeyVersion reads the version that starts every key.
func recordKeyVersion(key []byte) (int16, error) {
	if len(key) < 2 {
		return 0, fmt.Errorf("key of %d bytes has no version", len(key))
	}
	return int16(binary.BigEndian.Uint16(key)), nil
}

func decodeOffsetCommitKey(key []byte) (kmsg.OffsetCommitKey, error) {
	var k kmsg.OffsetCommitKey
	if err := k.ReadFrom(key); err != nil {
		return k, fmt.Errorf("decode OffsetCommitKey: %w", err)
	}
	return k, nil
}

// decodeOffsetCommitValue reads any version Kafka has written, with
// Kafka's defaults for the fields a version lacks.
func decodeOffsetCommitValue(value []byte, recordOffset int64) (offsetEntry, error) {
	var v kmsg.OffsetCommitValue
	if err := v.ReadFrom(value); err != nil {
		return offsetEntry{}, fmt.Errorf("decode OffsetCommitValue: %w", err)
	}
	if v.Version < 0 || v.Version > maxOffsetCommitValueVersion {
		return offsetEntry{}, fmt.Errorf("OffsetCommitValue version %d is not one Kafka defines", v.Version)
	}
	e := offsetEntry{
		offset: v.Offset, leaderEpoch: -1, metadata: v.Metadata,
		commitTime: v.CommitTimestamp, expireTime: -1, recordOffset: recordOffset,
	}
	if v.Version >= 3 {
		e.leaderEpoch = v.LeaderEpoch
	}
	if v.Version == 1 {
		e.expireTime = v.ExpireTimestamp
	}
	return e, nil
}

func decodeGroupMetadataKey(key []byte) (kmsg.GroupMetadataKey, error) {
	var k kmsg.GroupMetadataKey
	if err := k.ReadFrom(key); err != nil {
		return k, fmt.Errorf("decode GroupMetadataKey: %w", err)
	}
	return k, nil
}

func decodeGroupMetadataValue(value []byte) (*kmsg.GroupMetadataValue, error) {
	v := newGroupMetadataValue()
	if err := v.ReadFrom(value); err != nil {
		return nil, fmt.Errorf("decode GroupMetadataValue: %w", err)
	}
	if v.Version < 0 || v.Version > maxGroupMetadataValueVersion {
		return nil, fmt.Errorf("GroupMetadataValue version %d is not one Kafka defines", v.Version)
	}
	// kmsg may alias the record's bytes; the group keeps these.
	for i := range v.Members {
		m := &v.Members[i]
		m.Subscription, m.Assignment = bytes.Clone(m.Subscription), bytes.Clone(m.Assignment)
	}
	return v, nil
}

func newGroupMetadataValue() *kmsg.GroupMetadataValue {
	v := kmsg.NewGroupMetadataValue()
	return &v
}
