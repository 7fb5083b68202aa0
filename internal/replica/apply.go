package replica

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sync"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/storage"
)

// ErrClosed is returned for metadata changes after Close.
var ErrClosed = errors.New("replica manager is closed")

// Sync makes the hosted partitions match img: logs on disk that belong to
// no topic of the image (a topic deleted while the broker was down, or
// recreated under a new id) are deleted, and every partition of the image
// with this node among its replicas is opened. It runs at start-up.
func (m *Manager) Sync(img *metadata.Image) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	if m.closed {
		return ErrClosed
	}
	if err := m.deleteStrayLogs(img); err != nil {
		return err
	}
	var want []metadata.PartitionChange
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if slices.Contains(p.Replicas, m.nodeID) {
				want = append(want, metadata.PartitionChange{Topic: t, Next: p})
			}
		}
	}
	m.readHighWatermarks()
	m.applyQuotas(img)
	tb := m.table.Load()
	next := &table{byName: maps.Clone(tb.byName), byID: maps.Clone(tb.byID)}
	m.image.Store(img) // before opening: partitions read brokers from it
	opened, err := m.openAll(img, want)
	var roles []roleChange
	for _, o := range opened {
		next.add(m, o.topic, o.part)
		roles = append(roles, roleChange{p: o.part, id: o.topic.ID, mp: o.topic.Partition(o.part.Index())})
	}
	m.table.Store(next)
	return errors.Join(err, m.follow(img, roles))
}

// readHighWatermarks loads the replication-offset-checkpoint of every log
// directory, for the partitions Sync opens.
func (m *Manager) readHighWatermarks() {
	m.hwCheckpoints = map[storage.TopicPartition]int64{}
	for _, d := range m.dirs {
		hw, err := d.ReadReplicationCheckpoint()
		if err != nil {
			m.logger.Warn("unreadable high watermark checkpoint; high watermarks start at the log start", "dir", d.Path(), "err", err)
			continue
		}
		maps.Copy(m.hwCheckpoints, hw)
	}
}

// deleteStrayLogs removes partition logs whose topic id does not match the
// image's topic of that name.
func (m *Manager) deleteStrayLogs(img *metadata.Image) error {
	for _, d := range m.dirs {
		for _, tp := range d.Partitions() {
			stray, why := m.isStray(img, d, tp)
			if !stray {
				continue
			}
			m.logger.Warn("deleting stray partition log", "partition", m.tpString(tp), "dir", d.Path(), "reason", why)
			m.pauseCleaning(tp)
			if err := d.DeleteLog(tp); err != nil {
				return fmt.Errorf("delete stray log %s: %w", m.tpString(tp), err)
			}
			if err := m.forgetCleaning(tp); err != nil {
				m.logger.Warn("drop the cleaner checkpoint of a deleted log", "partition", m.tpString(tp), "err", err)
			}
		}
	}
	return nil
}

func (m *Manager) isStray(img *metadata.Image, d *storage.LogDir, tp storage.TopicPartition) (bool, string) {
	t := img.Topic(tp.Topic)
	if t == nil {
		return true, "no such topic in the metadata"
	}
	p := t.Partition(tp.Partition)
	if p == nil || !slices.Contains(p.Replicas, m.nodeID) {
		return true, "partition not assigned to this broker"
	}
	id, err := storage.ReadPartitionMetadata(d.Path() + "/" + storage.PartitionDirName(tp))
	if errors.Is(err, fs.ErrNotExist) {
		return false, ""
	}
	if err != nil {
		m.logger.Warn("unreadable partition.metadata; keeping the log", "partition", m.tpString(tp), "err", err)
		return false, ""
	}
	if metadata.TopicID(id) != t.ID {
		return true, "topic id differs from the metadata's (the topic was recreated)"
	}
	return false, ""
}

type openedPartition struct {
	topic *metadata.Topic
	part  *partition.Partition
}

// openAll opens partitions on a few goroutines: after an unclean shutdown
// each open recovers its log, which reads data.
func (m *Manager) openAll(img *metadata.Image, changes []metadata.PartitionChange) ([]openedPartition, error) {
	workers := min(len(changes), max(2, 2*len(m.dirs)))
	jobs := make(chan metadata.PartitionChange)
	var (
		mu     sync.Mutex
		opened []openedPartition
		errs   []error
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				p, err := m.openPartition(img, c.Topic, c.Next)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					opened = append(opened, openedPartition{topic: c.Topic, part: p})
				}
				mu.Unlock()
			}
		}()
	}
	for _, c := range changes {
		jobs <- c
	}
	close(jobs)
	wg.Wait()
	return opened, errors.Join(errs...)
}

func (m *Manager) openPartition(img *metadata.Image, t *metadata.Topic, mp *metadata.Partition) (*partition.Partition, error) {
	cfg, err := m.TopicConfig(img, t.Name)
	if err != nil {
		return nil, fmt.Errorf("config of topic %s: %w", t.Name, err)
	}
	tp := storage.TopicPartition{Topic: t.Name, Partition: mp.ID}
	log, err := m.dirFor(tp).Log(tp, partition.StorageConfig(cfg))
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", m.tpString(tp), err)
	}
	if _, err := storage.ReadPartitionMetadata(log.Dir()); errors.Is(err, fs.ErrNotExist) {
		if err := storage.WritePartitionMetadata(log.Dir(), storage.UUID(t.ID)); err != nil {
			return nil, fmt.Errorf("write partition.metadata of %s: %w", m.tpString(tp), err)
		}
	}
	po := partition.Options{
		Topic: t.Name, Index: mp.ID, TopicID: t.ID, NodeID: m.nodeID, Log: log, Config: cfg,
		ProducerExpirationMs: int64(m.static.ProducerIDExpirationMs), Logger: m.logger, Now: m.now,
		HighWatermark: m.hwCheckpoints[tp],
	}
	m.partitionOptions(&po)
	p, err := partition.Open(po)
	if err != nil {
		return nil, err
	}
	if err := p.SetLeadership(leadership(mp)); err != nil {
		return nil, err
	}
	return p, nil
}

