package metadata

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ReplayError reports a record that does not fit the image it is applied to.
type ReplayError struct {
	Index int // position of the record in its batch
	Type  RecordType
	Err   error
}

func (e *ReplayError) Error() string {
	return fmt.Sprintf("replay record %d (%s): %v", e.Index, e.Type, e.Err)
}

func (e *ReplayError) Unwrap() error { return e.Err }

// builder applies records to a copy of an image. Topics and configs live in
// sharded copy-on-write maps, and each topic is copied at most once per
// batch, on its first change, so a batch costs in proportion to what it
// changes, not to the size of the cluster.
type builder struct {
	prev, next *Image

	topicsByID   *cowWriter[TopicID, *Topic]
	topicsByName *cowWriter[string, *Topic]
	configs      *cowWriter[ConfigResource, map[string]string]
	ownBrokers   bool
	ownFeatures  bool
	ownTopic     map[TopicID]bool

	touchedTopics    map[TopicID]bool
	touchedConfigs   map[ConfigResource]bool
	touchedBrokers   map[int32]bool
	featuresChanged  bool
	producerIDsMoved bool
}

func newBuilder(prev *Image) *builder {
	next := *prev
	next.sorted = &sortedTopics{}
	return &builder{
		prev:           prev,
		next:           &next,
		topicsByID:     newCOWWriter(prev.topicsByID),
		topicsByName:   newCOWWriter(prev.topicsByName),
		configs:        newCOWWriter(prev.configs),
		ownTopic:       map[TopicID]bool{},
		touchedTopics:  map[TopicID]bool{},
		touchedConfigs: map[ConfigResource]bool{},
		touchedBrokers: map[int32]bool{},
	}
}

func (b *builder) apply(r Record) error {
	switch r := r.(type) {
	case RegisterBrokerRecord:
		return b.registerBroker(r)
	case UnregisterBrokerRecord:
		return b.unregisterBroker(r)
	case BrokerRegistrationChangeRecord:
		return b.changeBroker(r)
	case TopicRecord:
		return b.createTopic(r)
	case PartitionRecord:
		return b.setPartition(r)
	case PartitionChangeRecord:
		return b.changePartition(r)
	case RemoveTopicRecord:
		return b.removeTopic(r)
	case ConfigRecord:
		b.setConfig(r)
		return nil
	case ProducerIdsRecord:
		return b.setProducerIDs(r)
	case FeatureLevelRecord:
		b.setFeature(r)
		return nil
	}
	return fmt.Errorf("unknown record %T", r)
}

func (b *builder) writableBrokers() map[int32]*Broker {
	if !b.ownBrokers {
		b.next.brokers = maps.Clone(b.next.brokers)
		b.ownBrokers = true
	}
	return b.next.brokers
}

func (b *builder) registerBroker(r RegisterBrokerRecord) error {
	if r.BrokerID < 0 {
		return fmt.Errorf("invalid broker id %d", r.BrokerID)
	}
	b.writableBrokers()[r.BrokerID] = brokerFromRecord(r)
	b.touchedBrokers[r.BrokerID] = true
	return nil
}

// brokerAt returns the broker registered under id with the given epoch.
func (b *builder) brokerAt(id int32, epoch int64) (*Broker, error) {
	br := b.next.brokers[id]
	if br == nil {
		return nil, fmt.Errorf("broker %d is not registered", id)
	}
	if br.Epoch != epoch {
		return nil, fmt.Errorf("broker %d has epoch %d, not %d", id, br.Epoch, epoch)
	}
	return br, nil
}

func (b *builder) unregisterBroker(r UnregisterBrokerRecord) error {
	if _, err := b.brokerAt(r.BrokerID, r.BrokerEpoch); err != nil {
		return err
	}
	delete(b.writableBrokers(), r.BrokerID)
	b.touchedBrokers[r.BrokerID] = true
	return nil
}

func (b *builder) changeBroker(r BrokerRegistrationChangeRecord) error {
	br, err := b.brokerAt(r.BrokerID, r.BrokerEpoch)
	if err != nil {
		return err
	}
	n := *br
	switch r.Fenced {
	case Unfence:
		n.Fenced = false
	case Fence:
		n.Fenced = true
	case NoFencingChange:
	default:
		return fmt.Errorf("invalid fencing change %d", r.Fenced)
	}
	switch r.InControlledShutdown {
	case 0:
	case 1:
		n.InControlledShutdown = true
	default:
		return fmt.Errorf("invalid controlled shutdown change %d", r.InControlledShutdown)
	}
	b.writableBrokers()[r.BrokerID] = &n
	b.touchedBrokers[r.BrokerID] = true
	return nil
}

func (b *builder) topic(id TopicID) *Topic { return b.topicsByID.current().get(id) }

func (b *builder) putTopic(t *Topic) {
	b.topicsByID.set(t.ID, t)
	b.topicsByName.set(t.Name, t)
}

// writableTopic returns a copy of the topic, made once per batch, that the
// batch may change, or nil if there is no such topic.
func (b *builder) writableTopic(id TopicID) *Topic {
	t := b.topic(id)
	if t == nil || b.ownTopic[id] {
		return t
	}
	t = t.clone()
	b.putTopic(t)
	b.ownTopic[id] = true
	return t
}

