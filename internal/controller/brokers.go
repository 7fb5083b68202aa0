package controller

import (
	"context"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
)

// BrokerRegistration is what a broker tells the controller at start-up.
type BrokerRegistration struct {
	BrokerID int32
	// ClusterID is the cluster the broker was formatted for; empty skips
	// the check.
	ClusterID string
	// IncarnationID is new every time the broker process starts.
	IncarnationID metadata.UUID
	Endpoints     []metadata.Endpoint
	Rack          *string
	// ObserverAddr, if set, is where the broker receives the metadata log
	// as a non-voting Raft member; the controller adds it there
	// (Config.AddObserver) before registering it.
	ObserverAddr string
}

type registration struct {
	epoch int64
	err   error
}

// RegisterBroker registers a broker and returns its broker epoch. A new
// incarnation gets a new epoch, greater than any before, and starts fenced:
// its heartbeats unfence it once it has replayed the log up to its
// registration. The same incarnation registering again keeps its epoch and
// state. While another incarnation's session is alive (it heartbeated this
// controller within the session timeout) the registration is refused with
// DUPLICATE_BROKER_REGISTRATION, as Kafka does.
func (c *Controller) RegisterBroker(ctx context.Context, reg BrokerRegistration) (int64, error) {
	if c.cfg.AddObserver != nil && reg.ObserverAddr != "" {
		if !c.Active() {
			return -1, newError(ErrNotController, "This node is not the active controller.")
		}
		if err := c.cfg.AddObserver(ctx, reg.BrokerID, reg.ObserverAddr); err != nil {
			c.log.Warn("adding a broker to the metadata quorum failed", "broker", reg.BrokerID, "err", err)
			return -1, proposeError(err)
		}
	}
	now := time.Now()
	r, err := run(ctx, c, "RegisterBroker", func(img *metadata.Image) ([]metadata.Record, registration) {
		return c.decideRegisterLocked(img, reg, now)
	})
	if err == nil {
		err = r.err
	}
	if err != nil {
		return -1, err
	}
	return r.epoch, nil
}

func decideRegisterBroker(img *metadata.Image, reg BrokerRegistration) ([]metadata.Record, registration) {
	if reg.ClusterID != "" && reg.ClusterID != img.ClusterID() {
		return nil, registration{err: newError(ErrInconsistentClusterID,
			"Expected cluster ID %s, but got cluster ID %s", img.ClusterID(), reg.ClusterID)}
	}
	if reg.BrokerID < 0 {
		return nil, registration{err: newError(ErrInvalidRequest, "Invalid broker id %d.", reg.BrokerID)}
	}
	rec := metadata.RegisterBrokerRecord{
		BrokerID:      reg.BrokerID,
		IncarnationID: reg.IncarnationID,
		Endpoints:     reg.Endpoints,
		Rack:          reg.Rack,
		// An epoch above the image's offset exceeds every epoch handed out
		// before, since each was at most the offset of its own batch.
		BrokerEpoch: max(img.Offset()+1, 1),
		Fenced:      true,
	}
	if old := img.Broker(reg.BrokerID); old != nil && old.IncarnationID == reg.IncarnationID {
		rec.BrokerEpoch = old.Epoch
		rec.Fenced, rec.InControlledShutdown = old.Fenced, old.InControlledShutdown
	}
	return []metadata.Record{rec}, registration{epoch: rec.BrokerEpoch}
}

// Bootstrap writes the bootstrap feature levels to a new log. Every other
// operation does so too with its first batch; Bootstrap serves a
// controller-only node that has nothing else to write yet.
func (c *Controller) Bootstrap(ctx context.Context) error {
	_, err := run(ctx, c, "Bootstrap", func(img *metadata.Image) ([]metadata.Record, struct{}) {
		if img.MetadataVersion() != 0 {
			return nil, struct{}{}
		}
		return c.bootstrapRecords(img), struct{}{}
	})
	return err
}

// decideRegisterLocked is decideRegisterBroker with the session check, and
// starts the new incarnation's session. c.mu must be held.
func (c *Controller) decideRegisterLocked(img *metadata.Image, reg BrokerRegistration, now time.Time) ([]metadata.Record, registration) {
	recs, res := decideRegisterBroker(img, reg)
	if res.err == nil {
		res.err = c.checkSessionLocked(img, reg, now)
	}
	if res.err != nil {
		return nil, res
	}
	sessions := c.sessionsLocked(img, now)
	if s := sessions[reg.BrokerID]; s == nil || s.epoch != res.epoch {
		sessions[reg.BrokerID] = &session{epoch: res.epoch, lastContact: now, metadataOffset: -1, shutdownOffset: -1}
	}
	return recs, res
}

// checkSessionLocked refuses a new incarnation while the registered one
// has a live session. c.mu must be held.
func (c *Controller) checkSessionLocked(img *metadata.Image, reg BrokerRegistration, now time.Time) error {
	old := img.Broker(reg.BrokerID)
	if old == nil || old.IncarnationID == reg.IncarnationID || old.Fenced {
		return nil
	}
	s := c.sessionsLocked(img, now)[reg.BrokerID]
	if s != nil && s.heard && s.epoch == old.Epoch && now.Sub(s.lastContact) <= c.cfg.SessionTimeout {
		return newError(ErrDuplicateBrokerRegistration, "Another broker is registered with that broker id.")
	}
	return nil
}
