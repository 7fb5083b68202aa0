package metadata

import (
	"cmp"
	"maps"
	"slices"
	"sync"
)

// Image is the cluster metadata as of one point of the metadata log. It is
// immutable: Apply returns a new Image, and the maps, topics, partitions and
// brokers an Image hands out are shared with other images and must not be
// modified. Any number of goroutines may read an Image at once.
type Image struct {
	clusterID      string
	offset         int64
	epoch          int32
	brokers        map[int32]*Broker
	topicsByID     *cowMap[TopicID, *Topic]
	topicsByName   *cowMap[string, *Topic]
	configs        *cowMap[ConfigResource, map[string]string]
	features       map[string]int16
	nextProducerID int64

	// sorted caches the topics in name order, computed on first use: the
	// Metadata API lists all topics often, and images change rarely.
	sorted *sortedTopics
}

type sortedTopics struct {
	once   sync.Once
	topics []*Topic
}

// NewImage returns the empty image of a cluster, before any record.
func NewImage(clusterID string) *Image {
	return &Image{
		clusterID:    clusterID,
		offset:       -1,
		epoch:        -1,
		brokers:      map[int32]*Broker{},
		topicsByID:   newCOWMap[TopicID, *Topic](),
		topicsByName: newCOWMap[string, *Topic](),
		configs:      newCOWMap[ConfigResource, map[string]string](),
		features:     map[string]int16{},
		sorted:       &sortedTopics{},
	}
}

// ClusterID returns the ID of the cluster the image belongs to.
func (i *Image) ClusterID() string { return i.clusterID }

// Offset returns the metadata log offset of the last batch the image
// contains, or -1 for an empty log.
func (i *Image) Offset() int64 { return i.offset }

// Epoch returns the epoch (Raft term) of the last batch the image contains.
func (i *Image) Epoch() int32 { return i.epoch }

// Broker returns the registered broker id, or nil.
func (i *Image) Broker(id int32) *Broker { return i.brokers[id] }

// Brokers returns the registered brokers in id order.
func (i *Image) Brokers() []*Broker {
	bs := slices.Collect(maps.Values(i.brokers))
	slices.SortFunc(bs, func(a, b *Broker) int { return cmp.Compare(a.ID, b.ID) })
	return bs
}

// Topic returns the topic called name, or nil.
func (i *Image) Topic(name string) *Topic { return i.topicsByName.get(name) }

// TopicByID returns the topic with the given ID, or nil.
func (i *Image) TopicByID(id TopicID) *Topic { return i.topicsByID.get(id) }

// NumTopics returns the number of topics.
func (i *Image) NumTopics() int { return i.topicsByID.Len() }

// Topics returns all topics in name order. The slice is shared: do not
// modify it.
func (i *Image) Topics() []*Topic {
	i.sorted.once.Do(func() {
		ts := make([]*Topic, 0, i.topicsByName.Len())
		for _, t := range i.topicsByName.all() {
			ts = append(ts, t)
		}
		slices.SortFunc(ts, func(a, b *Topic) int { return cmp.Compare(a.Name, b.Name) })
		i.sorted.topics = ts
	})
	return i.sorted.topics
}

// Configs returns the configs set on a resource, or nil if none are. The map
// is shared: do not modify it.
func (i *Image) Configs(r ConfigResource) map[string]string { return i.configs.get(r) }

// ConfigResources returns the resources that have configs set, sorted by
// type and name.
func (i *Image) ConfigResources() []ConfigResource {
	rs := make([]ConfigResource, 0, i.configs.Len())
	for r := range i.configs.all() {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, compareResources)
	return rs
}

func compareResources(a, b ConfigResource) int {
	return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Name, b.Name))
}

// Feature returns the finalized level of a feature.
func (i *Image) Feature(name string) (int16, bool) {
	l, ok := i.features[name]
	return l, ok
}

// Features returns a copy of the finalized features and their levels.
func (i *Image) Features() map[string]int16 { return maps.Clone(i.features) }

// MetadataVersion returns the finalized metadata.version level, 0 if none.
func (i *Image) MetadataVersion() int16 { return i.features[MetadataVersionFeature] }

// NextProducerID returns the first producer ID of the next block the
// controller will hand out.
func (i *Image) NextProducerID() int64 { return i.nextProducerID }

// Apply replays records onto i and returns the resulting image, at i's
// offset and epoch, and what changed. It fails, leaving i as it is, if a
// record does not fit the image (a topic that already exists, a partition of
// an unknown topic, ...).
func (i *Image) Apply(records []Record) (*Image, *Delta, error) {
	return i.ApplyAt(i.offset, i.epoch, records)
}

// ApplyAt is Apply for the batch at a given log offset and epoch.
func (i *Image) ApplyAt(offset int64, epoch int32, records []Record) (*Image, *Delta, error) {
	b := newBuilder(i)
	for n, r := range records {
		if err := b.apply(r); err != nil {
			return nil, nil, &ReplayError{Index: n, Type: r.Type(), Err: err}
		}
	}
	next, d := b.finish()
	next.offset, next.epoch = offset, epoch
	return next, d, nil
}
