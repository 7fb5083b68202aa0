package group

import (
	"time"

	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/metadata"
)

// Metadata takes a new metadata image. Classic groups do not depend on
// topics; KIP-848 consumer groups will recompute their target assignments
// here.
func (s *Shard) Metadata(now time.Time, img *metadata.Image) coordinator.Output {
	return coordinator.Output{}
}
