package fetchsession

import (
	"math"
	"time"
)

// Session epochs with a meaning of their own (Kafka's FetchMetadata).
const (
	// InitialEpoch in a request asks for a full fetch that creates a new
	// session, closing the one named by the request's session id, if any.
	InitialEpoch int32 = 0
	// FinalEpoch in a request asks for a full fetch without a session,
	// closing the one named, if any. Requests before Fetch v7 carry no
	// session fields and mean session 0 with FinalEpoch.
	FinalEpoch int32 = -1
)

// isFull reports whether a request epoch asks for a full fetch; any other
// epoch, negative ones included, continues a session.
func isFull(epoch int32) bool { return epoch == InitialEpoch || epoch == FinalEpoch }

// nextEpoch follows epoch e. Epochs wrap from MaxInt32 to 1, skipping 0
// (which would mean "new session"); negative epochs have no successor.
func nextEpoch(e int32) int32 {
	switch {
	case e < 0:
		return FinalEpoch
	case e == math.MaxInt32:
		return 1
	default:
		return e + 1
	}
}

// key identifies a partition within a session the way Kafka compares cached
// partitions: by topic ID when there is one, so that a partition cached
// while its topic name was unknown is the same partition once the name
// resolves; by name for requests before v13, which carry no IDs.
type key struct {
	id        [16]byte
	name      string
	partition int32
}

func keyOf(topicIDs bool, topic string, id [16]byte, partition int32) key {
	if topicIDs && id != ([16]byte{}) {
		return key{id: id, partition: partition}
	}
	return key{name: topic, partition: partition}
}

// entry is one cached partition: the fetcher's last request parameters and
// what it was last told, which is what lets an incremental response leave
// the partition out.
type entry struct {
	p              Partition
	highWatermark  int64 // last sent; -1 after an error so the next answer is sent
	logStartOffset int64 // this broker's log start offset, last sent
	prev, next     int32 // neighbours in fetch order, -1 at the ends
}

// session is one incremental fetch session. Its entries sit in a slice and
// are chained in fetch order, so that moving a partition to the back (for
// fairness) is O(1) and needs no map update, and so that a Context can
// address entries by index between Begin and Respond: the epoch check
// guarantees nobody changed the session in between.
//
// A session is only touched under its Cache's mutex.
type session struct {
	id         int32
	epoch      int32 // the epoch the next incremental request must carry
	privileged bool  // created by a follower
	topicIDs   bool  // created by Fetch v13+
	created    time.Time
	lastUsed   time.Time

	// Eviction state as of the last touch. Kafka decides at touch time,
	// not at eviction time, whether a session is old enough to be evicted
	// for a bigger one, and counts its size then.
	cachedSize            int // -1 while not in the cache
	evictableByAll        bool
	evictableByPrivileged bool

	entries    []entry
	index      map[key]int32
	head, tail int32
}

func newSession(privileged, topicIDs bool, now time.Time, n int) *session {
	return &session{
		epoch:      nextEpoch(InitialEpoch),
		privileged: privileged,
		topicIDs:   topicIDs,
		created:    now,
		lastUsed:   now,
		cachedSize: -1,
		entries:    make([]entry, 0, n),
		index:      make(map[key]int32, n),
		head:       -1,
		tail:       -1,
	}
}

func (s *session) len() int { return len(s.entries) }

func (s *session) keyOf(p *Partition) key {
	return keyOf(s.topicIDs, p.Topic, p.TopicID, p.Partition)
}

// add appends a partition at the back of the fetch order.
func (s *session) add(p Partition, highWatermark, logStartOffset int64) {
	i := int32(len(s.entries))
	s.entries = append(s.entries, entry{p: p, highWatermark: highWatermark, logStartOffset: logStartOffset})
	s.index[s.keyOf(&p)] = i
	s.linkBack(i)
}

func (s *session) linkBack(i int32) {
	e := &s.entries[i]
	e.prev, e.next = s.tail, -1
	if s.tail >= 0 {
		s.entries[s.tail].next = i
	} else {
		s.head = i
	}
	s.tail = i
}

