package replica

import (
	"context"

	"github.com/spoolhq/spool/internal/cleaner"
	"github.com/spoolhq/spool/internal/storage"
)

// The log cleaner's wiring: the manager owns it (created in New when
// log.cleaner.enable is set, run by Run with the other maintenance),
// supplies the hosted partitions, and pauses a partition's cleaning while
// its log is deleted.

// newCleaner creates the log cleaner, or returns nil when it is disabled
// or misconfigured (logged: compacted topics then grow unbounded).
func (m *Manager) newCleaner() *cleaner.Cleaner {
	if !m.static.LogCleanerEnable || m.static.LogCleanerThreads <= 0 {
		m.logger.Warn("the log cleaner is disabled: compacted topics, __consumer_offsets included, are not compacted")
		return nil
	}
	c, err := cleaner.New(cleaner.FromBroker(m.static), cleaner.Options{
		Partitions: m.cleanerPartitions,
		Now:        m.now,
		Logger:     m.logger.With("component", "log-cleaner"),
	})
	if err != nil {
		m.logger.Error("the log cleaner cannot start: compacted topics are not compacted", "err", err)
		return nil
	}
	m.registerCleanerGauges(c)
	return c
}

// cleanerPartitions lists the hosted partitions for the cleaner.
func (m *Manager) cleanerPartitions() []cleaner.Partition {
	var out []cleaner.Partition
	for _, t := range m.Topics() {
		for _, p := range t.Partitions {
			out = append(out, p)
		}
	}
	return out
}

// runCleaner runs the cleaner's threads until ctx ends.
func (m *Manager) runCleaner(ctx context.Context) {
	if m.cleaner != nil {
		m.cleaner.Run(ctx)
	}
}

// pauseCleaning stops and holds off the cleaning of a log about to go.
func (m *Manager) pauseCleaning(tp storage.TopicPartition) {
	if m.cleaner != nil {
		m.cleaner.AbortAndPause(tp)
	}
}

// forgetCleaning drops the cleaner's state and checkpoint of a deleted log.
func (m *Manager) forgetCleaning(tp storage.TopicPartition) error {
	if m.cleaner == nil {
		return nil
	}
	return m.cleaner.Forget(tp)
}

// CleanerStats returns the log cleaner's figures; ok is false when it is
// not running.
func (m *Manager) CleanerStats() (cleaner.Stats, bool) {
	if m.cleaner == nil {
		return cleaner.Stats{}, false
	}
	return m.cleaner.Stats(), true
}

func (m *Manager) registerCleanerGauges(c *cleaner.Cleaner) {
	if m.metrics == nil {
		return
	}
	gauges := []struct {
		name, help string
		fn         func(cleaner.Stats) float64
	}{
		{"spool_log_cleaner_cleanings", "Log cleanings finished since start.", func(s cleaner.Stats) float64 { return float64(s.Cleanings) }},
		{"spool_log_cleaner_bytes_read", "Bytes the log cleaner read since start.", func(s cleaner.Stats) float64 { return float64(s.BytesRead) }},
		{"spool_log_cleaner_bytes_written", "Bytes the log cleaner wrote since start.", func(s cleaner.Stats) float64 { return float64(s.BytesWritten) }},
		{"spool_log_cleaner_max_dirty_ratio", "Largest dirty ratio of a compacted log at the last selection (Kafka's max-dirty-percent / 100).", func(s cleaner.Stats) float64 { return s.MaxDirtyRatio }},
		{"spool_log_cleaner_max_clean_time_seconds", "Longest of the cleaner threads' last cleanings.", func(s cleaner.Stats) float64 { return s.MaxCleanTime.Seconds() }},
		{"spool_log_cleaner_max_buffer_utilization", "Fullest offset map of the cleaner threads' last cleanings.", func(s cleaner.Stats) float64 { return s.MaxBufferUtilization }},
		{"spool_log_cleaner_recopy_ratio", "Bytes written over bytes read by the cleaner threads' last cleanings.", func(s cleaner.Stats) float64 { return s.RecopyRatio }},
		{"spool_log_cleaner_max_compaction_delay_seconds", "How far the most overdue compacted log is past max.compaction.lag.ms.", func(s cleaner.Stats) float64 { return s.MaxCompactionDelay.Seconds() }},
		{"spool_log_cleaner_uncleanable_partitions", "Partitions whose cleaning failed.", func(s cleaner.Stats) float64 { return float64(s.UncleanablePartitions) }},
		{"spool_log_cleaner_time_since_last_run_seconds", "Time since the cleaner last looked for a log to clean.", func(s cleaner.Stats) float64 {
			if s.LastRun.IsZero() {
				return 0
			}
			return m.now().Sub(s.LastRun).Seconds()
		}},
	}
	for _, g := range gauges {
		m.metrics.GaugeFunc(g.name, g.help, func() float64 { return g.fn(c.Stats()) })
	}
}
