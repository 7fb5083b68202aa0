package replica

import (
	"errors"
	"maps"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/storage"
)

// removePartition stops hosting a partition this broker is no longer a
// replica of (a reassignment moved it away) and deletes its log, as
// Kafka's stopReplicas with deletion: its fetcher lets go of it first, the
// cleaner stops, and waiters on it wake up to find it gone.
func (m *Manager) removePartition(tb *table, t *metadata.Topic, p *partition.Partition) error {
	old := tb.byID[t.ID]
	if old == nil {
		return nil
	}
	nt := *old
	nt.Partitions = maps.Clone(old.Partitions)
	delete(nt.Partitions, p.Index())
	tb.byID[t.ID] = &nt
	if cur, ok := tb.byName[t.Name]; ok && cur.ID == t.ID {
		tb.byName[t.Name] = &nt
	}
	m.fetchers.Remove([]*partition.Partition{p})
	tp := storage.TopicPartition{Topic: t.Name, Partition: p.Index()}
	m.pauseCleaning(tp)
	var errs []error
	for _, d := range m.dirs {
		if _, ok := d.Get(tp); ok {
			errs = append(errs, d.DeleteLog(tp))
		}
	}
	errs = append(errs, m.forgetCleaning(tp))
	p.Notify()
	m.logger.Info("deleted a partition this broker no longer hosts", "topic", t.Name, "partition", p.Index())
	return errors.Join(errs...)
}
