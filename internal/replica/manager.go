package replica

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spoolhq/spool/internal/cleaner"
	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/metrics"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/replica/fetcher"
	"github.com/spoolhq/spool/internal/storage"
)

// Lookup errors; the api layer maps them to Kafka codes.
var (
	// ErrUnknownTopicOrPartition: no such topic or partition in the metadata.
	ErrUnknownTopicOrPartition = errors.New("unknown topic or partition")
	// ErrUnknownTopicID: no topic with this id in the metadata.
	ErrUnknownTopicID = errors.New("unknown topic id")
)

// Options configure a Manager.
type Options struct {
	NodeID int32
	// Static is the node's server.properties config.
	Static *config.Broker
	// Dirs are the opened log directories, in log.dirs order.
	Dirs    []*storage.LogDir
	Metrics *metrics.Metrics // nil: no metrics
	Logger  *slog.Logger
	Now     func() time.Time
	// ISR sends leaders' ISR changes to the controller; nil: partitions
	// led here never propose one (a single node).
	ISR ISRUpdater
	// BrokerEpoch is this broker's epoch once registered (nil: -1).
	BrokerEpoch func() int64
	// Fetch configures the replica fetchers; nil: from Static (replica.*).
	Fetch *fetcher.Config
}

// Manager hosts this broker's partitions.
type Manager struct {
	nodeID  int32
	static  *config.Broker
	dirs    []*storage.LogDir
	metrics *metrics.Metrics
	logger  *slog.Logger
	now     func() time.Time

	table atomic.Pointer[table]
	image atomic.Pointer[metadata.Image]

	// cleaner compacts the compacted topics' logs; nil when disabled
	// (cleaner.go).
	cleaner *cleaner.Cleaner

	// fetchers copy the partitions this broker follows from their leaders;
	// isr sends the ISR changes of partitions it leads (follow.go).
	fetchers    *fetcher.Manager
	isr         *isrSender
	brokerEpoch func() int64
	// hwCheckpoints are the replication-offset-checkpoint values read at
	// Sync, for the partitions opened then.
	hwCheckpoints map[storage.TopicPartition]int64

	// quotas are the replication throttles (throttle.go).
	quotas quotas

	// applyMu serializes metadata changes (and Close) so tables are built
	// one at a time.
	applyMu sync.Mutex
	closed  bool
}

// Topic is a hosted topic.
type Topic struct {
	Name       string
	ID         metadata.TopicID
	Partitions map[int32]*partition.Partition
	Metrics    *metrics.Topic // nil without metrics
}

type table struct {
	byName map[string]*Topic
	byID   map[metadata.TopicID]*Topic
}

// New returns a manager hosting nothing; Sync with the metadata image
// loads the partitions.
func New(o Options) *Manager {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.BrokerEpoch == nil {
		o.BrokerEpoch = func() int64 { return -1 }
	}
	m := &Manager{nodeID: o.NodeID, static: o.Static, dirs: o.Dirs, metrics: o.Metrics, logger: o.Logger, now: o.Now,
		brokerEpoch: o.BrokerEpoch}
	m.table.Store(&table{byName: map[string]*Topic{}, byID: map[metadata.TopicID]*Topic{}})
	m.cleaner = m.newCleaner()
	if o.ISR != nil {
		m.isr = newISRSender(o.ISR)
		m.isr.counts = o.Metrics.Replication()
	}
	m.newQuotas() // throttle.go
	fc := m.fetchConfig()
	if o.Fetch != nil {
		fc = *o.Fetch
	}
	if fc.Quota == nil {
		fc.Quota = m.quotas.follower
	}
	if fc.BrokerEpoch == nil {
		fc.BrokerEpoch = o.BrokerEpoch
	}
	if fc.Logger == nil {
		fc.Logger = o.Logger
	}
	if fc.Replication == nil {
		fc.Replication = o.Metrics.Replication()
	}
	m.fetchers = fetcher.New(fc)
	return m
}

