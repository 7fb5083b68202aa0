package api

import (
	"context"
	"errors"
	"io"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/fetchsession"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/replica"
	"github.com/spoolhq/spool/internal/storage"
)

// fetchState is one Fetch request in progress; it is pooled because a
// consumer's fetch is the hot path.
type fetchState struct {
	sctx    fetchsession.Context
	req     fetchsession.Request
	results []partResult // indexed like sctx.Partitions()
	waiter  *partition.Waiter
	watched []*partition.Partition
	// replicaID and replicaEpoch name a follower's fetch (replicaID -1
	// for consumers): it reads up to the log end and is woken by appends.
	replicaID    int32
	replicaEpoch int64
}

func (st *fetchState) follower() bool { return st.replicaID >= 0 }

// partResult is what reading one partition found.
type partResult struct {
	out   fetchPartition
	slice *storage.FileSlice
	topic *replica.Topic
	part  *partition.Partition
}

func (h *Handler) fetch(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.FetchRequest)
	st, _ := h.fetches.Get().(*fetchState)
	if st == nil {
		st = &fetchState{waiter: partition.NewWaiter()}
	}
	img := h.Image()
	st.buildSessionRequest(req, img)
	now := h.Now()
	h.Sessions.Begin(&st.sctx, st.req, now)
	budget := int(min(req.MaxBytes, h.Config.FetchMaxBytes))
	if st.sctx.Err() != nil {
		return network.Reply{Ready: h.finishFetch(r, st, now), FrameDone: true}, nil
	}
	readCommitted := req.IsolationLevel == 1
	bytes, errored := h.readFetch(st, budget, readCommitted)
	wait := time.Duration(req.MaxWaitMillis) * time.Millisecond
	if wait <= 0 || bytes >= int(req.MinBytes) || errored || len(st.results) == 0 {
		return network.Reply{Ready: h.finishFetch(r, st, now), FrameDone: true}, nil
	}
	ch := make(chan *network.Response, 1)
	go func() {
		defer func() {
			// A bug here must not take the broker down; the client times
			// out and retries.
			if p := recover(); p != nil {
				h.log.Error("fetch long poll panicked", "panic", p, "stack", string(debug.Stack()))
				ch <- nil
			}
		}()
		ch <- h.longPoll(ctx, r, st, budget, int(req.MinBytes), wait, readCommitted)
	}()
	return network.Reply{Later: ch, FrameDone: true}, nil
}

// buildSessionRequest translates the kmsg request for the session cache,
// reusing the state's slices.
func (st *fetchState) buildSessionRequest(req *kmsg.FetchRequest, img *metadata.Image) {
	sr := &st.req
	sr.SessionID, sr.Epoch = 0, fetchsession.FinalEpoch
	if req.Version >= 7 {
		sr.SessionID, sr.Epoch = req.SessionID, req.SessionEpoch
	}
	st.replicaID, st.replicaEpoch = req.ReplicaID, -1
	if req.Version >= 15 {
		st.replicaID, st.replicaEpoch = req.ReplicaState.ID, req.ReplicaState.Epoch
	}
	sr.Follower = st.follower()
	sr.TopicIDs = req.Version >= 13
	sr.TopicNames = func(id [16]byte) (string, bool) {
		if t := img.TopicByID(metadata.TopicID(id)); t != nil {
			return t.Name, true
		}
		return "", false
	}
	sr.Partitions, sr.Forgotten = sr.Partitions[:0], sr.Forgotten[:0]
	for i := range req.Topics {
		t := &req.Topics[i]
		name := t.Topic
		if sr.TopicIDs {
			name, _ = sr.TopicNames(t.TopicID)
		}
		for _, p := range t.Partitions {
			sr.Partitions = append(sr.Partitions, fetchsession.Partition{
				Topic: name, TopicID: t.TopicID, Partition: p.Partition,
				FetchOffset: p.FetchOffset, LogStartOffset: p.LogStartOffset, MaxBytes: p.PartitionMaxBytes,
				CurrentLeaderEpoch: p.CurrentLeaderEpoch, LastFetchedEpoch: p.LastFetchedEpoch,
			})
		}
	}
	for _, t := range req.ForgottenTopics {
		name := t.Topic
		if sr.TopicIDs {
			name, _ = sr.TopicNames(t.TopicID)
		}
		for _, p := range t.Partitions {
			sr.Forgotten = append(sr.Forgotten, fetchsession.TopicPartition{Topic: name, TopicID: t.TopicID, Partition: p})
		}
	}
}

