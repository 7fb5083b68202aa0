package group

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// TestRandomClients drives a shard with clients that join, sync,
// heartbeat, commit, leave and go away at random, at random API versions,
// while the clock moves, the coordinator restarts, and admins describe,
// list and delete. After every step a shard rebuilt from the log must
// answer as the live one (checkRebuild), the shard's bookkeeping must
// hold (checkInvariants), and every reply must answer one outstanding
// request at its version. At the end, once time has run on, every request
// still outstanding must have been answered.
func TestRandomClients(t *testing.T) {
	const seeds, steps = 30, 400
	for seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := newRandomRun(uint64(seed))
			for step := range steps {
				if err := r.step(); err != nil {
					t.Fatalf("step %d (%s): %v", step, r.last, err)
				}
			}
			if _, _, err := r.h.advance(2 * time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := checkInvariants(r.h.s); err != nil {
				t.Fatal(err)
			}
			if len(r.h.outstanding) > 0 {
				t.Fatalf("requests never answered: %v", r.h.outstanding)
			}
		})
	}
}

// client is what a consumer knows of its membership.
type client struct {
	name, group string
	instance    *string
	memberID    string
	generation  int32
	members     []string // when it leads: the members to assign
	protos      string
	synced      bool // has its assignment for generation
	waiting     bool // has a JoinGroup or SyncGroup parked
}

type randomRun struct {
	h       *harness
	rng     *rand.Rand
	clients []*client
	sentBy  map[uint64]*client
	last    string
}

func newRandomRun(seed uint64) *randomRun {
	cfg := DefaultConfig()
	cfg.GroupMaxSize = 4
	cfg.OffsetsRetentionMinutes = 2
	cfg.OffsetsRetentionCheckIntervalMs = 20000
	cfg.OffsetMetadataMaxBytes = 8
	r := &randomRun{h: newHarness(cfg), rng: rand.New(rand.NewPCG(seed, 42)), sentBy: map[uint64]*client{}}
	for i := range 6 {
		c := &client{name: fmt.Sprint("c", i), group: []string{"g0", "g1"}[i%2], protos: "range", generation: -1}
		if i%3 == 0 {
			c.instance = ptr(fmt.Sprint("i", i))
		}
		r.clients = append(r.clients, c)
	}
	return r
}

func (r *randomRun) step() error {
	c := r.clients[r.rng.IntN(len(r.clients))]
	var err error
	if r.rng.IntN(10) < 6 {
		// Mostly, a client does what a consumer does next.
		err = r.natural(c)
	} else {
		err = r.anything(c)
	}
	if err != nil {
		return err
	}
	if err := checkInvariants(r.h.s); err != nil {
		return err
	}
	return r.h.checkRebuild()
}

// natural is a consumer's next request: join until it has a generation,
// sync until it has an assignment, then heartbeat and commit.
func (r *randomRun) natural(c *client) error {
	switch {
	case c.waiting:
		return r.advance()
	case c.generation < 0:
		return r.join(c)
	case !c.synced:
		return r.sync(c)
	case r.rng.IntN(3) == 0:
		return r.send(c, r.commit(c))
	}
	return r.send(c, r.heartbeat(c))
}

func (r *randomRun) advance() error {
	d := time.Duration(r.rng.IntN(12000)) * time.Millisecond
	r.last = fmt.Sprint("advance ", d)
	replies, _, err := r.h.advance(d)
	if err == nil {
		r.learn(replies)
	}
	return err
}

func (r *randomRun) anything(c *client) error {
	var err error
	switch n := r.rng.IntN(100); {
	case n < 22:
		err = r.join(c)
	case n < 34:
		err = r.sync(c)
	case n < 46:
		err = r.send(c, r.heartbeat(c))
	case n < 50:
		err = r.send(c, r.leave(c))
	case n < 60:
		err = r.send(c, r.commit(c))
	case n < 66:
		err = r.send(nil, r.fetch())
	case n < 70:
		err = r.send(nil, r.admin())
	case n < 90:
		err = r.advance()
	case n < 97:
		err = r.cancelOne()
	default:
		r.last = "restart"
		err = r.h.restart()
		clear(r.sentBy)
		for _, c := range r.clients {
			c.waiting = false
		}
	}
	return err
}

