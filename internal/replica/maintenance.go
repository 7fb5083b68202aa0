package replica

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/storage"
)

// Run performs the periodic maintenance of hosted partitions until ctx
// ends: retention, flushing by flush.ms, checkpoints and producer expiry,
// each on its Kafka interval, and the log cleaner's threads. It returns
// when every task has stopped.
func (m *Manager) Run(ctx context.Context) {
	s := m.static
	tasks := []struct {
		name     string
		interval int64
		fn       func(time.Time) error
	}{
		{"retention", s.LogRetentionCheckIntervalMs, m.applyRetention},
		{"flush", s.LogFlushSchedulerIntervalMs, m.flushDue},
		{"offset checkpoint", int64(min(s.LogFlushOffsetCheckpointIntervalMs, s.LogFlushStartOffsetCheckpointIntervalMs)), m.checkpoint},
		{"high watermark checkpoint", s.ReplicaHighWatermarkCheckpointIntervalMs, m.checkpointHighWatermarks},
		{"producer expiry", int64(s.ProducerIDExpirationCheckIntervalMs), m.expireProducers},
	}
	if m.isr != nil {
		// Kafka's isr-expiration task runs every half lag time.
		tasks = append(tasks, struct {
			name     string
			interval int64
			fn       func(time.Time) error
		}{"isr expiration", max(1, s.ReplicaLagTimeMaxMs/2), m.shrinkISRs})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the log cleaner (cleaner.go)
		defer wg.Done()
		m.runCleaner(ctx)
	}()
	if m.isr != nil {
		wg.Add(1)
		go func() { // ISR changes to the controller (isr.go)
			defer wg.Done()
			m.isr.run(ctx, func(msg string, args ...any) { m.logger.Warn(msg, args...) })
		}()
	}
	for _, t := range tasks {
		if t.interval <= 0 || t.interval >= math.MaxInt64/int64(time.Millisecond) {
			continue // Kafka's "never"
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.every(ctx, t.name, time.Duration(t.interval)*time.Millisecond, t.fn)
		}()
	}
	wg.Wait()
}

func (m *Manager) every(ctx context.Context, name string, interval time.Duration, fn func(time.Time) error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := fn(m.now()); err != nil {
				m.logger.Error("maintenance task failed", "task", name, "err", err)
			}
		}
	}
}

// applyRetention deletes expired segments and the producer snapshots that
// fell below the new log start.
func (m *Manager) applyRetention(now time.Time) error {
	var errs []error
	for _, t := range m.Topics() {
		for _, p := range t.Partitions {
			n, err := p.Log().ApplyRetention(now, p.HighWatermark())
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if n > 0 {
				m.logger.Info("retention deleted segments", "topic", t.Name, "partition", p.Index(), "segments", n, "log_start_offset", p.LogStartOffset())
				errs = append(errs, producerstate.DeleteSnapshotsBefore(p.Log().Dir(), p.LogStartOffset()))
			}
		}
	}
	return errors.Join(errs...)
}

func (m *Manager) flushDue(now time.Time) error {
	var errs []error
	for _, d := range m.dirs {
		errs = append(errs, d.FlushDue(now))
	}
	return errors.Join(errs...)
}

func (m *Manager) checkpoint(time.Time) error {
	var errs []error
	for _, d := range m.dirs {
		errs = append(errs, d.Checkpoint())
	}
	return errors.Join(errs...)
}

func (m *Manager) checkpointHighWatermarks(time.Time) error {
	perDir := make(map[*storage.LogDir]map[storage.TopicPartition]int64, len(m.dirs))
	for _, d := range m.dirs {
		perDir[d] = map[storage.TopicPartition]int64{}
	}
	for _, t := range m.Topics() {
		for idx, p := range t.Partitions {
			tp := storage.TopicPartition{Topic: t.Name, Partition: idx}
			for _, d := range m.dirs {
				if _, ok := d.Get(tp); ok {
					perDir[d][tp] = p.HighWatermark()
				}
			}
		}
	}
	var errs []error
	for d, hw := range perDir {
		errs = append(errs, d.WriteReplicationCheckpoint(hw))
	}
	return errors.Join(errs...)
}

// shrinkISRs proposes dropping lagging followers of the partitions led here.
func (m *Manager) shrinkISRs(now time.Time) error {
	for _, t := range m.Topics() {
		for _, p := range t.Partitions {
			p.MaybeShrinkISR(now)
		}
	}
	return nil
}

func (m *Manager) expireProducers(now time.Time) error {
	expiration := int64(m.static.ProducerIDExpirationMs)
	for _, t := range m.Topics() {
		for _, p := range t.Partitions {
			p.ExpireProducers(now, expiration)
		}
	}
	return nil
}

// Close is the clean shutdown of every hosted partition: producer state is
// snapshotted at each log end, then each log directory flushes and closes
// its logs, writes its checkpoints and its clean shutdown marker. Call it
// after Run has returned and no request can reach the partitions.
func (m *Manager) Close(brokerEpoch int64) error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.fetchers.Close() // nothing appends to a follower's log from here on
	errs := m.closePartitions()
	errs = append(errs, m.checkpointHighWatermarks(m.now()))
	for _, d := range m.dirs {
		errs = append(errs, d.Close(brokerEpoch))
	}
	return errors.Join(errs...)
}

// closePartitions snapshots every partition's producer state, a few at a
// time (num.recovery.threads.per.data.dir per directory), since each
// snapshot waits for fsyncs.
func (m *Manager) closePartitions() []error {
	parts := make(chan *partition.Partition)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range max(1, int(m.static.NumRecoveryThreadsPerDataDir)) * len(m.dirs) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range parts {
				if err := p.Close(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, t := range m.Topics() {
		for _, p := range t.Partitions {
			parts <- p
		}
	}
	close(parts)
	wg.Wait()
	return errs
}
