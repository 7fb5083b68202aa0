package group

import "fmt"

// Replay applies one committed record of the partition: every record, in
// log order, when the shard is loaded, and each record the shard wrote
// once it is committed. Committed offsets and the durable state of groups
// change only here. A record it cannot decode is reported as a
// *RecordError and changes nothing.
func (s *Shard) Replay(offset int64, key, value []byte) error {
	version, err := recordKeyVersion(key)
	if err == nil {
		switch version {
		case 0, 1:
			err = s.replayOffsetCommit(offset, key, value)
		case 2:
			err = s.replayGroupMetadata(key, value)
		case consumerMetadataKeyVersion, consumerPartitionMetadataKeyVersion, consumerMemberKeyVersion,
			consumerTargetMetadataKeyVersion, consumerTargetMemberKeyVersion, consumerCurrentKeyVersion,
			consumerRegexKeyVersion:
			err = s.replayConsumer(key, value)
		default:
			err = fmt.Errorf("%w: key version %d", ErrUnknownRecordType, version)
		}
	}
	if err != nil {
		return &RecordError{Offset: offset, Err: err}
	}
	return nil
}

func (s *Shard) replayOffsetCommit(offset int64, key, value []byte) error {
	k, err := decodeOffsetCommitKey(key)
	if err != nil {
		return err
	}
	if value == nil {
		s.offsets.remove(k.Group, k.Topic, k.Partition)
		return nil
	}
	e, err := decodeOffsetCommitValue(value, offset)
	if err != nil {
		return err
	}
	if _, ok := s.groups[k.Group]; !ok {
		// Offsets committed outside group membership make a "simple"
		// group: an empty classic group without a protocol type.
		s.groups[k.Group] = newClassicGroup(k.Group, stateEmpty, -1)
	}
	s.offsets.put(k.Group, k.Topic, k.Partition, e)
	return nil
}
