package fetcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/partition"
)

// partState is a partition's progress in its fetcher (Kafka's
// PartitionFetchState).
type partState struct {
	a                Assignment
	fetchOffset      int64
	lastFetchedEpoch int32
	logStart         int64
	// delayedUntil holds the partition back after an error.
	delayedUntil time.Time
	// outOfRange: the leader answered OFFSET_OUT_OF_RANGE; the fetcher
	// asks it for its offsets before fetching again.
	outOfRange bool
	// fenced: the leader's epoch is newer than ours (or the partition
	// stopped following); only new metadata (Add) resumes it.
	fenced bool
	// caughtUp: the last answer left this replica at the leader's high
	// watermark (Kafka's isReplicaInSync: a lag of 0); a caught-up replica
	// is never throttled (throttle.go).
	caughtUp bool
}

func (st *partState) readyAt(now time.Time) bool {
	return !st.fenced && !st.outOfRange && !now.Before(st.delayedUntil)
}

// fetcher is one replica fetcher thread: it fetches its partitions from one
// leader.
type fetcher struct {
	m      *Manager
	key    fetcherKey
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}

	// mu guards the partitions and is held while a response is applied to
	// them, so that remove waits for an append or truncation in progress.
	mu struct {
		sync.Mutex
		parts map[key]*partState
	}
	// sess is owned by the fetcher goroutine.
	sess session
}

func newFetcher(m *Manager, fk fetcherKey) *fetcher {
	f := &fetcher{m: m, key: fk, wake: make(chan struct{}, 1),
		log: m.cfg.Logger.With("component", "replica-fetcher", "leader", fk.leader.ID, "fetcher", fk.index)}
	f.ctx, f.cancel = context.WithCancel(m.ctx)
	f.mu.parts = map[key]*partState{}
	return f
}

func (f *fetcher) add(a Assignment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := keyOf(a.Partition)
	if st, ok := f.mu.parts[k]; ok && st.a.LeaderEpoch == a.LeaderEpoch && !st.fenced {
		return // same leader, same epoch: keep going where it is
	}
	pos := a.Partition.FollowerPosition()
	f.mu.parts[k] = &partState{a: a, fetchOffset: pos.FetchOffset, lastFetchedEpoch: pos.LastFetchedEpoch, logStart: pos.LogStartOffset}
	f.poke()
}

func (f *fetcher) remove(k key) {
	f.mu.Lock()
	delete(f.mu.parts, k)
	f.mu.Unlock()
}

func (f *fetcher) idle() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.mu.parts) == 0
}

func (f *fetcher) stop() { f.cancel() }

func (f *fetcher) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// run fetches until the fetcher is stopped.
func (f *fetcher) run(context.Context) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(f.key.leader.Addr),
		kgo.ClientID(fmt.Sprintf("broker-%d-fetcher-%d", f.m.cfg.NodeID, f.key.index)),
		kgo.RequestTimeoutOverhead(f.m.cfg.SocketTimeout),
		kgo.RequestRetries(0),
	)
	if err != nil {
		f.log.Error("replica fetcher cannot start", "err", err)
		return
	}
	defer cl.Close()
	leader := cl.SeedBrokers()[0]
	for f.ctx.Err() == nil {
		f.resolveOutOfRange(leader)
		req, sent, wait := f.buildRequest()
		if req == nil {
			f.sleep(wait)
			continue
		}
		resp, err := leader.Request(f.ctx, req)
		if err != nil {
			if f.ctx.Err() == nil {
				f.log.Warn("fetch from leader failed", "addr", f.key.leader.Addr, "err", err)
				f.sess.reset()
				f.sleep(f.m.cfg.Backoff)
			}
			continue
		}
		f.handleResponse(resp.(*kmsg.FetchResponse), sent)
	}
}

// sleep waits for d (forever when negative), a new partition, or the stop.
func (f *fetcher) sleep(d time.Duration) {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-f.ctx.Done():
	case <-f.wake:
	case <-timer:
	}
}

// sentPart is what a request asked for one partition.
type sentPart struct {
	name             string
	leaderEpoch      int32
	fetchOffset      int64
	logStart         int64
	lastFetchedEpoch int32
}

