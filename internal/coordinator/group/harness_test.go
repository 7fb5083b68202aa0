package group

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/metadata"
)

// harness plays the runtime around a Shard: it writes each Output's
// records to an in-memory log, replays them, then collects the replies.
// After every step it checks that a shard rebuilt from the log answers as
// the live one does for every settled group.
type harness struct {
	cfg    Config
	s      *Shard
	now    time.Time
	log    []logRecord
	nextID uint64
	uuids  int
	// outstanding are requests sent and not yet answered (or cancelled).
	outstanding map[uint64]kmsg.Request
	// img is the metadata image the shard has, with the topics the
	// script made (topic ids 1, 2, ... in order of creation).
	img    *metadata.Image
	topics int
}

type logRecord struct {
	key, value []byte
}

var scriptEpoch = time.UnixMilli(1_000_000_000)

func newHarness(cfg Config) *harness {
	h := &harness{cfg: cfg, now: scriptEpoch, outstanding: map[uint64]kmsg.Request{}, img: metadata.NewImage("script")}
	h.s = h.newShard()
	return h
}

// newShard makes a shard whose member ids are predictable: <prefix>-<n>.
func (h *harness) newShard() *Shard {
	s := NewShard(h.cfg, 0)
	s.newUUID = func() string {
		h.uuids++
		return strconv.Itoa(h.uuids)
	}
	s.newMemberID = func() string {
		h.uuids++
		return "u" + strconv.Itoa(h.uuids)
	}
	s.Metadata(h.now, h.img)
	return s
}

// send hands the shard a request and applies the Output. The request goes
// through the wire first, at its version, as the api layer's would.
func (h *harness) send(body kmsg.Request, clientID, host string) (uint64, []coordinator.Reply, []coordinator.Record, error) {
	body, err := wireRoundTrip(body)
	if err != nil {
		return 0, nil, nil, err
	}
	h.nextID++
	id := h.nextID
	h.outstanding[id] = body
	out := h.s.Handle(h.now, coordinator.Request{ID: id, Body: body, ClientID: clientID, ClientHost: host})
	replies, err := h.apply(out)
	return id, replies, out.Records, err
}

func wireRoundTrip(req kmsg.Request) (kmsg.Request, error) {
	decoded := kmsg.RequestForKey(req.Key())
	decoded.SetVersion(req.GetVersion())
	if err := decoded.ReadFrom(req.AppendTo(nil)); err != nil {
		return nil, fmt.Errorf("decode %T v%d: %w", req, req.GetVersion(), err)
	}
	return decoded, nil
}

// apply commits and replays an Output's records, then checks its replies:
// each answers an outstanding request, once, in its version.
func (h *harness) apply(out coordinator.Output) ([]coordinator.Reply, error) {
	for _, rec := range out.Records {
		offset := int64(len(h.log))
		h.log = append(h.log, logRecord{rec.Key, rec.Value})
		if err := h.s.Replay(offset, rec.Key, rec.Value); err != nil {
			return nil, fmt.Errorf("replay of the shard's own record: %w", err)
		}
	}
	for _, rep := range out.Replies {
		req, ok := h.outstanding[rep.ID]
		if !ok {
			return nil, fmt.Errorf("reply to request %d, which is not outstanding", rep.ID)
		}
		delete(h.outstanding, rep.ID)
		if rep.Response.Key() != req.Key() || rep.Response.GetVersion() != req.GetVersion() {
			return nil, fmt.Errorf("request %d (key %d v%d) answered with key %d v%d", rep.ID,
				req.Key(), req.GetVersion(), rep.Response.Key(), rep.Response.GetVersion())
		}
		// Every reply must encode at its version.
		_ = rep.Response.AppendTo(nil)
	}
	return out.Replies, nil
}

// advance moves the clock by d, running Tick at each deadline on the way
// as the runtime would.
func (h *harness) advance(d time.Duration) ([]coordinator.Reply, []coordinator.Record, error) {
	target := h.now.Add(d)
	var replies []coordinator.Reply
	var records []coordinator.Record
	for {
		at, ok := h.s.NextDeadline()
		if !ok || at.After(target) {
			break
		}
		if at.After(h.now) {
			h.now = at
		}
		out := h.s.Tick(h.now)
		reps, err := h.apply(out)
		if err != nil {
			return nil, nil, err
		}
		replies, records = append(replies, reps...), append(records, out.Records...)
	}
	h.now = target
	return replies, records, nil
}

func (h *harness) cancel(id uint64) error {
	delete(h.outstanding, id)
	_, err := h.apply(h.s.Cancel(id))
	return err
}

// rebuild replays the whole log into a new shard.
func (h *harness) rebuild() (*Shard, error) {
	s := h.newShard()
	for i, rec := range h.log {
		if err := s.Replay(int64(i), rec.key, rec.value); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// restart replaces the shard by one rebuilt from the log, as after a
// failover; requests still outstanding are lost with the old one.
func (h *harness) restart() error {
	s, err := h.rebuild()
	if err != nil {
		return err
	}
	h.s = s
	clear(h.outstanding)
	return nil
}

// checkRebuild compares the live shard with one rebuilt from the log: the
// committed offsets of every group, and the description and listing of
// every group not in the middle of a rebalance.
func (h *harness) checkRebuild() error {
	rebuilt, err := h.rebuild()
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	ids := map[string]bool{}
	for _, s := range []*Shard{h.s, rebuilt} {
		for id := range s.groups {
			ids[id] = true
		}
		for id := range s.offsets.byGroup {
			ids[id] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		a, b := h.s.fetchGroup(id, nil, -1, nil, true, false), rebuilt.fetchGroup(id, nil, -1, nil, true, false)
		if !reflect.DeepEqual(a, b) {
			return fmt.Errorf("group %s: offsets differ after rebuild:\n live:    %s\n rebuilt: %s", id, fmtFetchGroup(a), fmtFetchGroup(b))
		}
		if !settled(h.s, id) {
			continue
		}
		da, db := h.s.describeGroup(id, 6), rebuilt.describeGroup(id, 6)
		if !reflect.DeepEqual(da, db) {
			return fmt.Errorf("group %s: description differs after rebuild:\n live:    %s\n rebuilt: %s", id, fmtDescribed(da), fmtDescribed(db))
		}
		ca, cb := h.s.describeConsumerGroup(id, 1), rebuilt.describeConsumerGroup(id, 1)
		if !reflect.DeepEqual(ca, cb) {
			return fmt.Errorf("group %s: consumer group description differs after rebuild:\n live:    %s\n rebuilt: %s", id, fmtConsumerDescribed(h, ca), fmtConsumerDescribed(h, cb))
		}
		if la, lb := listed(h.s, id), listed(rebuilt, id); la != lb {
			return fmt.Errorf("group %s: listing differs after rebuild: live %q, rebuilt %q", id, la, lb)
		}
	}
	return nil
}

// settled: the group is not between a join and its written assignment.
func settled(s *Shard, id string) bool {
	g, ok := s.groups[id].(*classicGroup)
	return !ok || g.is(stateEmpty) || g.is(stateStable)
}

func listed(s *Shard, id string) string {
	g, ok := s.liveGroup(id)
	if !ok {
		return ""
	}
	return g.stateName() + "/" + g.protocolTypeName() + "/" + g.typeName()
}
