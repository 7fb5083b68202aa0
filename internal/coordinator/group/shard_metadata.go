package group

import (
	"time"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/metadata"
)

// Metadata takes a new metadata image. Classic groups do not depend on
// topics. Consumer groups resolve their subscriptions against it; as in
// Kafka, a group notices a change of its topics (partitions added, topics
// created or deleted, regexes matching new topics) at its next heartbeat,
// which bumps the group epoch if the change concerns it.
func (s *Shard) Metadata(now time.Time, img *metadata.Image) coordinator.Output {
	if img != nil {
		s.image = img
	}
	return coordinator.Output{}
}
