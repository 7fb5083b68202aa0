package group

import (
	"maps"
	"slices"
)

// offsetEntry is one committed offset, as its OffsetCommit record says.
type offsetEntry struct {
	offset       int64
	leaderEpoch  int32 // -1: none
	metadata     string
	commitTime   int64 // Unix milliseconds
	expireTime   int64 // Unix milliseconds; -1 unless the commit asked for a retention (record version 1)
	recordOffset int64 // where its record is in the partition
}

// offsetStore holds the committed offsets of every group of the shard,
// whatever the group's type. It changes only when records are replayed.
type offsetStore struct {
	byGroup map[string]map[string]map[int32]offsetEntry // group → topic → partition
}

func newOffsetStore() offsetStore {
	return offsetStore{byGroup: map[string]map[string]map[int32]offsetEntry{}}
}

func (o *offsetStore) put(group, topic string, partition int32, e offsetEntry) {
	topics := o.byGroup[group]
	if topics == nil {
		topics = map[string]map[int32]offsetEntry{}
		o.byGroup[group] = topics
	}
	parts := topics[topic]
	if parts == nil {
		parts = map[int32]offsetEntry{}
		topics[topic] = parts
	}
	parts[partition] = e
}

func (o *offsetStore) remove(group, topic string, partition int32) {
	topics := o.byGroup[group]
	parts := topics[topic]
	if parts == nil {
		return
	}
	delete(parts, partition)
	if len(parts) == 0 {
		delete(topics, topic)
	}
	if len(topics) == 0 {
		delete(o.byGroup, group)
	}
}

func (o *offsetStore) get(group, topic string, partition int32) (offsetEntry, bool) {
	e, ok := o.byGroup[group][topic][partition]
	return e, ok
}

// topicPartition names one committed offset of a group.
type topicPartition struct {
	topic     string
	partition int32
}

// topics lists a group's topics in name order.
func (o *offsetStore) topics(group string) []string {
	return slices.Sorted(maps.Keys(o.byGroup[group]))
}

// partitions lists a group's partitions of a topic in order.
func (o *offsetStore) partitions(group, topic string) []int32 {
	return slices.Sorted(maps.Keys(o.byGroup[group][topic]))
}

// all lists every committed offset of a group, by topic then partition.
func (o *offsetStore) all(group string) []topicPartition {
	var out []topicPartition
	for _, t := range o.topics(group) {
		for _, p := range o.partitions(group, t) {
			out = append(out, topicPartition{t, p})
		}
	}
	return out
}

// pendingTransactional reports a transactional commit not yet ended for
// the partition. Transactional offsets (TxnOffsetCommit) come with the
// transactions work; until then there are none. It is the hook for
// OffsetFetch's UNSTABLE_OFFSET_COMMIT (KIP-447) and for offset expiry,
// which keeps such offsets.
func (o *offsetStore) pendingTransactional(group, topic string, partition int32) bool {
	return false
}
