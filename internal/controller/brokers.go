package controller

import (
	"context"

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
}

type registration struct {
	epoch int64
	err   error
}

// RegisterBroker registers a broker and returns its broker epoch. A new
// incarnation gets a new epoch, greater than any before; the same
// incarnation registering again keeps its epoch. Brokers register unfenced:
// until heartbeats exist there is nothing that would unfence them.
func (c *Controller) RegisterBroker(ctx context.Context, reg BrokerRegistration) (int64, error) {
	r, err := run(ctx, c, "RegisterBroker", func(img *metadata.Image) ([]metadata.Record, registration) {
		return decideRegisterBroker(img, reg)
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