// buildRequest builds the next Fetch from the partitions ready now. With
// none ready it returns nil and how long to wait (-1: until woken).
func (f *fetcher) buildRequest() (*kmsg.FetchRequest, map[key]sentPart, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.m.cfg.Now()
	ready := make(map[key]sentPart, len(f.mu.parts))
	wait := time.Duration(-1)
	for k, st := range f.mu.parts {
		if st.readyAt(now) && f.throttled(st, now) {
			wait = f.throttleWait(wait)
		} else if st.readyAt(now) {
			ready[k] = sentPart{name: st.a.Partition.Topic(), leaderEpoch: st.a.LeaderEpoch, fetchOffset: st.fetchOffset,
				logStart: st.logStart, lastFetchedEpoch: st.lastFetchedEpoch}
		} else if !st.fenced && !st.outOfRange {
			if d := st.delayedUntil.Sub(now); wait < 0 || d < wait {
				wait = d
			}
		}
	}
	if len(ready) == 0 {
		return nil, nil, wait
	}
	cfg := &f.m.cfg
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = cfg.NodeID
	req.ReplicaState.ID = cfg.NodeID
	if cfg.BrokerEpoch != nil {
		req.ReplicaState.Epoch = cfg.BrokerEpoch()
	}
	req.MaxWaitMillis = int32(cfg.MaxWait.Milliseconds())
	req.MinBytes, req.MaxBytes = cfg.MinBytes, cfg.ResponseMaxBytes
	f.sess.fill(req, ready, cfg.MaxBytes)
	return req, ready, 0
}

// handleResponse applies a Fetch response to the partitions still in the
// state it was asked for.
func (f *fetcher) handleResponse(resp *kmsg.FetchResponse, sent map[key]sentPart) {
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		f.log.Warn("fetch failed", "err", err)
		f.sess.reset()
		if !errors.Is(err, kerr.FetchSessionIDNotFound) && !errors.Is(err, kerr.InvalidFetchSessionEpoch) {
			f.sleep(f.m.cfg.Backoff)
		}
		return
	}
	f.sess.answered(resp.SessionID)
	byName := map[string][16]byte{}
	for k, s := range sent {
		byName[s.name] = k.topicID
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range resp.Topics {
		t := &resp.Topics[i]
		id := t.TopicID
		if id == ([16]byte{}) {
			id = byName[t.Topic]
		}
		for j := range t.Partitions {
			rp := &t.Partitions[j]
			k := key{id, rp.Partition}
			st, s := f.mu.parts[k], sent[k]
			if st == nil || st.a.LeaderEpoch != s.leaderEpoch || st.fetchOffset != s.fetchOffset || st.fenced || st.outOfRange {
				continue // removed, moved or changed since the request
			}
			f.handlePartition(st, rp)
		}
	}
}

// handlePartition is Kafka's processFetchRequest for one partition.
func (f *fetcher) handlePartition(st *partState, rp *kmsg.FetchResponseTopicPartition) {
	p := st.a.Partition
	err := kerr.ErrorForCode(rp.ErrorCode)
	switch {
	case err == nil && (rp.DivergingEpoch.Epoch >= 0 || rp.DivergingEpoch.EndOffset >= 0):
		err = f.truncateOnDivergence(st, rp.DivergingEpoch.Epoch, rp.DivergingEpoch.EndOffset)
	case err == nil:
		err = f.appendFetched(st, rp)
	case errors.Is(err, kerr.OffsetOutOfRange):
		st.outOfRange = true
		return
	case errors.Is(err, kerr.FencedLeaderEpoch):
		f.log.Info("leader has a newer epoch; waiting for metadata", "topic", p.Topic(), "partition", p.Index(), "epoch", st.a.LeaderEpoch)
		st.fenced = true
		return
	default:
		// NOT_LEADER_OR_FOLLOWER, UNKNOWN_LEADER_EPOCH (the leader is
		// behind on metadata), UNKNOWN_TOPIC_*...: try again later.
		f.log.Debug("partition fetch error", "topic", p.Topic(), "partition", p.Index(), "err", err)
		st.delayedUntil = f.m.cfg.Now().Add(f.m.cfg.Backoff)
		return
	}
	if err != nil {
		if errors.Is(err, partition.ErrNotLeader) || errors.Is(err, partition.ErrIsLeader) {
			st.fenced = true // the partition's role changed; the manager will say what next
			return
		}
		f.log.Warn("replication of a partition failed", "topic", p.Topic(), "partition", p.Index(), "err", err)
		st.delayedUntil = f.m.cfg.Now().Add(f.m.cfg.Backoff)
		f.reposition(st)
	}
}

// appendFetched appends the records and takes the leader's high watermark
// and log start offset.
func (f *fetcher) appendFetched(st *partState, rp *kmsg.FetchResponseTopicPartition) error {
	p := st.a.Partition
	if len(rp.RecordBatches) > 0 {
		if _, err := p.AppendAsFollower(rp.RecordBatches, st.a.LeaderEpoch); err != nil {
			return err
		}
		if r := f.m.cfg.Replication; r != nil {
			r.BytesIn.Add(float64(len(rp.RecordBatches)))
		}
		f.recordThrottled(st, len(rp.RecordBatches))
	}
	f.reposition(st)
	st.caughtUp = rp.HighWatermark <= st.fetchOffset
	return p.SetFollowerHighWatermark(rp.HighWatermark, rp.LogStartOffset)
}

