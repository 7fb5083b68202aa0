package fetcher

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/spoolhq/spool/internal/metrics"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/quota"
)

// Config is the replica fetchers' configuration, Kafka's replica.* keys.
type Config struct {
	NodeID int32
	// BrokerEpoch is this broker's current epoch, sent in ReplicaState
	// (KIP-903); nil sends -1.
	BrokerEpoch func() int64
	// NumFetchers is num.replica.fetchers per source broker.
	NumFetchers int
	// MaxBytes is replica.fetch.max.bytes (per partition),
	// ResponseMaxBytes replica.fetch.response.max.bytes.
	MaxBytes         int32
	ResponseMaxBytes int32
	// MaxWait is replica.fetch.wait.max.ms, MinBytes replica.fetch.min.bytes.
	MaxWait  time.Duration
	MinBytes int32
	// Backoff is replica.fetch.backoff.ms: the pause after a failed fetch
	// and before a failed partition is fetched again.
	Backoff time.Duration
	// SocketTimeout is replica.socket.timeout.ms.
	SocketTimeout time.Duration
	Logger        *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Replication counts the bytes appended (nil: not counted).
	Replication *metrics.Replication
	// Quota is follower.replication.throttled.rate (nil: unlimited).
	Quota *quota.Rate
}

// DefaultConfig has Kafka's defaults.
func DefaultConfig(nodeID int32) Config {
	return Config{NodeID: nodeID, NumFetchers: 1, MaxBytes: 1 << 20, ResponseMaxBytes: 10 << 20,
		MaxWait: 500 * time.Millisecond, MinBytes: 1, Backoff: time.Second, SocketTimeout: 30 * time.Second}
}

func (c *Config) withDefaults() {
	if c.NumFetchers <= 0 {
		c.NumFetchers = 1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SocketTimeout <= 0 {
		c.SocketTimeout = 30 * time.Second
	}
}

// Leader is the broker a partition is fetched from: its id and its
// inter-broker listener's address.
type Leader struct {
	ID   int32
	Addr string
}

// Assignment asks for a partition to be fetched from Leader in LeaderEpoch.
type Assignment struct {
	Partition   *partition.Partition
	TopicID     [16]byte
	Leader      Leader
	LeaderEpoch int32
}

// key names a partition.
type key struct {
	topicID   [16]byte
	partition int32
}

func keyOf(p *partition.Partition) key { return key{p.TopicID(), p.Index()} }

// fetcherKey names a fetcher: the source broker and the fetcher index.
type fetcherKey struct {
	leader Leader
	index  int
}

// Manager runs the fetchers. Its methods are safe for concurrent use.
type Manager struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		fetchers map[fetcherKey]*fetcher
		// where says which fetcher holds each partition.
		where  map[key]fetcherKey
		closed bool
	}
}

// New returns a manager fetching nothing.
func New(cfg Config) *Manager {
	cfg.withDefaults()
	m := &Manager{cfg: cfg}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.mu.fetchers = map[fetcherKey]*fetcher{}
	m.mu.where = map[key]fetcherKey{}
	return m
}

// ErrClosed: the manager was closed.
var ErrClosed = errors.New("replica fetcher manager is closed")

// Add makes the partitions fetched from their leaders. A partition already
// fetched from the same leader in the same epoch keeps its progress; one
// fetched from elsewhere moves (its old fetcher is done with it before Add
// returns). A new assignment starts at the follower's log end with its
// latest epoch as the last fetched one, so the leader's first answer tells
// whether the log diverges (Kafka's truncation on fetch).
func (m *Manager) Add(as []Assignment) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.mu.closed {
		return ErrClosed
	}
	for _, a := range as {
		k := keyOf(a.Partition)
		fk := fetcherKey{leader: a.Leader, index: m.fetcherIndex(a.Partition)}
		if old, ok := m.mu.where[k]; ok && old != fk {
			m.mu.fetchers[old].remove(k)
		}
		f := m.mu.fetchers[fk]
		if f == nil {
			f = newFetcher(m, fk)
			m.mu.fetchers[fk] = f
			m.wg.Add(1)
			go func() {
				defer m.wg.Done()
				f.run(m.ctx)
			}()
		}
		m.mu.where[k] = fk
		f.add(a)
	}
	m.stopIdleLocked()
	return nil
}

// Remove stops fetching the partitions. When it returns, no fetcher
// appends to or truncates them any more.
func (m *Manager) Remove(parts []*partition.Partition) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range parts {
		k := keyOf(p)
		if fk, ok := m.mu.where[k]; ok {
			m.mu.fetchers[fk].remove(k)
			delete(m.mu.where, k)
		}
	}
	m.stopIdleLocked()
}

// Fetching reports whether the partition is assigned to a fetcher, and
// from which leader.
func (m *Manager) Fetching(p *partition.Partition) (Leader, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fk, ok := m.mu.where[keyOf(p)]
	return fk.leader, ok
}

// stopIdleLocked shuts down fetchers left without partitions (Kafka's
// shutdownIdleFetcherThreads).
func (m *Manager) stopIdleLocked() {
	for fk, f := range m.mu.fetchers {
		if f.idle() {
			f.stop()
			delete(m.mu.fetchers, fk)
		}
	}
}

// fetcherIndex spreads a leader's partitions over num.replica.fetchers
// fetchers by topic and partition, as Kafka does.
func (m *Manager) fetcherIndex(p *partition.Partition) int {
	h := fnv.New32a()
	h.Write([]byte(p.Topic()))
	return int((h.Sum32()*31 + uint32(p.Index())) % uint32(m.cfg.NumFetchers))
}

// Close stops every fetcher and waits for them.
func (m *Manager) Close() {
	m.mu.Lock()
	m.mu.closed = true
	for fk, f := range m.mu.fetchers {
		f.stop()
		delete(m.mu.fetchers, fk)
	}
	m.mu.where = map[key]fetcherKey{}
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
}

func (k key) String() string { return fmt.Sprintf("%x-%d", k.topicID[:4], k.partition) }
