package partition

import (
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// Options describe a partition to open.
type Options struct {
	Topic   string
	Index   int32
	TopicID [16]byte
	NodeID  int32
	Log     *storage.Log
	Config  config.Topic
	// ProducerExpirationMs is producer.id.expiration.ms.
	ProducerExpirationMs int64
	Logger               *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// HighWatermark is the checkpointed high watermark
	// (replication-offset-checkpoint), clamped to the log's range; a
	// leader without followers moves it to its log end at once.
	HighWatermark int64
	// ReplicaLagTimeMaxMs is replica.lag.time.max.ms (30000 when 0).
	ReplicaLagTimeMaxMs int64
	// Brokers tells ISR eligibility (nil: every broker is eligible).
	Brokers BrokerView
	// BrokerEpoch is this broker's epoch, sent with itself in proposed
	// ISRs (nil: -1).
	BrokerEpoch func() int64
	// SubmitISR sends a proposed ISR to the controller; it must not block
	// and must answer through CompleteISRChange or FailISRChange. Nil: ISR
	// changes are never proposed.
	SubmitISR func(*Partition, ISRChange)
}

// Partition is one partition replica. Its methods are safe for concurrent
// use.
type Partition struct {
	topic   string
	index   int32
	topicID [16]byte
	nodeID  int32
	log     *storage.Log
	logger  *slog.Logger
	now     func() time.Time

	maxLagMs    int64
	brokers     BrokerView
	brokerEpoch func() int64
	submitISR   func(*Partition, ISRChange)

	cfg atomic.Pointer[config.Topic]
	// throttle caches which replication throttles name this replica, for
	// the config it was parsed from (throttle.go).
	throttle atomic.Pointer[throttleState]
	// hw is the high watermark with its position in the log, so that reads
	// can stop there without a lookup.
	hw atomic.Pointer[storage.OffsetMetadata]

	// snapshotMu orders producer snapshot file writes, which happen after
	// mu is released.
	snapshotMu sync.Mutex
	// hwWatchers are woken when the high watermark moves (consumers,
	// acks=all), endWatchers when the log end does (followers).
	hwWatchers  watcherSet
	endWatchers watcherSet

	mu struct {
		sync.Mutex
		producers      *producerstate.State
		leader         int32
		leaderEpoch    int32
		partitionEpoch int32
		replicas       []int32
		isr            isrState
		// followers and leaderEpochStart are kept while this broker leads
		// (isr.go): each follower's fetch state, and the log end when
		// this leader epoch began.
		followers        map[int32]*followerState
		leaderEpochStart int64
	}
}

// Open builds a partition over an open log, rebuilding the producer state
// from the latest snapshot and the batches after it. The partition starts as
// a follower with epoch -1 until SetLeadership.
func Open(o Options) (*Partition, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ReplicaLagTimeMaxMs <= 0 {
		o.ReplicaLagTimeMaxMs = 30000
	}
	p := &Partition{
		topic: o.Topic, index: o.Index, topicID: o.TopicID, nodeID: o.NodeID,
		log: o.Log, now: o.Now,
		logger:   o.Logger.With("topic", o.Topic, "partition", o.Index),
		maxLagMs: o.ReplicaLagTimeMaxMs, brokers: o.Brokers, brokerEpoch: o.BrokerEpoch, submitISR: o.SubmitISR,
	}
	cfg := o.Config
	p.cfg.Store(&cfg)
	end := o.Log.EndOffsetMetadata()
	if err := p.restoreHighWatermark(o.HighWatermark, end); err != nil {
		return nil, err
	}
	producers, err := producerstate.Rebuild(o.Log.Dir(), o.Log.LogStartOffset(), end.Offset, p.replay)
	if err != nil {
		return nil, fmt.Errorf("rebuild producer state of %s-%d: %w", o.Topic, o.Index, err)
	}
	expiration := o.ProducerExpirationMs
	if expiration <= 0 {
		expiration = producerstate.DefaultExpirationMs
	}
	producers.RemoveExpired(o.Now().UnixMilli(), expiration)
	p.mu.producers = producers
	p.mu.leader = -1
	p.mu.leaderEpoch = -1
	p.mu.partitionEpoch = -1
	return p, nil
}

// replay feeds the log's batches in [from, to) to apply, for rebuilding
// producer state.
func (p *Partition) replay(from, to int64, apply func(record.Batch)) error {
	return p.log.Batches(from, func(b record.Batch) error {
		if b.BaseOffset() >= to {
			return errStopReplay
		}
		apply(b)
		return nil
	})
}

var errStopReplay = fmt.Errorf("replay reached its end")

func (p *Partition) Topic() string     { return p.topic }
func (p *Partition) Index() int32      { return p.index }
func (p *Partition) TopicID() [16]byte { return p.topicID }

// Log is the partition's log, for maintenance (retention, flushing).
func (p *Partition) Log() *storage.Log { return p.log }

// Config returns the topic config in force.
func (p *Partition) Config() config.Topic { return *p.cfg.Load() }

// SetConfig applies a changed topic config.
func (p *Partition) SetConfig(t config.Topic) error {
	if err := p.log.SetConfig(StorageConfig(t)); err != nil {
		return fmt.Errorf("apply config to %s-%d: %w", p.topic, p.index, err)
	}
	p.cfg.Store(&t)
	return nil
}

// HighWatermark is the offset below which records are committed.
func (p *Partition) HighWatermark() int64 { return p.hw.Load().Offset }

// LastStableOffset is the offset below which no transaction is open; until
// transactions exist it is the high watermark.
func (p *Partition) LastStableOffset() int64 { return p.HighWatermark() }

// LogStartOffset is the first offset a reader may fetch.
func (p *Partition) LogStartOffset() int64 { return p.log.LogStartOffset() }

// LogEndOffset is the offset the next record gets.
func (p *Partition) LogEndOffset() int64 { return p.log.LogEndOffset() }

// Size is the log's size on disk.
func (p *Partition) Size() int64 { return p.log.Size() }

// Leadership is a partition's replica roles as the metadata states them.
type Leadership struct {
	Leader         int32
	LeaderEpoch    int32
	PartitionEpoch int32
	Replicas       []int32
	ISR            []int32
}

// SetLeadership applies the metadata's view of the partition. A broker that
// becomes leader records the new epoch's start at its log end, so that
// followers and consumers can find where each epoch ended, and starts
// tracking its followers afresh. A state older than one this leader already
// has from an AlterPartition answer (same leader epoch, lower partition
// epoch) is ignored.
func (p *Partition) SetLeadership(l Leadership) error {
	p.mu.Lock()
	changed, err := p.setLeadershipLocked(l)
	p.mu.Unlock()
	if changed {
		// Waiting fetches and acks=all produces look again: they may have
		// to give up.
		p.Notify()
	}
	return err
}

func (p *Partition) setLeadershipLocked(l Leadership) (bool, error) {
	sameEpoch := l.Leader == p.mu.leader && l.LeaderEpoch == p.mu.leaderEpoch
	if sameEpoch && l.PartitionEpoch < p.mu.partitionEpoch {
		return false, nil
	}
	wasLeader := p.mu.leader == p.nodeID
	becameLeader := l.Leader == p.nodeID && (!wasLeader || !sameEpoch)
	if !sameEpoch || l.PartitionEpoch > p.mu.partitionEpoch {
		// New metadata settles any change in flight (Kafka drops its
		// pending ISR state on every new partition state).
		p.mu.isr = isrState{committed: slices.Clone(l.ISR)}
	}
	p.mu.leader, p.mu.leaderEpoch, p.mu.partitionEpoch = l.Leader, l.LeaderEpoch, l.PartitionEpoch
	p.mu.replicas = slices.Clone(l.Replicas)
	if l.Leader != p.nodeID {
		p.mu.followers = nil
		return wasLeader || !sameEpoch, nil
	}
	nowMs := p.now().UnixMilli()
	leo := p.log.LogEndOffset()
	if becameLeader {
		p.mu.followers = make(map[int32]*followerState, len(l.Replicas))
		p.mu.leaderEpochStart = leo
		if err := p.log.LeaderEpochs().Assign(l.LeaderEpoch, leo); err != nil {
			return true, fmt.Errorf("assign leader epoch %d of %s-%d: %w", l.LeaderEpoch, p.topic, p.index, err)
		}
	}
	for id := range p.mu.followers {
		if !slices.Contains(l.Replicas, id) {
			delete(p.mu.followers, id)
		}
	}
	for _, id := range l.Replicas {
		if _, ok := p.mu.followers[id]; !ok && id != p.nodeID {
			p.mu.followers[id] = newFollowerState(nowMs, leo, slices.Contains(l.ISR, id))
		}
	}
	p.advanceHighWatermarkLocked(nowMs)
	return true, nil
}

// Leadership returns the partition's current roles; ISR is the committed
// one.
func (p *Partition) Leadership() Leadership {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Leadership{Leader: p.mu.leader, LeaderEpoch: p.mu.leaderEpoch, PartitionEpoch: p.mu.partitionEpoch,
		Replicas: slices.Clone(p.mu.replicas), ISR: slices.Clone(p.mu.isr.committed)}
}

// IsLeader reports whether this broker leads the partition.
func (p *Partition) IsLeader() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.leader == p.nodeID
}