func (r *randomRun) send(c *client, req kmsg.Request) error {
	r.last = fmt.Sprintf("%T v%d from %v", req, req.GetVersion(), c)
	name := "admin"
	if c != nil {
		name = c.name
	}
	id, replies, _, err := r.h.send(req, name, "/10.0.0.9")
	if err != nil {
		return err
	}
	r.sentBy[id] = c
	if c != nil && (req.Key() == 11 || req.Key() == 14) {
		c.waiting = true
	}
	r.learn(replies)
	return nil
}

func (r *randomRun) version(lo, hi int) int16 { return int16(lo + r.rng.IntN(hi-lo+1)) }

func (r *randomRun) join(c *client) error {
	req := kmsg.NewPtrJoinGroupRequest()
	req.Version, req.Group, req.MemberID = r.version(0, 9), c.group, c.memberID
	if c.instance != nil {
		req.Version = r.version(5, 9)
		req.InstanceID = c.instance
	}
	req.SessionTimeoutMillis = int32(6000 + r.rng.IntN(8000))
	req.RebalanceTimeoutMillis = int32(3000 + r.rng.IntN(12000))
	req.ProtocolType = "consumer"
	if r.rng.IntN(8) == 0 {
		c.protos = []string{"range", "range+roundrobin", "roundrobin+range", "sticky"}[r.rng.IntN(4)]
	}
	topics := []string{"t"}
	if r.rng.IntN(6) == 0 {
		topics = append(topics, "u")
	}
	for _, p := range splitPlus(c.protos) {
		req.Protocols = append(req.Protocols, kmsg.JoinGroupRequestProtocol{Name: p, Metadata: subscription(topics)})
	}
	return r.send(c, req)
}

func (r *randomRun) sync(c *client) error {
	req := kmsg.NewPtrSyncGroupRequest()
	req.Version, req.Group, req.MemberID, req.Generation = r.version(0, 5), c.group, c.memberID, c.generation
	if c.instance != nil {
		req.Version = r.version(3, 5)
		req.InstanceID = c.instance
	}
	if req.Version >= 5 {
		req.ProtocolType = ptr("consumer")
		if p := r.protocolOf(c.group); p != "" {
			req.Protocol = &p
		}
	}
	for i, m := range c.members {
		req.GroupAssignment = append(req.GroupAssignment,
			kmsg.SyncGroupRequestGroupAssignment{MemberID: m, MemberAssignment: []byte(fmt.Sprint("p", i))})
	}
	return r.send(c, req)
}

// protocolOf peeks at the group's protocol, as a client learns it from
// its JoinGroup answer.
func (r *randomRun) protocolOf(id string) string {
	if g, ok := r.h.s.groups[id].(*classicGroup); ok {
		return g.protocol
	}
	return ""
}

func (r *randomRun) heartbeat(c *client) kmsg.Request {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Version, req.Group, req.MemberID, req.Generation = r.version(0, 4), c.group, c.memberID, c.generation
	if c.instance != nil {
		req.Version = r.version(3, 4)
		req.InstanceID = c.instance
	}
	return req
}

func (r *randomRun) leave(c *client) kmsg.Request {
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Version, req.Group, req.MemberID = r.version(0, 5), c.group, c.memberID
	lm := kmsg.NewLeaveGroupRequestMember()
	lm.MemberID, lm.InstanceID = c.memberID, c.instance
	if c.instance != nil && r.rng.IntN(2) == 0 {
		lm.MemberID = "" // an administrator removing the instance
	}
	req.Members = []kmsg.LeaveGroupRequestMember{lm}
	return req
}