func leadership(p *metadata.Partition) partition.Leadership {
	return partition.Leadership{Leader: p.Leader, LeaderEpoch: p.LeaderEpoch, PartitionEpoch: p.PartitionEpoch,
		Replicas: p.Replicas, ISR: p.ISR}
}

// add hosts p in the table, copying the topic entry it changes.
func (tb *table) add(m *Manager, t *metadata.Topic, p *partition.Partition) {
	old := tb.byName[t.Name]
	nt := &Topic{Name: t.Name, ID: t.ID, Partitions: map[int32]*partition.Partition{}}
	if old != nil && old.ID == t.ID {
		nt.Partitions = maps.Clone(old.Partitions)
		nt.Metrics = old.Metrics
	} else if m.metrics != nil {
		nt.Metrics = m.metrics.Topic(t.Name)
	}
	nt.Partitions[p.Index()] = p
	tb.byName[t.Name] = nt
	tb.byID[t.ID] = nt
}

// Apply brings the hosted partitions in line with a committed metadata
// change: deleted topics' logs go, new partitions open, leadership and
// configs are updated.
func (m *Manager) Apply(img *metadata.Image, d *metadata.Delta) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	if m.closed {
		return ErrClosed
	}
	tb := m.table.Load()
	next := &table{byName: maps.Clone(tb.byName), byID: maps.Clone(tb.byID)}
	var errs []error
	for _, t := range d.DeletedTopics {
		errs = append(errs, m.removeTopic(next, t))
	}
	m.image.Store(img) // before leadership changes: partitions read brokers from it
	var (
		toOpen []metadata.PartitionChange
		roles  []roleChange
	)
	for _, c := range d.ChangedPartitions {
		hosted := next.partition(c.Topic.ID, c.Next.ID)
		mine := slices.Contains(c.Next.Replicas, m.nodeID)
		switch {
		case mine && hosted == nil:
			toOpen = append(toOpen, c)
		case mine:
			if c.Next.Leader == m.nodeID {
				// Kafka stops fetching before it makes a partition leader.
				m.fetchers.Remove([]*partition.Partition{hosted})
			}
			errs = append(errs, hosted.SetLeadership(leadership(c.Next)))
			roles = append(roles, roleChange{p: hosted, id: c.Topic.ID, mp: c.Next})
		case hosted != nil:
			errs = append(errs, m.removePartition(next, c.Topic, hosted)) // reassigned away
		}
	}
	opened, err := m.openAll(img, toOpen)
	errs = append(errs, err)
	for _, o := range opened {
		next.add(m, o.topic, o.part)
		roles = append(roles, roleChange{p: o.part, id: o.topic.ID, mp: o.topic.Partition(o.part.Index())})
	}
	errs = append(errs, m.applyConfigs(img, next, d.ChangedConfigs))
	m.table.Store(next)
	roles = append(roles, m.followersOf(img, d.ChangedBrokers)...)
	errs = append(errs, m.follow(img, roles))
	return errors.Join(errs...)
}

func (tb *table) partition(id metadata.TopicID, index int32) *partition.Partition {
	if t, ok := tb.byID[id]; ok {
		return t.Partitions[index]
	}
	return nil
}

func (m *Manager) removeTopic(tb *table, t *metadata.Topic) error {
	hosted, ok := tb.byID[t.ID]
	if !ok {
		return nil
	}
	delete(tb.byID, t.ID)
	if cur, ok := tb.byName[t.Name]; ok && cur.ID == t.ID {
		delete(tb.byName, t.Name)
	}
	var errs []error
	parts := make([]*partition.Partition, 0, len(hosted.Partitions))
	for _, p := range hosted.Partitions {
		parts = append(parts, p)
	}
	m.fetchers.Remove(parts) // no fetcher writes to a log being deleted
	for idx, p := range hosted.Partitions {
		tp := storage.TopicPartition{Topic: t.Name, Partition: idx}
		m.pauseCleaning(tp) // Kafka's abortAndPauseCleaning before a log goes
		for _, d := range m.dirs {
			if _, ok := d.Get(tp); ok {
				errs = append(errs, d.DeleteLog(tp))
			}
		}
		errs = append(errs, m.forgetCleaning(tp))
		p.Notify()
	}
	if m.metrics != nil {
		m.metrics.ForgetTopic(t.Name)
	}
	m.logger.Info("deleted topic", "topic", t.Name, "partitions", len(hosted.Partitions))
	return errors.Join(errs...)
}

// applyConfigs re-resolves the config of topics whose own or whose
// broker-level configs changed.
func (m *Manager) applyConfigs(img *metadata.Image, tb *table, changed []metadata.ConfigResource) error {
	affected := map[string]bool{}
	for _, r := range changed {
		if r.Type == metadata.ResourceBroker {
			m.applyQuotas(img)
			for name := range tb.byName {
				affected[name] = true
			}
			break
		}
		if r.Type == metadata.ResourceTopic {
			affected[r.Name] = true
		}
	}
	var errs []error
	for name := range affected {
		t, ok := tb.byName[name]
		if !ok {
			continue
		}
		cfg, err := config.ResolveTopic(m.layers(img, name))
		if err != nil {
			errs = append(errs, fmt.Errorf("config of topic %s: %w", name, err))
			continue
		}
		for _, p := range t.Partitions {
			errs = append(errs, p.SetConfig(cfg))
		}
	}
	return errors.Join(errs...)
}
