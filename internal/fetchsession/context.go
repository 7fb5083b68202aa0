package fetchsession

import (
	"fmt"
	"time"
)

// TopicPartition names a partition as a request does: by topic ID for
// Fetch v13+, by name before.
type TopicPartition struct {
	Topic     string   // "" if the topic ID is unknown to this broker
	TopicID   [16]byte // zero before v13
	Partition int32
}

// Partition is a partition to read and the parameters to read it with.
type Partition struct {
	Topic              string   // "" if the topic ID is unknown to this broker
	TopicID            [16]byte // zero before v13
	Partition          int32
	FetchOffset        int64
	LogStartOffset     int64 // the fetcher's log start offset (followers), -1 from consumers
	MaxBytes           int32 // partition_max_bytes
	CurrentLeaderEpoch int32 // -1: none
	LastFetchedEpoch   int32 // -1: none
}

// Request is what the session cache needs of a Fetch request. The cache
// copies what it keeps, so the slices may be reused once Begin returns.
type Request struct {
	SessionID  int32
	Epoch      int32
	Partitions []Partition      // in request order
	Forgotten  []TopicPartition // forgotten_topics_data
	Follower   bool             // replica id >= 0
	TopicIDs   bool             // version >= 13

	// TopicNames looks a topic ID up in the broker's metadata; nil means
	// none is known. Begin calls it, under the cache's lock, for cached
	// partitions whose name was unknown when they were cached, so it must
	// be quick and must not call back into the Cache.
	TopicNames func(id [16]byte) (name string, ok bool)
}

// Result is what reading a partition gave: the fields of the response
// partition that decide whether an incremental response must carry it.
// The last stable offset is not among them because Kafka does not look at
// it: a transaction ends with a marker, which moves the high watermark too.
type Result struct {
	ErrorCode            int16
	HighWatermark        int64 // -1 with an error, as Kafka answers
	LogStartOffset       int64 // this broker's; -1 with an error
	HasRecords           bool  // the records field is not empty
	PreferredReadReplica bool  // preferred_read_replica is not -1
	DivergingEpoch       bool  // diverging_epoch.epoch is not negative
}

// Response says how to answer the request.
type Response struct {
	// Err, if not nil, is the error for the whole response (see
	// errors.go); Partitions is then empty.
	Err error
	// SessionID is the session_id of the response: the new session's id
	// after a full fetch that got a slot, the session's id for incremental
	// fetches (also when overtaken, with ErrInvalidEpoch), 0 otherwise.
	SessionID int32
	// Partitions are indices into Context.Partitions of the partitions the
	// response carries, in response order. The slice belongs to the
	// Context.
	Partitions []int
}

// Kind is the sort of fetch a Context serves, named after Kafka's contexts.
type Kind uint8

const (
	// Sessionless is a full fetch without a session: epoch -1, or an
	// incremental request that removed the last partition of its session
	// (which is then closed).
	Sessionless Kind = iota
	// Full is a full fetch with epoch 0. Respond tries to create a session.
	Full
	// Incremental continues a session.
	Incremental
	// SessionError is an incremental request that was refused; Err says why.
	SessionError
)

