package group

import (
	"maps"
	"slices"
)

// cleanup runs every offsets.retention.check.interval.ms: it expires
// offsets past offsets.retention.minutes (KIP-211: counted from when the
// group became empty, or from the commit for groups that only commit and
// for topics a stable consumer group no longer consumes), and deletes
// empty groups left without offsets.
func (s *Shard) cleanup() {
	for _, id := range slices.Sorted(maps.Keys(s.groups)) {
		g, ok := s.liveGroup(id)
		if !ok {
			continue
		}
		if s.expireOffsets(g) && g.isEmpty() {
			s.writeGroupTombstones(g)
		}
	}
	s.timers.set(timer{key: timerKey{kind: timerCleanup}, at: s.now + s.cfg.OffsetsRetentionCheckIntervalMs})
}

// expireOffsets writes a tombstone for each expired offset of the group,
// and reports whether none is left.
func (s *Shard) expireOffsets(g group) bool {
	id := g.groupID()
	topics := s.offsets.topics(id)
	if len(topics) == 0 {
		return true
	}
	base, ok := g.offsetExpiryBase()
	if !ok {
		return false
	}
	retention := s.cfg.offsetsRetentionMs()
	all := true
	for _, t := range topics {
		if g.subscribedTo(t) {
			all = false
			continue
		}
		for _, p := range s.offsets.partitions(id, t) {
			e, _ := s.offsets.get(id, t, p)
			if s.expired(e, base, retention) && !s.offsets.pendingTransactional(id, t, p) {
				s.write(offsetTombstone(id, t, p))
			} else {
				all = false
			}
		}
	}
	return all
}

// expired: an offset committed with its own retention (OffsetCommit
// v2-v4) expires at its expire timestamp; any other a retention period
// after its base time.
func (s *Shard) expired(e offsetEntry, base func(offsetEntry) int64, retention int64) bool {
	if e.expireTime != -1 {
		return s.now >= e.expireTime
	}
	return s.now-base(e) >= retention
}