// reposition continues from the log's end and latest epoch.
func (f *fetcher) reposition(st *partState) {
	pos := st.a.Partition.FollowerPosition()
	st.fetchOffset, st.lastFetchedEpoch, st.logStart = pos.FetchOffset, pos.LastFetchedEpoch, pos.LogStartOffset
}

// truncateOnDivergence cuts the log where the leader says it diverges
// (Kafka's getOffsetTruncationState): at the end of the largest epoch both
// have, never past either log's end. When this log's epoch there is older
// than the leader's, the next fetch compares again from the new end.
func (f *fetcher) truncateOnDivergence(st *partState, leaderEpoch int32, leaderEnd int64) error {
	p := st.a.Partition
	end := p.LogEndOffset()
	target := min(leaderEnd, end)
	if leaderEpoch >= 0 {
		if e, fEnd := p.LocalEndOffsetForEpoch(leaderEpoch); e >= 0 && fEnd >= 0 {
			target = min(fEnd, leaderEnd, end)
		}
	}
	if target < 0 {
		target = 0
	}
	f.log.Info("truncating to the leader's log", "topic", p.Topic(), "partition", p.Index(),
		"diverging_epoch", leaderEpoch, "leader_end", leaderEnd, "from", end, "to", target)
	if err := p.TruncateTo(target); err != nil {
		return err
	}
	f.reposition(st)
	return nil
}

// resolveOutOfRange asks the leader for the offsets of partitions it
// answered OFFSET_OUT_OF_RANGE (Kafka's fetchOffsetAndTruncate): a follower
// ahead of the leader (after an unclean election) truncates to the leader's
// end; one behind the leader's log start starts over there.
func (f *fetcher) resolveOutOfRange(leader *kgo.Broker) {
	f.mu.Lock()
	var todo []Assignment
	for _, st := range f.mu.parts {
		if st.outOfRange {
			todo = append(todo, st.a)
		}
	}
	f.mu.Unlock()
	for _, a := range todo {
		latest, err1 := f.listOffset(leader, a, -1)
		earliest, err2 := f.listOffset(leader, a, -2)
		f.mu.Lock()
		st := f.mu.parts[keyOf(a.Partition)]
		if st != nil && st.outOfRange && st.a.LeaderEpoch == a.LeaderEpoch {
			if err := errors.Join(err1, err2); err != nil {
				f.log.Warn("cannot list the leader's offsets", "topic", a.Partition.Topic(), "partition", a.Partition.Index(), "err", err)
				st.outOfRange, st.delayedUntil = false, f.m.cfg.Now().Add(f.m.cfg.Backoff)
			} else if err := f.resetToLeader(st, earliest, latest); err != nil {
				f.log.Warn("reset to the leader's offsets failed", "topic", a.Partition.Topic(), "partition", a.Partition.Index(), "err", err)
				st.outOfRange, st.delayedUntil = false, f.m.cfg.Now().Add(f.m.cfg.Backoff)
			}
		}
		f.mu.Unlock()
	}
}

func (f *fetcher) resetToLeader(st *partState, leaderStart, leaderEnd int64) error {
	p := st.a.Partition
	end := p.LogEndOffset()
	var err error
	switch {
	case leaderEnd < end:
		f.log.Warn("follower is ahead of its leader; truncating", "topic", p.Topic(), "partition", p.Index(), "from", end, "to", leaderEnd)
		err = p.TruncateTo(leaderEnd)
	case leaderStart > end:
		f.log.Info("follower is behind the leader's log start; starting over", "topic", p.Topic(), "partition", p.Index(),
			"end", end, "leader_start", leaderStart)
		err = p.TruncateFullyAndStartAt(leaderStart)
	}
	if err != nil {
		return err
	}
	st.outOfRange = false
	f.reposition(st)
	return nil
}

// listOffset asks the leader for a partition's latest (-1: its log end, as
// asked by a replica) or earliest (-2) offset.
func (f *fetcher) listOffset(leader *kgo.Broker, a Assignment, ts int64) (int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = f.m.cfg.NodeID
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = a.Partition.Topic()
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition, rp.CurrentLeaderEpoch, rp.Timestamp = a.Partition.Index(), a.LeaderEpoch, ts
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := leader.Request(f.ctx, req)
	if err != nil {
		return 0, err
	}
	for _, t := range resp.(*kmsg.ListOffsetsResponse).Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return 0, err
			}
			return p.Offset, nil
		}
	}
	return 0, errors.New("no partition in the ListOffsets response")
}
