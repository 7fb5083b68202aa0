package api

import (
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
)

// lookupPartition finds a hosted partition by name, or by id when the
// request version names topics by id.
func (h *Handler) lookupPartition(name string, id [16]byte, byID bool, index int32) (*partition.Partition, error) {
	if byID {
		p, _, err := h.Replicas.PartitionByID(metadata.TopicID(id), index)
		return p, err
	}
	p, _, err := h.Replicas.Partition(name, index)
	return p, err
}