func (s *session) unlink(i int32) {
	e := &s.entries[i]
	if e.prev >= 0 {
		s.entries[e.prev].next = e.next
	} else {
		s.head = e.next
	}
	if e.next >= 0 {
		s.entries[e.next].prev = e.prev
	} else {
		s.tail = e.prev
	}
}

// moveToBack puts entry i last in fetch order.
func (s *session) moveToBack(i int32) {
	if s.tail == i {
		return
	}
	s.unlink(i)
	s.linkBack(i)
}

// remove drops entry i, filling its slot with the last entry so the slice
// stays dense; only the moved entry's neighbours and index change.
func (s *session) remove(i int32) {
	s.unlink(i)
	delete(s.index, s.keyOf(&s.entries[i].p))
	last := int32(len(s.entries) - 1)
	if i != last {
		moved := s.entries[last]
		s.entries[i] = moved
		s.relink(moved.prev, moved.next, i)
		s.index[s.keyOf(&moved.p)] = i
	}
	s.entries[last] = entry{} // drop the topic string for the collector
	s.entries = s.entries[:last]
}

// relink points the neighbours of an entry that moved to slot i at i.
func (s *session) relink(prev, next, i int32) {
	if prev >= 0 {
		s.entries[prev].next = i
	} else {
		s.head = i
	}
	if next >= 0 {
		s.entries[next].prev = i
	} else {
		s.tail = i
	}
}

// update applies an incremental request: named partitions are added at the
// back or have their fetch parameters replaced, then forgotten ones are
// dropped (in that order, as Kafka does, so a partition both named and
// forgotten is gone).
func (s *session) update(parts []Partition, forgotten []TopicPartition) {
	for i := range parts {
		p := &parts[i]
		j, ok := s.index[s.keyOf(p)]
		if !ok {
			s.add(*p, -1, -1)
			continue
		}
		s.entries[j].p.setParams(p)
	}
	for _, f := range forgotten {
		if j, ok := s.index[keyOf(s.topicIDs, f.Topic, f.TopicID, f.Partition)]; ok {
			s.remove(j)
		}
	}
}

// setParams takes the fetch parameters of a later request for the same
// partition. The topic name is kept once known, even if the request could
// not resolve it (Kafka keeps a resolved name when the topic leaves the
// metadata), and learnt if the request knows it.
func (p *Partition) setParams(q *Partition) {
	p.FetchOffset = q.FetchOffset
	p.LogStartOffset = q.LogStartOffset
	p.MaxBytes = q.MaxBytes
	p.CurrentLeaderEpoch = q.CurrentLeaderEpoch
	p.LastFetchedEpoch = q.LastFetchedEpoch
	if p.Topic == "" {
		p.Topic = q.Topic
	}
}

// snapshot copies the partitions into x in fetch order, with the entry
// index of each, filling in topic names that were unknown when the
// partitions were cached (topic-ID sessions only).
func (s *session) snapshot(x *Context, names func([16]byte) (string, bool)) {
	for i := s.head; i >= 0; i = s.entries[i].next {
		p := &s.entries[i].p
		if p.Topic == "" && s.topicIDs && names != nil {
			if name, ok := names(p.TopicID); ok {
				p.Topic = name
			}
		}
		x.parts = append(x.parts, *p)
		x.slots = append(x.slots, i)
	}
}

// mustRespond reports whether an incremental response must carry the
// partition given its read result, and with update records what the
// fetcher will have been told. The rules are Kafka's: records, a moved
// high watermark or log start offset, an error, a preferred read replica
// or a diverging epoch. The last stable offset is not compared; Kafka does
// not either.
func (e *entry) mustRespond(r *Result, update bool) bool {
	must := r.HasRecords || r.PreferredReadReplica || r.DivergingEpoch
	if e.highWatermark != r.HighWatermark {
		must = true
		if update {
			e.highWatermark = r.HighWatermark
		}
	}
	if e.logStartOffset != r.LogStartOffset {
		must = true
		if update {
			e.logStartOffset = r.LogStartOffset
		}
	}
	if r.ErrorCode != 0 {
		// Forget the high watermark so the partition is sent again once
		// the error clears, even if the watermark is where it was.
		must = true
		if update {
			e.highWatermark = -1
		}
	}
	return must
}
