package fetchsession

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestNextEpoch(t *testing.T) {
	for _, tc := range []struct{ in, want int32 }{
		{0, 1},
		{1, 2},
		{math.MaxInt32 - 1, math.MaxInt32},
		{math.MaxInt32, 1},
		{-1, -1},
		{-7, -1},
	} {
		if got := nextEpoch(tc.in); got != tc.want {
			t.Errorf("nextEpoch(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestRandomIDIsPositive(t *testing.T) {
	for range 10000 {
		if id := randomID(); id <= 0 || id == math.MaxInt32 {
			t.Fatalf("randomID() = %d", id)
		}
	}
}

// A drawn id that is in use, or not positive, is drawn again.
func TestNewIDSkipsUsedAndInvalid(t *testing.T) {
	c := NewCache(10, time.Minute)
	c.mu.sessions[5] = &session{id: 5}
	draws := []int32{5, 0, -3, 5, 9}
	c.randomID = func() int32 {
		id := draws[0]
		draws = draws[1:]
		return id
	}
	if id := c.newIDLocked(); id != 9 {
		t.Fatalf("newIDLocked() = %d, want 9", id)
	}
}

func TestNewCacheSessionsWork(t *testing.T) {
	c := NewCache(DefaultMaxSlots, DefaultEvictAfter)
	var ctx Context
	now := time.Unix(1000, 0)
	c.Begin(&ctx, Request{Partitions: []Partition{{Topic: "foo"}}}, now)
	ctx.SetResult(0, Result{HighWatermark: 3})
	resp := ctx.Respond(now)
	if resp.Err != nil || resp.SessionID <= 0 || !slices.Equal(resp.Partitions, []int{0}) {
		t.Fatalf("Respond() = %+v", resp)
	}
	if c.Sessions() != 1 || c.CachedPartitions() != 1 || c.Evictions() != 0 {
		t.Fatalf("metrics: %d sessions, %d partitions, %d evictions",
			c.Sessions(), c.CachedPartitions(), c.Evictions())
	}
}

// The session's chained slice must keep fetch order and its index through
// any mix of adds, removals and moves; a plain slice of keys is the model.
func TestSessionOrderModel(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 7))
	for _, topicIDs := range []bool{false, true} {
		s := newSession(false, topicIDs, time.Time{}, 0)
		var model []key
		for step := range 5000 {
			p := Partition{Topic: "t", Partition: rnd.Int32N(40)}
			if topicIDs {
				p.TopicID = topicID("t")
			}
			k := s.keyOf(&p)
			i, ok := s.index[k]
			switch op := rnd.IntN(3); {
			case !ok:
				s.add(p, 0, 0)
				model = append(model, k)
			case op == 0:
				s.remove(i)
				model = slices.DeleteFunc(model, func(m key) bool { return m == k })
			default:
				s.moveToBack(i)
				model = append(slices.DeleteFunc(model, func(m key) bool { return m == k }), k)
			}
			if err := checkSession(s, model); err != nil {
				t.Fatalf("topicIDs=%t step %d: %v", topicIDs, step, err)
			}
		}
	}
}

func checkSession(s *session, model []key) error {
	var order []key
	prev := int32(-1)
	for i := s.head; i >= 0; i = s.entries[i].next {
		e := &s.entries[i]
		if e.prev != prev {
			return fmt.Errorf("entry %d: prev %d, want %d", i, e.prev, prev)
		}
		if j, ok := s.index[s.keyOf(&e.p)]; !ok || j != i {
			return fmt.Errorf("entry %d: index says %d, %t", i, j, ok)
		}
		order = append(order, s.keyOf(&e.p))
		prev = i
	}
	if s.tail != prev {
		return fmt.Errorf("tail %d, want %d", s.tail, prev)
	}
	if len(s.index) != len(s.entries) || len(order) != len(s.entries) {
		return fmt.Errorf("%d entries, %d indexed, %d chained", len(s.entries), len(s.index), len(order))
	}
	if !slices.Equal(order, model) {
		return fmt.Errorf("order %v, want %v", order, model)
	}
	return nil
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{
		Sessionless: "sessionless", Full: "full", Incremental: "incremental",
		SessionError: "error", Kind(9): "Kind(9)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", k, got, want)
		}
	}
}