// readFetch reads every partition of the fetch in session order within the
// response budget. Until one partition returns data, a read may exceed its
// limits to return one whole batch (KIP-74), so a large batch never stalls
// a consumer. It reports the bytes read and whether any partition failed.
func (h *Handler) readFetch(st *fetchState, budget int, readCommitted bool) (total int, errored bool) {
	parts := st.sctx.Partitions()
	st.releaseSlices()
	st.results = st.results[:0]
	for i := range parts {
		sp := &parts[i]
		res := h.readFetchPartition(st, sp, budget-total, total == 0, readCommitted)
		if res.out.errorCode != 0 || res.out.divergingEpoch != nil {
			errored = true // answered at once, as Kafka does
		}
		if res.slice != nil {
			total += res.slice.Len()
		}
		st.results = append(st.results, res)
		st.sctx.SetResult(i, fetchsession.Result{
			ErrorCode: res.out.errorCode, HighWatermark: res.out.highWatermark,
			LogStartOffset: res.out.logStartOffset, HasRecords: res.slice != nil,
			DivergingEpoch: res.out.divergingEpoch != nil,
		})
	}
	return total, errored
}

func (h *Handler) readFetchPartition(st *fetchState, sp *fetchsession.Partition, budget int, minOne, readCommitted bool) partResult {
	res := partResult{out: fetchPartition{partition: sp.Partition, highWatermark: -1, lastStableOffset: -1,
		logStartOffset: -1, preferredReadReplica: -1}}
	if readCommitted {
		res.out.aborted = []abortedTxn{}
	}
	var (
		p   *partition.Partition
		t   *replica.Topic
		err error
	)
	switch {
	case h.versionsUseIDs(sp) && sp.Topic == "":
		err = replica.ErrUnknownTopicID
	case h.versionsUseIDs(sp):
		p, t, err = h.Replicas.PartitionByID(metadata.TopicID(sp.TopicID), sp.Partition)
	default:
		p, t, err = h.Replicas.Partition(sp.Topic, sp.Partition)
	}
	if err != nil {
		res.out.errorCode = errorCode(err)
		return res
	}
	res.topic, res.part = t, p
	maxBytes := int(sp.MaxBytes)
	if budget < maxBytes {
		maxBytes = max(budget, 0)
	}
	if st.follower() {
		h.readFollowerPartition(st, sp, maxBytes, minOne, &res)
		return res
	}
	rr, err := p.Read(partition.FetchParams{Offset: sp.FetchOffset, MaxBytes: maxBytes, MinOneBatch: minOne,
		CurrentLeaderEpoch: sp.CurrentLeaderEpoch, ReadCommitted: readCommitted})
	res.out.errorCode = errorCode(err)
	res.out.highWatermark, res.out.lastStableOffset, res.out.logStartOffset = rr.HighWatermark, rr.LastStableOffset, rr.LogStartOffset
	if err == nil {
		res.slice = rr.Slice
	}
	return res
}

// readFollowerPartition reads for a follower: up to the log end, or the
// point where its log diverges from this one (DivergingEpoch).
func (h *Handler) readFollowerPartition(st *fetchState, sp *fetchsession.Partition, maxBytes int, minOne bool, res *partResult) {
	rr, err := res.part.ReadFollower(partition.FollowerFetch{
		ReplicaID: st.replicaID, BrokerEpoch: st.replicaEpoch, Offset: sp.FetchOffset,
		LogStartOffset: sp.LogStartOffset, CurrentLeaderEpoch: sp.CurrentLeaderEpoch,
		LastFetchedEpoch: sp.LastFetchedEpoch, MaxBytes: maxBytes, MinOneBatch: minOne,
	})
	res.out.errorCode = errorCode(err)
	res.out.highWatermark, res.out.lastStableOffset, res.out.logStartOffset = rr.HighWatermark, rr.LastStableOffset, rr.LogStartOffset
	if err != nil {
		return
	}
	res.slice = rr.Slice
	if res.slice != nil && h.leaderThrottled(st, res.part) {
		// Kafka reads, records the follower's progress, and sends nothing.
		res.slice.Release()
		res.slice = nil
	}
	if d := rr.Diverging; d != nil {
		res.out.divergingEpoch = &epochEndOffset{epoch: d.Epoch, endOffset: d.EndOffset}
	}
}

// versionsUseIDs reports whether the partition was named by topic id.
func (h *Handler) versionsUseIDs(sp *fetchsession.Partition) bool {
	return sp.TopicID != [16]byte{}
}

