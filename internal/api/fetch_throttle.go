package api

import (
	"time"

	"github.com/spoolhq/spool/internal/partition"
)

// leaderThrottled reports whether a follower's fetch of a partition led
// here gets no records this time (Kafka's shouldLeaderThrottle): the
// topic's leader.replication.throttled.replicas names the partition on this
// broker, the follower is not in the ISR (throttling in-sync replicas would
// make the ISR thrash) and leader.replication.throttled.rate is exceeded.
func (h *Handler) leaderThrottled(st *fetchState, p *partition.Partition) bool {
	if h.Replicas == nil {
		return false
	}
	if leader, _ := p.Throttled(); !leader {
		return false
	}
	return !p.InSync(st.replicaID) && h.Replicas.LeaderQuota().Exceeded(h.Now())
}

// recordLeaderThrottled counts the record bytes sent to a follower of a
// leader-throttled partition, in the ISR or not, as Kafka records the size
// of the throttled partitions of every response to a follower.
func (h *Handler) recordLeaderThrottled(p *partition.Partition, n int, now time.Time) {
	if h.Replicas == nil || p == nil {
		return
	}
	if leader, _ := p.Throttled(); leader {
		h.Replicas.LeaderQuota().Record(int64(n), now)
	}
}
