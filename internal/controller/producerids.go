package controller

import (
	"context"
	"math"

	"github.com/spoolhq/spool/internal/metadata"
)

// ProducerIDBlockSize is how many producer IDs one AllocateProducerIds
// hands a broker, as in Kafka.
const ProducerIDBlockSize = 1000

type producerIDBlock struct {
	first int64
	count int32
	err   error // why no block was handed out
}

// AllocateProducerIDs hands the broker the next block of producer IDs. The
// broker must name its current registration epoch.
func (c *Controller) AllocateProducerIDs(ctx context.Context, brokerID int32, brokerEpoch int64) (first int64, count int32, err error) {
	b, err := run(ctx, c, "AllocateProducerIDs", func(img *metadata.Image) ([]metadata.Record, producerIDBlock) {
		return decideAllocateProducerIDs(img, brokerID, brokerEpoch)
	})
	if err == nil {
		err = b.err
	}
	if err != nil {
		return -1, 0, err
	}
	return b.first, b.count, nil
}

func decideAllocateProducerIDs(img *metadata.Image, brokerID int32, brokerEpoch int64) ([]metadata.Record, producerIDBlock) {
	if err := checkBrokerEpoch(img, brokerID, brokerEpoch); err != nil {
		return nil, producerIDBlock{err: err}
	}
	first := img.NextProducerID()
	if first > math.MaxInt64-ProducerIDBlockSize {
		return nil, producerIDBlock{err: newError(ErrUnknownServer,
			"Exhausted all producerIds as the next block's end producerId has exceeded the int64 type limit")}
	}
	rec := metadata.ProducerIdsRecord{BrokerID: brokerID, BrokerEpoch: brokerEpoch, NextProducerID: first + ProducerIDBlockSize}
	return []metadata.Record{rec}, producerIDBlock{first: first, count: ProducerIDBlockSize}
}

func checkBrokerEpoch(img *metadata.Image, id int32, epoch int64) error {
	b := img.Broker(id)
	if b == nil {
		return newError(ErrStaleBrokerEpoch, "No broker registration found for broker id %d", id)
	}
	if b.Epoch != epoch {
		return newError(ErrStaleBrokerEpoch, "Expected broker epoch %d, but got broker epoch %d", b.Epoch, epoch)
	}
	return nil
}