// Topic returns a hosted topic by name.
func (m *Manager) Topic(name string) (*Topic, bool) {
	t, ok := m.table.Load().byName[name]
	return t, ok
}

// TopicByID returns a hosted topic by id.
func (m *Manager) TopicByID(id metadata.TopicID) (*Topic, bool) {
	t, ok := m.table.Load().byID[id]
	return t, ok
}

// Partition finds a hosted partition by topic name.
func (m *Manager) Partition(topic string, index int32) (*partition.Partition, *Topic, error) {
	t, ok := m.Topic(topic)
	if !ok {
		return nil, nil, m.missing(topic, index)
	}
	p, ok := t.Partitions[index]
	if !ok {
		return nil, t, m.missing(topic, index)
	}
	return p, t, nil
}

// PartitionByID finds a hosted partition by topic id.
func (m *Manager) PartitionByID(id metadata.TopicID, index int32) (*partition.Partition, *Topic, error) {
	t, ok := m.TopicByID(id)
	if !ok {
		if img := m.image.Load(); img != nil {
			if it := img.TopicByID(id); it != nil {
				return nil, nil, missingIn(it, index)
			}
		}
		return nil, nil, ErrUnknownTopicID
	}
	p, ok := t.Partitions[index]
	if !ok {
		return nil, t, m.missing(t.Name, index)
	}
	return p, t, nil
}

// missing tells a partition that exists elsewhere (not hosted here) from
// one that does not exist.
func (m *Manager) missing(topic string, index int32) error {
	img := m.image.Load()
	if img == nil {
		return ErrUnknownTopicOrPartition
	}
	if t := img.Topic(topic); t != nil {
		return missingIn(t, index)
	}
	return ErrUnknownTopicOrPartition
}

// missingIn is missing for a topic of the image: a partition it has is
// elsewhere, one it lacks does not exist.
func missingIn(t *metadata.Topic, index int32) error {
	if t.Partition(index) != nil {
		return partition.ErrNotLeader
	}
	return ErrUnknownTopicOrPartition
}

// Topics returns the hosted topics.
func (m *Manager) Topics() []*Topic {
	tb := m.table.Load()
	out := make([]*Topic, 0, len(tb.byName))
	for _, t := range tb.byName {
		out = append(out, t)
	}
	return out
}

// Dirs returns the log directories.
func (m *Manager) Dirs() []*storage.LogDir { return m.dirs }

// TopicConfig resolves a topic's config from the image's layers.
func (m *Manager) TopicConfig(img *metadata.Image, topic string) (config.Topic, error) {
	return config.ResolveTopic(m.layers(img, topic))
}

func (m *Manager) layers(img *metadata.Image, topic string) config.Layers {
	l := config.Layers{Static: m.static.Raw}
	if img != nil {
		l.Topic = img.Configs(metadata.ConfigResource{Type: metadata.ResourceTopic, Name: topic})
		l.DynamicBroker = img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: strconv.Itoa(int(m.nodeID))})
		l.DynamicDefault = img.Configs(metadata.ConfigResource{Type: metadata.ResourceBroker, Name: ""})
	}
	return l
}

// dirFor picks the log directory for a new partition: the one hosting the
// fewest, as Kafka does. It runs once per partition opened, so it costs
// no more than a map lookup per directory: thousands of partitions created
// or loaded at once must not take time quadratic in their number.
func (m *Manager) dirFor(tp storage.TopicPartition) *storage.LogDir {
	for _, d := range m.dirs {
		if d.Has(tp) {
			return d
		}
	}
	best, fewest := m.dirs[0], m.dirs[0].NumPartitions()
	for _, d := range m.dirs[1:] {
		if n := d.NumPartitions(); n < fewest {
			best, fewest = d, n
		}
	}
	return best
}

func (m *Manager) tpString(tp storage.TopicPartition) string {
	return fmt.Sprintf("%s-%d", tp.Topic, tp.Partition)
}