func (k Kind) String() string {
	switch k {
	case Sessionless:
		return "sessionless"
	case Full:
		return "full"
	case Incremental:
		return "incremental"
	case SessionError:
		return "error"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Context carries one Fetch request from Begin to Respond. Its zero value
// is ready for Begin, and a Context is meant to be reused (from a
// sync.Pool, say): Begin keeps its slices and map, so a fetch in the steady
// state allocates nothing. Everything a Context returns stays valid until
// the next Begin on it. A Context is used by one goroutine at a time.
type Context struct {
	cache    *Cache
	kind     Kind
	err      error
	session  *session
	reqEpoch int32
	follower bool
	topicIDs bool

	parts   []Partition
	slots   []int32 // incremental: the session entry of each partition
	results []Result
	set     []bool // set[i]: results[i] was given
	include []int
	seen    map[key]int32 // dedups full requests
}

// Kind is the sort of fetch this is.
func (x *Context) Kind() Kind { return x.kind }

// Err is the error for the whole request, or nil.
func (x *Context) Err() error { return x.err }

// Partitions are the partitions to read, in the order to read them: the
// request's for full fetches, the session's after the request's changes
// for incremental ones (partitions that returned records recently are at
// the back, which shares the response's max_bytes fairly across fetches).
// The caller must not modify them.
func (x *Context) Partitions() []Partition { return x.parts }

// SetResult gives the result of reading Partitions()[i]. A partition left
// without a result is not answered and, in a full fetch, not cached, as in
// Kafka where only the partitions handed to the response exist for it.
func (x *Context) SetResult(i int, r Result) {
	x.results[i] = r
	x.set[i] = true
}

func (x *Context) reset(c *Cache, req *Request) {
	*x = Context{
		cache:    c,
		reqEpoch: req.Epoch,
		follower: req.Follower,
		topicIDs: req.TopicIDs,
		parts:    x.parts[:0],
		slots:    x.slots[:0],
		results:  x.results[:0],
		set:      x.set[:0],
		include:  x.include[:0],
		seen:     x.seen,
	}
}

func (x *Context) fail(err error) {
	x.kind = SessionError
	x.err = err
}

// useRequest takes the request's partitions, dropping repeats: a repeated
// partition keeps its first place and its last parameters, as in the map
// Kafka reads a request into.
func (x *Context) useRequest(parts []Partition) {
	if x.seen == nil {
		x.seen = make(map[key]int32, len(parts))
	}
	clear(x.seen)
	for i := range parts {
		p := &parts[i]
		k := keyOf(x.topicIDs, p.Topic, p.TopicID, p.Partition)
		if j, ok := x.seen[k]; ok {
			x.parts[j] = *p
			continue
		}
		x.seen[k] = int32(len(x.parts))
		x.parts = append(x.parts, *p)
	}
	x.sizeResults()
}

func (x *Context) sizeResults() {
	n := len(x.parts)
	x.results = grow(x.results, n)
	x.set = grow(x.set, n)
	clear(x.set)
}

// grow returns s with length n, reusing its array when it is big enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}

// Respond decides the response once every partition has its result, and
// records in the session what the fetcher is being told: a full fetch
// creates its session now (if a slot can be had), an incremental one
// updates the cached high watermarks and log start offsets and moves the
// partitions that returned records to the back of the fetch order.
//
// Call it once per request; a long-polling fetch sets its results again
// after waking and responds then. now is the time of the response.
func (x *Context) Respond(now time.Time) Response {
	switch x.kind {
	case SessionError:
		return Response{Err: x.err}
	case Sessionless:
		return Response{Partitions: x.answered()}
	case Full:
		return Response{SessionID: x.cache.create(x, now), Partitions: x.answered()}
	}
	return x.respondIncremental(true)
}

// Preview returns the partitions Respond would send, changing nothing, for
// sizing the response against a quota before deciding to throttle (Kafka's
// getResponseSize).
func (x *Context) Preview() []int {
	switch x.kind {
	case SessionError:
		return x.include[:0]
	case Sessionless, Full:
		return x.answered()
	}
	return x.respondIncremental(false).Partitions
}

// Throttled is the answer when a quota throttles the request: an empty
// response that changes no session. As in Kafka, a throttled full fetch
// creates no session, and a refused request is answered without error.
func (x *Context) Throttled() Response {
	if x.kind != Incremental {
		return Response{}
	}
	c := x.cache
	c.mu.Lock()
	ok := x.session.epoch == nextEpoch(x.reqEpoch)
	c.mu.Unlock()
	if !ok {
		return x.overtaken()
	}
	return Response{SessionID: x.session.id}
}

// answered lists the partitions that have results, in order.
func (x *Context) answered() []int {
	x.include = x.include[:0]
	for i := range x.parts {
		if x.set[i] {
			x.include = append(x.include, i)
		}
	}
	return x.include
}

func (x *Context) respondIncremental(update bool) Response {
	c, s := x.cache, x.session
	x.include = x.include[:0]
	c.mu.Lock()
	ok := s.epoch == nextEpoch(x.reqEpoch)
	if ok {
		x.selectLocked(update)
	}
	c.mu.Unlock()
	if !ok {
		return x.overtaken()
	}
	return Response{SessionID: s.id, Partitions: x.include}
}

// selectLocked picks the partitions an incremental response must carry.
// The session is exactly as Begin left it (the epoch check proves it), so
// x.slots still address its entries.
func (x *Context) selectLocked(update bool) {
	s := x.session
	for i := range x.parts {
		if !x.set[i] {
			continue
		}
		e := &s.entries[x.slots[i]]
		if !e.mustRespond(&x.results[i], update) {
			continue
		}
		x.include = append(x.include, i)
		if update && x.results[i].HasRecords {
			s.moveToBack(x.slots[i])
		}
	}
}

// overtaken answers an incremental request whose session moved on to a
// later epoch after Begin: a duplicate or a request that timed out on the
// client. Kafka keeps the session id in this response.
func (x *Context) overtaken() Response {
	err := fmt.Errorf("session %d: epoch %d overtaken by a later request: %w",
		x.session.id, x.reqEpoch, ErrInvalidEpoch)
	return Response{Err: err, SessionID: x.session.id}
}