// longPoll waits until enough data arrives, the wait ends or the connection
// closes, then answers.
func (h *Handler) longPoll(ctx context.Context, r *Request, st *fetchState, budget, minBytes int, wait time.Duration, readCommitted bool) *network.Response {
	if !h.waitForData(ctx, st, budget, minBytes, wait, readCommitted) {
		h.putFetchState(st)
		return nil
	}
	return h.finishFetch(r, st, h.Now())
}

// waitForData watches the fetch's partitions and reads them again after
// every append until min_bytes are there, a partition fails or the wait
// ends. It reports false if the connection closed first. The watches end
// before it returns, so the state can go back to the pool.
func (h *Handler) waitForData(ctx context.Context, st *fetchState, budget, minBytes int, wait time.Duration, readCommitted bool) bool {
	st.watch()
	defer st.unwatch()
	// An append between the first read and watch() woke nobody: look again.
	if bytes, errored := h.readFetch(st, budget, readCommitted); bytes >= minBytes || errored {
		return true
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-st.waiter.C():
			if bytes, errored := h.readFetch(st, budget, readCommitted); bytes >= minBytes || errored {
				return true
			}
		case <-timer.C:
			h.readFetch(st, budget, readCommitted)
			return true
		case <-ctx.Done():
			return false
		}
	}
}

func (st *fetchState) watch() {
	st.watched = st.watched[:0]
	for _, res := range st.results {
		if res.part == nil {
			continue
		}
		if st.follower() {
			res.part.WatchLogEnd(st.waiter)
		} else {
			res.part.Watch(st.waiter)
		}
		st.watched = append(st.watched, res.part)
	}
}

func (st *fetchState) unwatch() {
	for _, p := range st.watched {
		if st.follower() {
			p.UnwatchLogEnd(st.waiter)
		} else {
			p.Unwatch(st.waiter)
		}
	}
	st.watched = st.watched[:0]
	select { // drop a wake-up that arrived after the last read
	case <-st.waiter.C():
	default:
	}
}

func (st *fetchState) releaseSlices() {
	for i := range st.results {
		if s := st.results[i].slice; s != nil {
			s.Release()
			st.results[i].slice = nil
		}
	}
}

// finishFetch lets the session pick the partitions to answer, encodes the
// response and returns the state to the pool.
func (h *Handler) finishFetch(r *Request, st *fetchState, now time.Time) *network.Response {
	sresp := st.sctx.Respond(now)
	f := &fetchResponse{version: r.Version, sessionID: sresp.SessionID}
	if sresp.Err != nil {
		f.errorCode = errorCode(sresp.Err)
	}
	parts := st.sctx.Partitions()
	for _, i := range sresp.Partitions {
		res := &st.results[i]
		sp := &parts[i]
		if n := len(f.topics); n == 0 || !sameTopic(&f.topics[n-1], sp, r.Version) {
			f.topics = append(f.topics, fetchTopic{name: sp.Topic, id: sp.TopicID})
		}
		out := res.out
		if res.slice != nil {
			out.records = fileRange{res.slice}
			switch {
			case st.follower():
				// Replication is not consumer traffic.
				if h.Replication != nil {
					h.Replication.BytesOut.Add(float64(res.slice.Len()))
				}
				h.recordLeaderThrottled(res.part, res.slice.Len(), now)
			case res.topic != nil && res.topic.Metrics != nil:
				res.topic.Metrics.BytesOut.Add(float64(res.slice.Len()))
			}
			res.slice = nil // the writer releases it now
		}
		t := &f.topics[len(f.topics)-1]
		t.partitions = append(t.partitions, out)
	}
	resp := f.encode(r.CorrelationID)
	h.putFetchState(st)
	return resp
}

func sameTopic(t *fetchTopic, sp *fetchsession.Partition, version int16) bool {
	if version >= 13 {
		return t.id == sp.TopicID
	}
	return t.name == sp.Topic
}

func (h *Handler) putFetchState(st *fetchState) {
	st.releaseSlices()
	st.results = st.results[:0]
	st.req.TopicNames = nil
	h.fetches.Put(st)
}

// fileRange lets the network writer send a segment file slice.
type fileRange struct{ s *storage.FileSlice }

func (f fileRange) Len() int { return f.s.Len() }
func (f fileRange) ReadInto(p []byte) error {
	_, err := f.s.ReadAt(p, 0)
	return err
}
func (f fileRange) SendTo(c syscall.Conn) error {
	w, ok := c.(io.Writer)
	if !ok {
		return errNotWriter
	}
	_, err := f.s.WriteTo(w)
	return err
}
func (f fileRange) Release() { f.s.Release() }

var errNotWriter = errors.New("connection cannot be written to")
