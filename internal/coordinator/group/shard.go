package group

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/coordinator/assignor"
	"github.com/spoolhq/spool/internal/metadata"
)

// Shard is the group coordinator's state for one __consumer_offsets
// partition. It implements coordinator.Shard; see doc.go for how the
// runtime drives it.
type Shard struct {
	cfg       Config
	partition int32

	groups  map[string]group
	offsets offsetStore
	timers  timers
	waits   map[uint64]waitRef // parked requests by id
	newUUID func() string
	// newMemberID names a consumer group member that joins without an id
	// (ConsumerGroupHeartbeat v0): a Kafka Uuid.
	newMemberID func() string

	// assignors are group.consumer.assignors; image is the newest
	// metadata image, which consumer groups resolve topics against.
	assignors *assignor.Registry
	image     *metadata.Image

	// started: the sessions of the members loaded from the log and the
	// expiry timer are running; they start at the first Handle or Tick,
	// the first moment the shard knows the time.
	started bool
	// unstarted are groups loaded by replay after that, whose members'
	// sessions start at the next Handle or Tick.
	unstarted []string

	// During one Handle, Tick or Cancel: the time, and what it produces.
	now int64
	out coordinator.Output
}

// waitRef finds a parked request's member.
type waitRef struct {
	group, member string
	sync          bool
}

var _ coordinator.Shard = (*Shard)(nil)

// NewShard returns the empty state of one partition. The runtime replays
// the partition into it, then hands it requests and ticks.
// cfg must be valid (Config.Validate).
func NewShard(cfg Config, partition int32) *Shard {
	reg, err := assignor.NewRegistry(cfg.GroupConsumerAssignors)
	if err != nil {
		panic(fmt.Sprintf("group coordinator: invalid config: %v", err))
	}
	return &Shard{
		cfg: cfg, partition: partition,
		groups: map[string]group{}, offsets: newOffsetStore(), timers: newTimers(),
		waits: map[uint64]waitRef{}, newUUID: randomUUID, newMemberID: randomMemberID,
		assignors: reg, image: metadata.NewImage(""),
	}
}

// Handle takes one group API request routed to this shard. Its reply is
// in this Output or a later one (a JoinGroup waits for the join phase to
// end, a follower's SyncGroup for the leader's assignment).
func (s *Shard) Handle(now time.Time, r coordinator.Request) coordinator.Output {
	s.begin(now)
	switch req := r.Body.(type) {
	case *kmsg.JoinGroupRequest:
		s.joinGroup(r, req)
	case *kmsg.SyncGroupRequest:
		s.syncGroup(r, req)
	case *kmsg.HeartbeatRequest:
		s.heartbeat(r, req)
	case *kmsg.LeaveGroupRequest:
		s.leaveGroup(r, req)
	case *kmsg.DescribeGroupsRequest:
		s.describeGroups(r, req)
	case *kmsg.ListGroupsRequest:
		s.listGroups(r, req)
	case *kmsg.DeleteGroupsRequest:
		s.deleteGroups(r, req)
	case *kmsg.OffsetCommitRequest:
		s.offsetCommit(r, req)
	case *kmsg.OffsetFetchRequest:
		s.offsetFetch(r, req)
	case *kmsg.OffsetDeleteRequest:
		s.offsetDelete(r, req)
	case *kmsg.ConsumerGroupHeartbeatRequest:
		s.consumerGroupHeartbeat(r, req)
	case *kmsg.ConsumerGroupDescribeRequest:
		s.consumerGroupDescribe(r, req)
	default:
		// The api layer routes only the APIs above here: anything else is
		// a routing bug, not a client's mistake.
		panic(fmt.Sprintf("group coordinator: unexpected request %T", r.Body))
	}
	return s.end()
}

