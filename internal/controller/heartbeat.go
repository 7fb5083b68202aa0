package controller

import (
	"context"
	"errors"
	"math"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
)

// The active controller keeps each broker's session in memory, as Kafka's
// BrokerHeartbeatManager does: when it last heard from the broker, how far
// the broker has replayed the metadata log, and where its controlled
// shutdown began. Sessions are not metadata; a controller that becomes
// active starts every registered broker's session afresh.
type session struct {
	epoch          int64
	lastContact    time.Time
	metadataOffset int64
	// shutdownOffset is the log offset at which the broker entered
	// controlled shutdown, -1 if it has not.
	shutdownOffset int64
	// heard is set once the broker heartbeats to this controller; only
	// then does its session refuse another incarnation's registration.
	heard bool
}

// sessionsLocked returns the sessions for img, starting them afresh when
// this controller has just become active. c.mu must be held.
func (c *Controller) sessionsLocked(img *metadata.Image, now time.Time) map[int32]*session {
	if c.sessions == nil {
		c.sessions = map[int32]*session{}
		for _, b := range img.Brokers() {
			c.sessions[b.ID] = &session{epoch: b.Epoch, lastContact: now, metadataOffset: -1, shutdownOffset: -1}
		}
	}
	return c.sessions
}

// resetSessionsLocked forgets every session and unschedules the periodic
// elections; the next active term starts them afresh. c.mu must be held.
func (c *Controller) resetSessionsLocked() { c.sessions, c.tasks = nil, leaderTasks{} }

// Heartbeat is a broker's BrokerHeartbeat request.
type Heartbeat struct {
	BrokerID       int32
	BrokerEpoch    int64
	MetadataOffset int64 // the last metadata offset the broker has replayed
	WantFence      bool
	WantShutDown   bool
}

// HeartbeatResult is the controller's answer to a heartbeat.
type HeartbeatResult struct {
	IsCaughtUp           bool
	IsFenced             bool
	InControlledShutdown bool
	ShouldShutDown       bool
}

// brokerState is where a broker is in its lifecycle, as the controller
// sees it.
type brokerState int

const (
	stateFenced brokerState = iota
	stateUnfenced
	stateControlledShutdown
	stateShutdownNow
)

// BrokerHeartbeat records a broker's heartbeat and moves it through its
// lifecycle the way Kafka's controller does: a fenced broker is unfenced
// once it has replayed the log up to its registration; an unfenced broker
// that wants to shut down enters controlled shutdown, which moves its
// leaderships away, and is told to shut down once it leads nothing and the
// other active brokers have replayed that; a broker that wants fencing, or
// wants to shut down while fenced, is fenced at once.
func (c *Controller) BrokerHeartbeat(ctx context.Context, hb Heartbeat, now time.Time) (HeartbeatResult, error) {
	type outcome struct {
		res HeartbeatResult
		err error
	}
	o, err := run(ctx, c, "BrokerHeartbeat", func(img *metadata.Image) ([]metadata.Record, outcome) {
		recs, res, err := c.decideHeartbeatLocked(img, hb, now)
		return recs, outcome{res, err}
	})
	if err == nil {
		err = o.err
	}
	return o.res, err
}

func (c *Controller) decideHeartbeatLocked(img *metadata.Image, hb Heartbeat, now time.Time) ([]metadata.Record, HeartbeatResult, error) {
	b := img.Broker(hb.BrokerID)
	if b == nil {
		return nil, HeartbeatResult{}, newError(ErrBrokerIDNotRegistered, "No broker registration found for broker id %d", hb.BrokerID)
	}
	if b.Epoch != hb.BrokerEpoch {
		return nil, HeartbeatResult{}, newError(ErrStaleBrokerEpoch, "Expected broker epoch %d, but got broker epoch %d", b.Epoch, hb.BrokerEpoch)
	}
	sessions := c.sessionsLocked(img, now)
	s := sessions[b.ID]
	if s == nil || s.epoch != b.Epoch {
		s = &session{epoch: b.Epoch, shutdownOffset: -1}
		sessions[b.ID] = s
	}
	cur := stateOf(b)
	next := c.nextStateLocked(img, b, cur, hb)
	var recs []metadata.Record
	if next != cur {
		switch next {
		case stateFenced, stateShutdownNow:
			recs = c.fenceRecords(img, b)
		case stateUnfenced:
			recs = append([]metadata.Record{metadata.BrokerRegistrationChangeRecord{
				BrokerID: b.ID, BrokerEpoch: b.Epoch, Fenced: metadata.Unfence,
			}}, electLeaderless(img, b.ID)...)
		case stateControlledShutdown:
			recs = append([]metadata.Record{metadata.BrokerRegistrationChangeRecord{
				BrokerID: b.ID, BrokerEpoch: b.Epoch, InControlledShutdown: 1,
			}}, moveAway(img, b.ID, c.uncleanFor(img))...)
			s.shutdownOffset = img.Offset() + 1
		}
	}
	s.lastContact, s.metadataOffset, s.heard = now, hb.MetadataOffset, true
	if next == stateFenced || next == stateShutdownNow {
		s.shutdownOffset = -1
	}
	return recs, HeartbeatResult{
		IsCaughtUp:           hb.MetadataOffset >= b.Epoch,
		IsFenced:             next == stateFenced || next == stateShutdownNow,
		InControlledShutdown: next == stateControlledShutdown,
		ShouldShutDown:       next == stateShutdownNow,
	}, nil
}

