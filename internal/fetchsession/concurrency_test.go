package fetchsession

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// simClient fetches as Kafka's FetchSessionHandler does, against a cache
// shared with other clients, while the high watermarks of its partitions
// move. After every answer it accepts, what it has been told must equal
// the truth for every partition it fetches: that is the promise an
// incremental response makes by leaving partitions out.
type simClient struct {
	t        *testing.T
	c        *Cache
	clock    *atomic.Int64
	rnd      *rand.Rand
	follower bool
	topic    string

	id, epoch int32
	wanted    map[int32]bool  // partitions it fetches
	sent      map[int32]bool  // partitions the session has (as far as it knows)
	truth     map[int32]int64 // each partition's high watermark on the broker
	told      map[int32]int64 // what the broker last told it
	ctx       Context
}

func newSimClient(t *testing.T, c *Cache, clock *atomic.Int64, n int) *simClient {
	cl := &simClient{
		t: t, c: c, clock: clock,
		rnd:      rand.New(rand.NewPCG(uint64(n), 1)),
		follower: n%3 == 0,
		topic:    fmt.Sprintf("topic-%d", n),
		wanted:   map[int32]bool{},
		truth:    map[int32]int64{},
	}
	for p := range int32(4) {
		cl.wanted[p] = true
	}
	cl.restart(0)
	return cl
}

// restart forgets the session, as after an error: the next request is full
// and asks to replace session id, if any.
func (cl *simClient) restart(id int32) {
	cl.id, cl.epoch = id, InitialEpoch
	cl.sent, cl.told = map[int32]bool{}, map[int32]int64{}
}

func (cl *simClient) now() time.Time { return time.UnixMilli(cl.clock.Add(1)) }

func (cl *simClient) part(p int32) Partition {
	return Partition{Topic: cl.topic, TopicID: topicID(cl.topic), Partition: p, FetchOffset: cl.told[p],
		LogStartOffset: -1, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1}
}

// request builds the next request: everything for a full fetch, for an
// incremental one the partitions the session lacks and those to forget.
func (cl *simClient) request() Request {
	req := Request{SessionID: cl.id, Epoch: cl.epoch, Follower: cl.follower, TopicIDs: true}
	for p := range int32(8) {
		switch {
		case cl.wanted[p] && (cl.epoch == InitialEpoch || !cl.sent[p]):
			req.Partitions = append(req.Partitions, cl.part(p))
		case !cl.wanted[p] && cl.sent[p] && cl.epoch != InitialEpoch:
			req.Forgotten = append(req.Forgotten, TopicPartition{cl.topic, topicID(cl.topic), p})
		}
	}
	return req
}

func (cl *simClient) step() {
	for p := range int32(8) {
		if cl.rnd.IntN(4) == 0 {
			cl.truth[p]++
		}
	}
	if cl.rnd.IntN(10) == 0 {
		p := cl.rnd.Int32N(8)
		cl.wanted[p] = !cl.wanted[p]
	}
	switch cl.rnd.IntN(20) {
	case 0:
		cl.abandon()
		return
	case 1:
		cl.close()
		return
	}
	cl.fetch()
}

func (cl *simClient) serve(ctx *Context, req Request) Response {
	cl.c.Begin(ctx, req, cl.now())
	for i, p := range ctx.Partitions() {
		if p.Topic != cl.topic {
			cl.t.Errorf("%s: read a partition of %q", cl.topic, p.Topic)
		}
		ctx.SetResult(i, Result{HighWatermark: cl.truth[p.Partition], HasRecords: cl.rnd.IntN(3) == 0})
	}
	return ctx.Respond(cl.now())
}

func (cl *simClient) fetch() {
	req := cl.request()
	resp := cl.serve(&cl.ctx, req)
	switch {
	case errors.Is(resp.Err, ErrSessionNotFound):
		cl.restart(0)
		return
	case resp.Err != nil:
		cl.restart(cl.id)
		return
	}
	full := cl.epoch == InitialEpoch
	if full {
		cl.sent = map[int32]bool{}
	}
	for _, p := range req.Partitions {
		cl.sent[p.Partition] = true
	}
	for _, p := range req.Forgotten {
		delete(cl.sent, p.Partition)
	}
	for _, i := range resp.Partitions {
		p := cl.ctx.Partitions()[i].Partition
		cl.told[p] = cl.truth[p]
	}
	cl.check(full, resp)
}

// check verifies what an accepted answer leaves the client knowing, and
// moves to the next epoch.
func (cl *simClient) check(full bool, resp Response) {
	if !full && resp.SessionID == 0 {
		cl.restart(0) // the session emptied and was closed
		return
	}
	if resp.SessionID != 0 || !full {
		for p := range cl.sent {
			if cl.told[p] != cl.truth[p] {
				cl.t.Errorf("%s-%d: told %d, truth %d", cl.topic, p, cl.told[p], cl.truth[p])
			}
		}
	}
	if resp.SessionID == 0 {
		cl.restart(0)
		return
	}
	cl.id, cl.epoch = resp.SessionID, nextEpoch(cl.epoch)
}

// abandon sends a request and gives up on it, as after a client timeout:
// its answer races with the client's next request, which replaces the
// session.
func (cl *simClient) abandon() {
	req := cl.request()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ctx Context
		cl.c.Begin(&ctx, req, time.UnixMilli(cl.clock.Load()))
		for i := range ctx.Partitions() {
			ctx.SetResult(i, Result{HighWatermark: -5})
		}
		ctx.Respond(time.UnixMilli(cl.clock.Load()))
	}()
	cl.restart(cl.id)
	cl.fetch()
	wg.Wait()
}

func (cl *simClient) close() {
	var ctx Context
	cl.serve(&ctx, Request{SessionID: cl.id, Epoch: FinalEpoch, TopicIDs: true})
	cl.restart(0)
}

// Clients share a cache too small for all of them, so sessions are
// created, evicted, replaced and closed while others fetch; run with -race.
func TestConcurrentClients(t *testing.T) {
	const slots = 5
	c := NewCache(slots, 50*time.Millisecond)
	var clock atomic.Int64
	var wg sync.WaitGroup
	for n := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newSimClient(t, c, &clock, n)
			for range 400 {
				cl.step()
			}
		}()
	}
	stop := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for {
			select {
			case <-stop:
				return
			default:
				checkCache(t, c, slots)
			}
		}
	}()
	wg.Wait()
	close(stop)
	watch.Wait()
	checkCache(t, c, slots)
	if c.Evictions() == 0 {
		t.Error("no session was ever evicted; the test exercises less than it should")
	}
}

// checkCache verifies the cache's own bookkeeping.
func checkCache(t *testing.T, c *Cache, slots int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum int64
	for id, s := range c.mu.sessions {
		if s.id != id || s.cachedSize != s.len() {
			t.Errorf("session %d: id %d, cached size %d, size %d", id, s.id, s.cachedSize, s.len())
		}
		sum += int64(s.cachedSize)
	}
	if sum != c.mu.partitions || len(c.mu.sessions) > slots {
		t.Errorf("%d sessions holding %d partitions, counted %d", len(c.mu.sessions), sum, c.mu.partitions)
	}
}