func (b *builder) createTopic(r TopicRecord) error {
	switch {
	case r.Name == "":
		return errors.New("empty topic name")
	case r.TopicID.Reserved():
		return fmt.Errorf("topic %s has reserved id %s", r.Name, r.TopicID)
	case b.topic(r.TopicID) != nil:
		return fmt.Errorf("topic id %s already exists", r.TopicID)
	case b.topicsByName.current().get(r.Name) != nil:
		return fmt.Errorf("topic %s already exists", r.Name)
	}
	t := &Topic{ID: r.TopicID, Name: r.Name}
	b.putTopic(t)
	b.ownTopic[t.ID] = true
	b.touchedTopics[t.ID] = true
	return nil
}

func (b *builder) setPartition(r PartitionRecord) error {
	t := b.topic(r.TopicID)
	if t == nil {
		return fmt.Errorf("unknown topic id %s", r.TopicID)
	}
	if r.Partition < 0 || int(r.Partition) > len(t.partitions) {
		return fmt.Errorf("partition %d of %s is out of order: the topic has %d", r.Partition, t.Name, len(t.partitions))
	}
	t = b.writableTopic(r.TopicID)
	p := partitionFromRecord(r)
	if int(r.Partition) == len(t.partitions) {
		t.partitions = append(t.partitions, p)
	} else {
		t.partitions[r.Partition] = p
	}
	b.touchedTopics[t.ID] = true
	return nil
}

func (b *builder) changePartition(r PartitionChangeRecord) error {
	t := b.topic(r.TopicID)
	if t == nil {
		return fmt.Errorf("unknown topic id %s", r.TopicID)
	}
	if t.Partition(r.Partition) == nil {
		return fmt.Errorf("unknown partition %s-%d", t.Name, r.Partition)
	}
	t = b.writableTopic(r.TopicID)
	t.partitions[r.Partition] = t.partitions[r.Partition].merge(r)
	b.touchedTopics[t.ID] = true
	return nil
}

// removeTopic deletes the topic and, as in Kafka, its configs.
func (b *builder) removeTopic(r RemoveTopicRecord) error {
	t := b.topic(r.TopicID)
	if t == nil {
		return fmt.Errorf("unknown topic id %s", r.TopicID)
	}
	b.topicsByID.delete(t.ID)
	b.topicsByName.delete(t.Name)
	b.touchedTopics[t.ID] = true
	res := ConfigResource{Type: ResourceTopic, Name: t.Name}
	if b.configs.current().get(res) != nil {
		b.configs.delete(res)
		b.touchedConfigs[res] = true
	}
	return nil
}

// setConfig copies the resource's map on every record; resources hold a few
// keys, so this is cheaper than tracking ownership per resource.
func (b *builder) setConfig(r ConfigRecord) {
	res := ConfigResource{Type: r.ResourceType, Name: r.ResourceName}
	cur := b.configs.current().get(res)
	if _, ok := cur[r.Name]; !ok && r.Value == nil {
		return
	}
	m := maps.Clone(cur)
	if m == nil {
		m = map[string]string{}
	}
	if r.Value == nil {
		delete(m, r.Name)
	} else {
		m[r.Name] = *r.Value
	}
	if len(m) == 0 {
		b.configs.delete(res)
	} else {
		b.configs.set(res, m)
	}
	b.touchedConfigs[res] = true
}

func (b *builder) setProducerIDs(r ProducerIdsRecord) error {
	if r.NextProducerID <= b.next.nextProducerID {
		return fmt.Errorf("next producer id %d is not above %d", r.NextProducerID, b.next.nextProducerID)
	}
	b.next.nextProducerID = r.NextProducerID
	b.producerIDsMoved = true
	return nil
}

func (b *builder) setFeature(r FeatureLevelRecord) {
	if !b.ownFeatures {
		b.next.features = maps.Clone(b.next.features)
		b.ownFeatures = true
	}
	if r.Level == 0 {
		delete(b.next.features, r.Name)
	} else {
		b.next.features[r.Name] = r.Level
	}
	b.featuresChanged = true
}

// finish returns the new image and the delta from the old one. The delta
// compares only what the batch touched.
func (b *builder) finish() (*Image, *Delta) {
	b.next.topicsByID = b.topicsByID.current()
	b.next.topicsByName = b.topicsByName.current()
	b.next.configs = b.configs.current()
	d := &Delta{
		FeaturesChanged:    b.featuresChanged,
		ProducerIDsChanged: b.producerIDsMoved,
	}
	d.addTopics(b.prev, b.next, slices.Collect(maps.Keys(b.touchedTopics)))
	// Every config record counts, even one that sets the value a key
	// already has: Kafka writes such records for broker configs to make
	// brokers reload them (KAFKA-14136).
	d.ChangedConfigs = slices.SortedFunc(maps.Keys(b.touchedConfigs), compareResources)
	d.addBrokers(b.prev, b.next, slices.Collect(maps.Keys(b.touchedBrokers)))
	return b.next, d
}