func stateOf(b *metadata.Broker) brokerState {
	switch {
	case b.Fenced:
		return stateFenced
	case b.InControlledShutdown:
		return stateControlledShutdown
	}
	return stateUnfenced
}

// nextStateLocked is Kafka's BrokerHeartbeatManager.calculateNextBrokerState.
// The broker epoch is the offset its registration was decided at, so a
// broker whose metadata offset reached it has replayed its registration.
func (c *Controller) nextStateLocked(img *metadata.Image, b *metadata.Broker, cur brokerState, hb Heartbeat) brokerState {
	switch cur {
	case stateFenced:
		switch {
		case hb.WantShutDown:
			return stateShutdownNow
		case !hb.WantFence && hb.MetadataOffset >= b.Epoch:
			return stateUnfenced
		}
		return stateFenced
	case stateUnfenced:
		switch {
		case hb.WantFence && hb.WantShutDown:
			return stateShutdownNow
		case hb.WantFence:
			return stateFenced
		case hb.WantShutDown && leads(img, b.ID):
			return stateControlledShutdown
		case hb.WantShutDown:
			return stateShutdownNow
		}
		return stateUnfenced
	case stateControlledShutdown:
		if leads(img, b.ID) {
			return stateControlledShutdown
		}
		s := c.sessions[b.ID]
		if s.shutdownOffset <= c.lowestActiveOffsetLocked(img) {
			return stateShutdownNow
		}
		return stateControlledShutdown
	}
	return stateShutdownNow
}

// lowestActiveOffsetLocked is the lowest metadata offset reported by the
// unfenced brokers that are not shutting down.
func (c *Controller) lowestActiveOffsetLocked(img *metadata.Image) int64 {
	low := int64(math.MaxInt64)
	for id, s := range c.sessions {
		if b := img.Broker(id); b != nil && !b.Fenced && !b.InControlledShutdown && s.epoch == b.Epoch {
			low = min(low, s.metadataOffset)
		}
	}
	return low
}

// fenceRecords fences b after moving its leaderships and ISR memberships
// away (Kafka's handleBrokerFenced).
func (c *Controller) fenceRecords(img *metadata.Image, b *metadata.Broker) []metadata.Record {
	recs := moveAway(img, b.ID, c.uncleanFor(img))
	return append(recs, metadata.BrokerRegistrationChangeRecord{BrokerID: b.ID, BrokerEpoch: b.Epoch, Fenced: metadata.Fence})
}

// uncleanFor returns whether a topic of img allows unclean leader election.
func (c *Controller) uncleanFor(img *metadata.Image) func(topic string) bool {
	return func(topic string) bool { return c.cfg.UncleanLeaderElection(img, topic) }
}

// Maintain is the active controller's periodic work: it fences every
// unfenced broker that has not heartbeated for the session timeout, moving
// the leaderships it held, gives partitions without a leader one from
// their ISR when a member is acceptable, and runs the periodic elections
// that are due (preferred leaders back, unclean leaders; elections.go). It
// returns the brokers it fenced. Callers run it every few hundred
// milliseconds; a node that is not the active controller does nothing.
func (c *Controller) Maintain(ctx context.Context, now time.Time) ([]int32, error) {
	fenced, err := run(ctx, c, "Maintain", func(img *metadata.Image) ([]metadata.Record, []int32) {
		return c.decideMaintainLocked(img, now)
	})
	if err == nil {
		err = c.maintainLeaders(ctx, now)
	}
	if errors.Is(err, ErrNotController) {
		return fenced, nil
	}
	if err != nil {
		return fenced, err
	}
	return fenced, nil
}

func (c *Controller) decideMaintainLocked(img *metadata.Image, now time.Time) ([]metadata.Record, []int32) {
	sessions := c.sessionsLocked(img, now)
	var recs []metadata.Record
	var fenced []int32
	cur := img
	for _, b := range img.Brokers() {
		s := sessions[b.ID]
		if s == nil || s.epoch != b.Epoch {
			// Registered since the sessions began: its session starts now.
			sessions[b.ID] = &session{epoch: b.Epoch, lastContact: now, metadataOffset: -1, shutdownOffset: -1}
			continue
		}
		if b.Fenced || now.Sub(s.lastContact) <= c.cfg.SessionTimeout {
			continue
		}
		c.log.Info("fencing broker: no heartbeat within the session timeout", "broker", b.ID,
			"last_contact", now.Sub(s.lastContact).Round(time.Millisecond), "session_timeout", c.cfg.SessionTimeout)
		more := c.fenceRecords(cur, b)
		next, _, err := cur.Apply(more)
		if err != nil {
			c.log.Error("fencing records do not apply", "broker", b.ID, "err", err)
			continue
		}
		cur, recs, fenced = next, append(recs, more...), append(fenced, b.ID)
		s.shutdownOffset = -1
	}
	for id := range sessions {
		if img.Broker(id) == nil {
			delete(sessions, id)
		}
	}
	recs = append(recs, electLeaderless(cur, -1)...)
	return recs, fenced
}

// BrokerProgress is a broker's session as the active controller knows it:
// the metadata offset it last reported and when. ok is false when this
// node is not the active controller or has not heard from the broker.
func (c *Controller) BrokerProgress(id int32) (offset int64, lastContact time.Time, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.sessions[id]
	if s == nil || !s.heard {
		return -1, time.Time{}, false
	}
	return s.metadataOffset, s.lastContact, true
}
