package metadata

import (
	"cmp"
	"maps"
	"slices"
)

// Delta says what changed between two images, in the terms a broker acts on:
// topics whose partition logs to create or delete, partitions whose leader or
// replicas moved, resources whose configs to reload.
type Delta struct {
	// CreatedTopics are the topics of the new image that the old one lacked.
	CreatedTopics []*Topic
	// DeletedTopics are the topics, as they were, that the new image lacks.
	DeletedTopics []*Topic
	// ChangedPartitions are the partitions created or changed in topics of
	// the new image, the partitions of created topics included.
	ChangedPartitions []PartitionChange
	// ChangedConfigs are the resources whose configs were set or deleted.
	ChangedConfigs []ConfigResource
	// ChangedBrokers are the ids of brokers registered, changed or
	// unregistered.
	ChangedBrokers []int32
	// FeaturesChanged reports a change of a finalized feature level.
	FeaturesChanged bool
	// ProducerIDsChanged reports that a producer ID block was handed out.
	ProducerIDsChanged bool
}

// PartitionChange is a partition created (Prev is nil) or changed.
type PartitionChange struct {
	Topic *Topic // the topic in the new image
	Prev  *Partition
	Next  *Partition
}

// Empty reports whether the delta records no change.
func (d *Delta) Empty() bool {
	return len(d.CreatedTopics) == 0 && len(d.DeletedTopics) == 0 && len(d.ChangedPartitions) == 0 &&
		len(d.ChangedConfigs) == 0 && len(d.ChangedBrokers) == 0 && !d.FeaturesChanged && !d.ProducerIDsChanged
}

// Diff returns the delta between any two images, such as an image and the
// one restored from a snapshot, or the empty image and the current one.
func Diff(prev, next *Image) *Delta {
	d := &Delta{
		FeaturesChanged:    !maps.Equal(prev.features, next.features),
		ProducerIDsChanged: prev.nextProducerID != next.nextProducerID,
	}
	var ids []TopicID
	for id := range prev.topicsByID.all() {
		ids = append(ids, id)
	}
	for id := range next.topicsByID.all() {
		if prev.TopicByID(id) == nil {
			ids = append(ids, id)
		}
	}
	d.addTopics(prev, next, ids)
	for r, m := range prev.configs.all() {
		if !maps.Equal(m, next.Configs(r)) {
			d.ChangedConfigs = append(d.ChangedConfigs, r)
		}
	}
	for r := range next.configs.all() {
		if prev.Configs(r) == nil {
			d.ChangedConfigs = append(d.ChangedConfigs, r)
		}
	}
	slices.SortFunc(d.ChangedConfigs, compareResources)
	brokers := slices.Collect(maps.Keys(prev.brokers))
	for id := range next.brokers {
		if prev.brokers[id] == nil {
			brokers = append(brokers, id)
		}
	}
	d.addBrokers(prev, next, brokers)
	return d
}

// addTopics compares the topics with the given IDs. Within one history an
// unchanged topic or partition is the same pointer in both images, which
// makes most comparisons free; images from different histories, such as one
// restored from a snapshot, are compared by value.
func (d *Delta) addTopics(prev, next *Image, ids []TopicID) {
	for _, id := range ids {
		p, n := prev.TopicByID(id), next.TopicByID(id)
		switch {
		case p == n:
		case n == nil:
			d.DeletedTopics = append(d.DeletedTopics, p)
		case p == nil:
			d.CreatedTopics = append(d.CreatedTopics, n)
			d.addPartitions(nil, n)
		default:
			d.addPartitions(p, n)
		}
	}
	byName := func(a, b *Topic) int { return cmp.Compare(a.Name, b.Name) }
	slices.SortFunc(d.CreatedTopics, byName)
	slices.SortFunc(d.DeletedTopics, byName)
	slices.SortFunc(d.ChangedPartitions, func(a, b PartitionChange) int {
		return cmp.Or(cmp.Compare(a.Topic.Name, b.Topic.Name), cmp.Compare(a.Next.ID, b.Next.ID))
	})
}

func (d *Delta) addPartitions(prev, next *Topic) {
	for i, n := range next.partitions {
		var p *Partition
		if prev != nil && i < len(prev.partitions) {
			p = prev.partitions[i]
		}
		if p == nil || !p.Equal(n) {
			d.ChangedPartitions = append(d.ChangedPartitions, PartitionChange{Topic: next, Prev: p, Next: n})
		}
	}
}

func (d *Delta) addBrokers(prev, next *Image, ids []int32) {
	for _, id := range ids {
		if !prev.brokers[id].Equal(next.brokers[id]) {
			d.ChangedBrokers = append(d.ChangedBrokers, id)
		}
	}
	slices.Sort(d.ChangedBrokers)
}
