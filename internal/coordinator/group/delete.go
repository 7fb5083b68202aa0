package group

import (
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

// deleteGroups deletes empty groups: a tombstone for each committed offset
// and one for the group. The groups are gone once those are replayed.
func (s *Shard) deleteGroups(r coordinator.Request, req *kmsg.DeleteGroupsRequest) {
	resp := req.ResponseKind().(*kmsg.DeleteGroupsResponse)
	seen := map[string]bool{}
	for _, id := range req.Groups {
		if seen[id] {
			continue // Kafka takes each group once
		}
		seen[id] = true
		res := kmsg.NewDeleteGroupsResponseGroup()
		res.Group = id
		if g, ok := s.liveGroup(id); !ok {
			res.ErrorCode = codeGroupIDNotFound
		} else if res.ErrorCode = g.validateDelete(); res.ErrorCode == 0 {
			s.deleteGroup(g)
		}
		resp.Groups = append(resp.Groups, res)
	}
	s.reply(r.ID, resp)
}

// deleteGroup writes the group's tombstones and marks it Dead until they
// are replayed.
func (s *Shard) deleteGroup(g group) {
	id := g.groupID()
	for _, tp := range s.offsets.all(id) {
		s.write(offsetTombstone(id, tp.topic, tp.partition))
	}
	s.writeGroupTombstones(g)
}

// writeGroupTombstones deletes a group's own records and marks it Dead
// until they are replayed.
func (s *Shard) writeGroupTombstones(g group) {
	if c, ok := g.(*consumerGroup); ok {
		s.out.Records = append(s.out.Records, consumerTombstones(c)...)
	} else {
		s.write(groupTombstone(g.groupID()))
	}
	g.markDead(s.now)
}
