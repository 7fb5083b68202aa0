package fetchsession

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Defaults of Kafka 4.x. Only the number of slots is a broker config; the
// eviction age is a constant in Kafka (KafkaServer.MIN_INCREMENTAL_FETCH_
// SESSION_EVICTION_MS), not a key of server.properties.
const (
	DefaultMaxSlots   = 1000 // max.incremental.fetch.session.cache.slots
	DefaultEvictAfter = 120 * time.Second
)

// Cache holds the broker's incremental fetch sessions (KIP-227). It is
// safe for concurrent use. One mutex guards every session; each fetch holds
// it twice, in Begin and in Respond, for work proportional to the
// session's partitions and free of allocation in the steady state.
type Cache struct {
	maxSlots   int
	evictAfter time.Duration
	// randomID proposes a session id; tests replace it to force collisions.
	randomID func() int32

	mu struct {
		sync.Mutex
		sessions   map[int32]*session
		partitions int64 // sum of the sessions' cachedSize
		evictions  uint64
	}
}

// NewCache returns an empty cache of at most maxSlots sessions, where a
// session unused for longer than evictAfter may be evicted for any newcomer
// (see create for the full rule). maxSlots 0 disables sessions: every full
// fetch is answered with session id 0.
func NewCache(maxSlots int, evictAfter time.Duration) *Cache {
	c := &Cache{
		maxSlots:   maxSlots,
		evictAfter: evictAfter,
		randomID:   randomID,
	}
	c.mu.sessions = make(map[int32]*session)
	return c
}

// randomID draws from [1, MaxInt32-1], Kafka's range with one shard.
func randomID() int32 { return rand.Int32N(math.MaxInt32-1) + 1 }

// Begin starts serving req in ctx, which it resets: it closes the session a
// full request names, checks and applies an incremental request to its
// session, and leaves in ctx the partitions to read (or the error for the
// whole request). now is the time the request is served, which counts as
// the session's last use.
func (c *Cache) Begin(ctx *Context, req Request, now time.Time) {
	ctx.reset(c, &req)
	if !isFull(req.Epoch) {
		c.beginIncremental(ctx, &req, now)
		return
	}
	if req.SessionID != 0 {
		c.mu.Lock()
		if s := c.mu.sessions[req.SessionID]; s != nil {
			c.removeLocked(s)
		}
		c.mu.Unlock()
	}
	ctx.kind = Full
	if req.Epoch == FinalEpoch {
		ctx.kind = Sessionless
	}
	ctx.useRequest(req.Partitions)
}

func (c *Cache) beginIncremental(ctx *Context, req *Request, now time.Time) {
	c.mu.Lock()
	err := c.continueLocked(ctx, req, now)
	c.mu.Unlock()
	if err != nil {
		ctx.fail(err)
		return
	}
	if ctx.kind == Incremental {
		ctx.sizeResults()
	}
}

// continueLocked checks an incremental request against its session and
// applies it, in Kafka's order of checks.
func (c *Cache) continueLocked(ctx *Context, req *Request, now time.Time) error {
	s := c.mu.sessions[req.SessionID]
	switch {
	case s == nil:
		return fmt.Errorf("session %d: %w", req.SessionID, ErrSessionNotFound)
	case s.epoch != req.Epoch:
		return fmt.Errorf("session %d: expected epoch %d, got %d: %w", s.id, s.epoch, req.Epoch, ErrInvalidEpoch)
	case s.topicIDs != req.TopicIDs:
		return fmt.Errorf("session %d: uses topic ids %t, request %t: %w", s.id, s.topicIDs, req.TopicIDs, ErrTopicIDMismatch)
	}
	s.update(req.Partitions, req.Forgotten)
	if s.len() == 0 {
		// Nothing left to cache: close the session and answer what the
		// request itself named, as Kafka does.
		c.removeLocked(s)
		ctx.kind = Sessionless
		ctx.useRequest(req.Partitions)
		return nil
	}
	c.touchLocked(s, now)
	s.epoch = nextEpoch(s.epoch)
	ctx.kind = Incremental
	ctx.session = s
	s.snapshot(ctx, req.TopicNames)
	return nil
}