func (r *randomRun) commit(c *client) kmsg.Request {
	req := kmsg.NewPtrOffsetCommitRequest()
	req.Version, req.Group = r.version(2, 9), c.group
	if r.rng.IntN(4) == 0 {
		req.Group = "simple"
	} else {
		req.MemberID, req.Generation, req.InstanceID = c.memberID, c.generation, c.instance
		if req.Version < 7 {
			req.InstanceID = nil
		}
	}
	if req.Version <= 4 && r.rng.IntN(3) == 0 {
		req.RetentionTimeMillis = int64(r.rng.IntN(200000))
	}
	t := kmsg.NewOffsetCommitRequestTopic()
	t.Topic = []string{"t", "u"}[r.rng.IntN(2)]
	p := kmsg.NewOffsetCommitRequestTopicPartition()
	p.Partition, p.Offset, p.LeaderEpoch = int32(r.rng.IntN(3)), int64(r.rng.IntN(1000)), int32(r.rng.IntN(3)-1)
	p.Metadata = ptr([]string{"", "meta", "too long metadata"}[r.rng.IntN(3)])
	t.Partitions = append(t.Partitions, p)
	req.Topics = append(req.Topics, t)
	return req
}

func (r *randomRun) fetch() kmsg.Request {
	req := kmsg.NewPtrOffsetFetchRequest()
	req.Version = r.version(1, 9)
	group := []string{"g0", "g1", "simple"}[r.rng.IntN(3)]
	all := req.Version >= 2 && r.rng.IntN(2) == 0
	req.RequireStable = req.Version >= 7 && r.rng.IntN(2) == 0
	if req.Version < 8 {
		req.Group = group
		if !all {
			req.Topics = []kmsg.OffsetFetchRequestTopic{{Topic: "t", Partitions: []int32{0, 1, 2}}}
		}
		return req
	}
	rg := kmsg.NewOffsetFetchRequestGroup()
	rg.Group = group
	if !all {
		rg.Topics = []kmsg.OffsetFetchRequestGroupTopic{{Topic: "u", Partitions: []int32{0, 1}}}
	}
	req.Groups = append(req.Groups, rg)
	return req
}

func (r *randomRun) admin() kmsg.Request {
	group := []string{"g0", "g1", "simple", "none"}[r.rng.IntN(4)]
	switch r.rng.IntN(4) {
	case 0:
		req := kmsg.NewPtrDescribeGroupsRequest()
		req.Version, req.Groups, req.IncludeAuthorizedOperations = r.version(0, 6), []string{group}, true
		return req
	case 1:
		req := kmsg.NewPtrListGroupsRequest()
		req.Version = r.version(0, 5)
		return req
	case 2:
		req := kmsg.NewPtrDeleteGroupsRequest()
		req.Version, req.Groups = r.version(0, 2), []string{group}
		return req
	}
	req := kmsg.NewPtrOffsetDeleteRequest()
	req.Group = group
	req.Topics = []kmsg.OffsetDeleteRequestTopic{{Topic: "u", Partitions: []kmsg.OffsetDeleteRequestTopicPartition{{Partition: 0}}}}
	return req
}

func (r *randomRun) cancelOne() error {
	for id := range r.h.outstanding {
		r.last = fmt.Sprint("cancel ", id)
		delete(r.sentBy, id)
		return r.h.cancel(id)
	}
	r.last = "cancel nothing"
	return nil
}

// learn updates the clients from their replies, as consumers do.
func (r *randomRun) learn(replies []coordinator.Reply) {
	for _, rep := range replies {
		c := r.sentBy[rep.ID]
		delete(r.sentBy, rep.ID)
		if c == nil {
			continue
		}
		switch resp := rep.Response.(type) {
		case *kmsg.JoinGroupResponse:
			c.waiting = false
			r.learnJoin(c, resp)
		case *kmsg.SyncGroupResponse:
			c.waiting = false
			c.synced = resp.ErrorCode == 0
			r.learnCode(c, resp.ErrorCode)
		case *kmsg.HeartbeatResponse:
			r.learnCode(c, resp.ErrorCode)
		case *kmsg.LeaveGroupResponse:
			c.memberID, c.generation, c.members = "", -1, nil
		}
	}
}