// checkEpochLocked fences requests that carry a leader epoch (-1 = none).
func (p *Partition) checkEpochLocked(requestEpoch int32) error {
	switch {
	case requestEpoch < 0 || requestEpoch == p.mu.leaderEpoch:
		return nil
	case requestEpoch < p.mu.leaderEpoch:
		return ErrFencedLeaderEpoch
	default:
		return ErrUnknownLeaderEpoch
	}
}

// checkLeader returns the leader epoch if this broker leads and the request's
// epoch matches.
func (p *Partition) checkLeader(requestEpoch int32) (int32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.checkEpochLocked(requestEpoch); err != nil {
		return 0, err
	}
	if p.mu.leader != p.nodeID {
		return 0, ErrNotLeader
	}
	return p.mu.leaderEpoch, nil
}

// Producers lists the idempotent producers the partition knows
// (DescribeProducers).
func (p *Partition) Producers() []producerstate.Entry {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.producers.Producers()
}

// ExpireProducers forgets producers idle for longer than expirationMs.
func (p *Partition) ExpireProducers(now time.Time, expirationMs int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.producers.RemoveExpired(now.UnixMilli(), expirationMs)
}

// Close writes a producer state snapshot at the log end, so that the next
// open replays nothing; one already there is kept, since the state changes
// only with appends. The log itself is closed by its directory.
func (p *Partition) Close() error {
	p.mu.Lock()
	end := p.log.LogEndOffset()
	if _, err := os.Stat(producerstate.SnapshotPath(p.log.Dir(), end)); err == nil {
		p.mu.Unlock()
		return nil
	}
	data, err := p.mu.producers.MarshalSnapshot(end)
	p.mu.Unlock()
	if err != nil {
		return fmt.Errorf("snapshot producers of %s-%d: %w", p.topic, p.index, err)
	}
	return p.writeSnapshot(end, data)
}

func (p *Partition) writeSnapshot(offset int64, data []byte) error {
	p.snapshotMu.Lock()
	defer p.snapshotMu.Unlock()
	if _, err := producerstate.WriteSnapshotFile(p.log.Dir(), offset, data); err != nil {
		return fmt.Errorf("write producer snapshot of %s-%d at %d: %w", p.topic, p.index, offset, err)
	}
	return nil
}