// Tick runs the timers due at now: session expiry, the end of join
// phases (initial delay, rebalance timeout), SyncGroup timeouts, consumer
// group sessions and rebalance timeouts, and offset and group expiry. A
// consumer group's records are computed from the group as replayed, so
// Tick stops after a consumer group timer that wrote: the timers still
// due run at the next Tick, once those records are replayed.
func (s *Shard) Tick(now time.Time) coordinator.Output {
	s.begin(now)
	for {
		t, ok := s.timers.popDue(s.now)
		if !ok {
			break
		}
		written := len(s.out.Records)
		s.fire(t)
		if t.key.kind.consumerTimer() && len(s.out.Records) > written {
			break
		}
	}
	return s.end()
}

func (s *Shard) fire(t timer) {
	switch t.key.kind {
	case timerHeartbeat:
		s.expireHeartbeat(t.key.group, t.key.member)
	case timerJoin:
		s.onJoinTimer(t)
	case timerSync:
		s.onSyncTimer(t)
	case timerCleanup:
		s.cleanup()
	case timerConsumerSession, timerConsumerRebalance, timerConsumerJoin, timerConsumerSync:
		s.onConsumerTimer(t)
	}
}

// NextDeadline is when Tick should run next. A zero time means at once:
// the shard has groups whose members' sessions have not started.
func (s *Shard) NextDeadline() (time.Time, bool) {
	if !s.started || len(s.unstarted) > 0 {
		return time.Time{}, true
	}
	at, ok := s.timers.next()
	if !ok {
		return time.Time{}, false
	}
	return time.UnixMilli(at), true
}

// Cancel forgets the reply of a parked request whose client went away. It
// changes nothing else: like Kafka, which cannot see the connection of a
// parked JoinGroup close, the member still counts as having joined.
func (s *Shard) Cancel(id uint64) coordinator.Output {
	ref, ok := s.waits[id]
	if !ok {
		return coordinator.Output{}
	}
	delete(s.waits, id)
	if g, ok := s.groups[ref.group].(*classicGroup); ok {
		if m := g.member(ref.member); m != nil {
			w := m.join
			if ref.sync {
				w = m.sync
			}
			if w != nil && w.id == id {
				w.gone = true
			}
		}
	}
	return coordinator.Output{}
}

func (s *Shard) begin(now time.Time) {
	s.now = now.UnixMilli()
	s.out = coordinator.Output{}
	s.start()
}

func (s *Shard) end() coordinator.Output {
	out := s.out
	s.out = coordinator.Output{}
	return out
}

func (s *Shard) reply(id uint64, resp kmsg.Response) {
	s.out.Replies = append(s.out.Replies, coordinator.Reply{ID: id, Response: resp})
}

func (s *Shard) write(rec coordinator.Record) {
	s.out.Records = append(s.out.Records, rec)
}

// start does what Kafka does once a partition is loaded (onLoaded): start
// the sessions of the loaded members, rebalance groups over group.max.size,
// and schedule the first expiry run.
func (s *Shard) start() {
	if !s.started {
		s.started = true
		s.timers.set(timer{key: timerKey{kind: timerCleanup}, at: s.now + s.cfg.OffsetsRetentionCheckIntervalMs})
		s.unstarted = slices.Sorted(maps.Keys(s.groups))
	}
	for _, id := range s.unstarted {
		switch g := s.groups[id].(type) {
		case *classicGroup:
			s.startClassic(g)
		case *consumerGroup:
			s.startConsumer(g)
		}
	}
	s.unstarted = nil
}

func (s *Shard) startClassic(g *classicGroup) {
	for _, m := range g.members {
		s.setHeartbeat(g, m.id, m.sessionTimeoutMs)
	}
	if len(g.members) > int(s.cfg.GroupMaxSize) {
		s.prepareRebalance(g)
	}
}

// randomUUID is a version 4 UUID as Java prints it; member ids are
// "<client or instance id>-<uuid>", as Kafka makes them.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomMemberID is a random Kafka Uuid as Kafka prints it (unpadded
// URL-safe base64), what Kafka names consumer group members with.
func randomMemberID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}