func (r *randomRun) learnJoin(c *client, resp *kmsg.JoinGroupResponse) {
	switch resp.ErrorCode {
	case 0:
		c.memberID, c.generation, c.members, c.synced = resp.MemberID, resp.Generation, nil, false
		for _, m := range resp.Members {
			c.members = append(c.members, m.MemberID)
		}
	case kerr.MemberIDRequired.Code:
		c.memberID = resp.MemberID
	case kerr.InconsistentGroupProtocol.Code:
		c.protos = "range" // back to what the others speak
	default:
		r.learnCode(c, resp.ErrorCode)
	}
}

func (r *randomRun) learnCode(c *client, code int16) {
	switch code {
	case kerr.UnknownMemberID.Code, kerr.FencedInstanceID.Code:
		c.memberID, c.generation, c.members = "", -1, nil
	case kerr.IllegalGeneration.Code, kerr.RebalanceInProgress.Code:
		c.generation = -1
	}
}

func splitPlus(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '+' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// checkInvariants checks the shard's bookkeeping of its classic groups.
func checkInvariants(s *Shard) error {
	parked := 0
	for id, gr := range s.groups {
		g, ok := gr.(*classicGroup)
		if !ok {
			continue
		}
		if len(g.writes) > 0 {
			return fmt.Errorf("group %s: %d writes never replayed", id, len(g.writes))
		}
		if err := g.checkMembers(); err != nil {
			return fmt.Errorf("group %s: %w", id, err)
		}
		for _, m := range g.members {
			for _, w := range []*waiter{m.join, m.sync} {
				if w == nil || w.gone {
					continue
				}
				parked++
				if ref, ok := s.waits[w.id]; !ok || ref.group != id || ref.member != m.id || ref.sync != (w == m.sync) {
					return fmt.Errorf("group %s member %s: parked request %d not indexed (%+v)", id, m.id, w.id, ref)
				}
			}
		}
	}
	if parked != len(s.waits) {
		return fmt.Errorf("%d parked requests, %d indexed", parked, len(s.waits))
	}
	return nil
}

func (g *classicGroup) checkMembers() error {
	if len(g.members) != len(g.byID) {
		return fmt.Errorf("%d members, %d by id", len(g.members), len(g.byID))
	}
	awaiting, votes, static := 0, map[string]int{}, 0
	for _, m := range g.members {
		if g.byID[m.id] != m {
			return fmt.Errorf("member %s not indexed", m.id)
		}
		if m.join != nil {
			awaiting++
		}
		for _, p := range m.protocols {
			votes[p.name]++
		}
		if m.instanceID != nil {
			static++
			if g.static[*m.instanceID] != m.id {
				return fmt.Errorf("static member %s not indexed", m.id)
			}
		}
		if g.pendingJoin[m.id] {
			return fmt.Errorf("member %s also pending", m.id)
		}
	}
	switch {
	case awaiting != g.awaitingJoin:
		return fmt.Errorf("%d members awaiting join, counted %d", awaiting, g.awaitingJoin)
	case static != len(g.static):
		return fmt.Errorf("%d static members, %d indexed", static, len(g.static))
	case fmt.Sprint(votes) != fmt.Sprint(g.votes):
		return fmt.Errorf("votes %v, counted %v", votes, g.votes)
	case g.leader != "" && g.byID[g.leader] == nil:
		return fmt.Errorf("leader %s is not a member", g.leader)
	case g.leader == "" && len(g.members) > 0 && !g.is(stateDead):
		return fmt.Errorf("members but no leader")
	case (g.is(stateEmpty)) != (len(g.members) == 0) && !g.is(statePreparingRebalance):
		return fmt.Errorf("state %s with %d members", g.state, len(g.members))
	}
	return nil
}