// touchLocked records a use of s at now: its last-use time, its size, and
// whether it may now be evicted for a bigger session.
func (c *Cache) touchLocked(s *session, now time.Time) {
	s.lastUsed = now
	if s.cachedSize >= 0 {
		c.mu.partitions -= int64(s.cachedSize)
	}
	s.cachedSize = s.len()
	c.mu.partitions += int64(s.cachedSize)
	// A young session is protected from the size rule, and a follower's
	// from other followers, until it has lived evictAfter.
	old := now.Sub(s.created) > c.evictAfter
	s.evictableByAll = old
	s.evictableByPrivileged = old || !s.privileged
}

func (c *Cache) removeLocked(s *session) {
	if c.mu.sessions[s.id] != s {
		return
	}
	delete(c.mu.sessions, s.id)
	c.mu.partitions -= int64(s.cachedSize)
	s.cachedSize = -1
}

// create makes the session of a full fetch from the partitions that have
// results, if a slot is free or can be freed, and returns its id, or 0.
func (c *Cache) create(x *Context, now time.Time) int32 {
	n := 0
	for _, ok := range x.set {
		if ok {
			n++
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.mu.sessions) >= c.maxSlots && !c.evictLocked(x.follower, n, now) {
		return 0
	}
	s := newSession(x.follower, x.topicIDs, now, n)
	for i := range x.parts {
		if x.set[i] {
			r := &x.results[i]
			s.add(x.parts[i], r.HighWatermark, r.LogStartOffset)
		}
	}
	s.id = c.newIDLocked()
	c.mu.sessions[s.id] = s
	c.touchLocked(s, now)
	return s.id
}

func (c *Cache) newIDLocked() int32 {
	for {
		id := c.randomID()
		if _, used := c.mu.sessions[id]; id > 0 && !used {
			return id
		}
	}
}

// evictLocked tries to free a slot for a new session, exactly as Kafka's
// FetchSessionCacheShard.tryEvict decides. First, the least recently used
// session goes if it is stale: unused for longer than evictAfter. Else the
// least valuable session that the newcomer may evict goes, if the
// newcomer is worth more. Value orders by (privileged, partitions, id), a
// follower's session above any consumer's. A follower may evict a consumer
// session or an old follower session; a consumer only an old consumer
// session; "old" meaning older than evictAfter at its last use. Since the
// newcomer compares with id 0, it must be privileged where its victim is
// not, or hold strictly more partitions.
//
// Both candidates are found by one scan of the sessions. Kafka keeps two
// sorted trees instead, updated on every fetch; eviction only happens when
// a full fetch finds the cache full, so the scan is the cheaper trade.
func (c *Cache) evictLocked(privileged bool, size int, now time.Time) bool {
	var lru, victim *session
	for _, s := range c.mu.sessions {
		if lru == nil || usedBefore(s, lru) {
			lru = s
		}
		evictable := s.evictableByAll
		if privileged {
			evictable = s.evictableByPrivileged
		}
		if evictable && (victim == nil || worthLess(s, victim)) {
			victim = s
		}
	}
	switch {
	case lru == nil:
		return false
	case now.Sub(lru.lastUsed) > c.evictAfter:
		victim = lru
	case victim == nil || !outweighs(privileged, size, victim):
		return false
	}
	c.removeLocked(victim)
	c.mu.evictions++
	return true
}

func usedBefore(a, b *session) bool {
	if !a.lastUsed.Equal(b.lastUsed) {
		return a.lastUsed.Before(b.lastUsed)
	}
	return a.id < b.id
}

func worthLess(a, b *session) bool {
	if a.privileged != b.privileged {
		return b.privileged
	}
	if a.cachedSize != b.cachedSize {
		return a.cachedSize < b.cachedSize
	}
	return a.id < b.id
}

func outweighs(privileged bool, size int, s *session) bool {
	if privileged != s.privileged {
		return privileged
	}
	return size > s.cachedSize
}

// Sessions is the number of sessions in the cache
// (NumIncrementalFetchSessions).
func (c *Cache) Sessions() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.mu.sessions)
}

// CachedPartitions is the number of partitions the sessions hold, each
// session counted as of its last use (NumIncrementalFetchPartitionsCached).
func (c *Cache) CachedPartitions() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.partitions
}

// Evictions is the number of sessions evicted to make room for new ones
// since the cache was made (the count behind
// IncrementalFetchSessionEvictionsPerSec); closed sessions do not count.
func (c *Cache) Evictions() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.evictions
}
