package broker

import (
	"time"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/coordinator/group"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
)

// newGroupCoordinator builds the group coordinator runtime: one shard per
// __consumer_offsets partition this node leads.
func (b *Broker) newGroupCoordinator() *coordinator.Runtime {
	cfg := group.FromBroker(b.cfg)
	return coordinator.New(coordinator.Config{
		Topic:    controller.ConsumerOffsetsTopic,
		NewShard: func(p int32) coordinator.Shard { return group.NewShard(cfg, p) },
		Partition: func(idx int32) (*partition.Partition, error) {
			p, _, err := b.replicas.Partition(controller.ConsumerOffsetsTopic, idx)
			return p, err
		},
		Logger:       b.logger.With("component", "group-coordinator"),
		WriteTimeout: time.Duration(b.cfg.OffsetsCommitTimeoutMs) * time.Millisecond,
	})
}

// syncGroupCoordinator hosts a shard for each __consumer_offsets partition
// this node leads in img, one per leader epoch. It runs after the replica
// manager applied img, so the partitions exist and have their roles.
func (b *Broker) syncGroupCoordinator(img *metadata.Image) {
	t := img.Topic(controller.ConsumerOffsetsTopic)
	if t == nil {
		b.groups.Sync(img, nil, 0)
		return
	}
	led := map[int32]int32{}
	for _, p := range t.Partitions() {
		if p.Leader == b.cfg.NodeID {
			led[p.ID] = p.LeaderEpoch
		}
	}
	b.groups.Sync(img, led, int32(t.NumPartitions()))
}
