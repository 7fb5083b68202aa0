package replica

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/replica/fetcher"
)

// fetchConfig maps the replica.* keys onto the fetchers' configuration.
func (m *Manager) fetchConfig() fetcher.Config {
	c := fetcher.DefaultConfig(m.nodeID)
	if s := m.static; s != nil {
		c.NumFetchers = int(s.NumReplicaFetchers)
		c.MaxBytes, c.ResponseMaxBytes = s.ReplicaFetchMaxBytes, s.ReplicaFetchResponseMaxBytes
		c.MaxWait = time.Duration(s.ReplicaFetchWaitMaxMs) * time.Millisecond
		c.MinBytes = s.ReplicaFetchMinBytes
		c.Backoff = time.Duration(s.ReplicaFetchBackoffMs) * time.Millisecond
		c.SocketTimeout = time.Duration(s.ReplicaSocketTimeoutMs) * time.Millisecond
	}
	c.Now = m.now
	return c
}

// partitionOptions are the replication parts of a partition's options.
func (m *Manager) partitionOptions(o *partition.Options) {
	if m.static != nil {
		o.ReplicaLagTimeMaxMs = m.static.ReplicaLagTimeMaxMs
	}
	o.BrokerEpoch = m.brokerEpoch
	o.Brokers = m.brokerStatus
	if m.isr != nil {
		o.SubmitISR = m.isr.submit
	}
}

// brokerStatus reads a broker's registration from the current image.
func (m *Manager) brokerStatus(id int32) partition.BrokerStatus {
	img := m.image.Load()
	if img == nil {
		return partition.BrokerStatus{}
	}
	b := img.Broker(id)
	if b == nil {
		return partition.BrokerStatus{}
	}
	return partition.BrokerStatus{Known: true, Fenced: b.Fenced, ShuttingDown: b.InControlledShutdown, Epoch: b.Epoch}
}

// roleChange is a hosted partition whose leadership the metadata changed.
type roleChange struct {
	p  *partition.Partition
	id metadata.TopicID
	mp *metadata.Partition
}

// follow starts or moves the fetchers of the partitions this broker
// follows, and stops those of partitions without a leader. Partitions
// becoming leader here were removed from their fetchers before their
// leadership changed.
func (m *Manager) follow(img *metadata.Image, changes []roleChange) error {
	var (
		add  []fetcher.Assignment
		stop []*partition.Partition
		errs []error
	)
	for _, c := range changes {
		switch {
		case c.mp.Leader == m.nodeID:
		case c.mp.Leader < 0:
			stop = append(stop, c.p)
		default:
			addr, err := m.brokerAddr(img, c.mp.Leader)
			if err != nil {
				// Its registration will come, and with it the fetch.
				m.logger.Warn("cannot follow the partition's leader yet", "topic", c.p.Topic(), "partition", c.p.Index(), "err", err)
				stop = append(stop, c.p)
				continue
			}
			add = append(add, fetcher.Assignment{Partition: c.p, TopicID: c.id, LeaderEpoch: c.mp.LeaderEpoch,
				Leader: fetcher.Leader{ID: c.mp.Leader, Addr: addr}})
		}
	}
	m.fetchers.Remove(stop)
	if len(add) > 0 {
		errs = append(errs, m.fetchers.Add(add))
	}
	return errors.Join(errs...)
}

// brokerAddr is a broker's inter-broker address from its registration: the
// endpoint of inter.broker.listener.name, else its first.
func (m *Manager) brokerAddr(img *metadata.Image, id int32) (string, error) {
	b := img.Broker(id)
	if b == nil || len(b.Endpoints) == 0 {
		return "", fmt.Errorf("broker %d has no registered endpoint", id)
	}
	ep := b.Endpoints[0]
	if m.static != nil {
		if e, ok := b.Endpoint(m.static.InterBrokerListenerName); ok {
			ep = e
		}
	}
	return net.JoinHostPort(ep.Host, strconv.Itoa(int(ep.Port))), nil
}

// followersOf lists the hosted partitions that follow one of the brokers,
// for when their registrations (endpoints) change.
func (m *Manager) followersOf(img *metadata.Image, brokers []int32) []roleChange {
	if len(brokers) == 0 {
		return nil
	}
	set := map[int32]bool{}
	for _, b := range brokers {
		set[b] = true
	}
	var out []roleChange
	for _, t := range m.table.Load().byID {
		it := img.TopicByID(t.ID)
		if it == nil {
			continue
		}
		for idx, p := range t.Partitions {
			if mp := it.Partition(idx); mp != nil && mp.Leader != m.nodeID && set[mp.Leader] {
				out = append(out, roleChange{p: p, id: t.ID, mp: mp})
			}
		}
	}
	return out
}

// Fetchers is the replica fetcher manager (tests, metrics).
func (m *Manager) Fetchers() *fetcher.Manager { return m.fetchers }
