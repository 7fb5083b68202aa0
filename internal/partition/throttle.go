package partition

import (
	"slices"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/quota"
)

// throttleState is what a topic config's throttled-replicas lists say
// about this replica.
type throttleState struct {
	cfg              *config.Topic
	leader, follower bool
}

// Throttled reports whether the topic's leader.replication.throttled.replicas
// (leader) and follower.replication.throttled.replicas (follower) name this
// partition on this broker, or are "*" (Kafka's ReplicationQuotaManager
// isThrottled after markThrottled). The lists are parsed once per config.
func (p *Partition) Throttled() (leader, follower bool) {
	cfg := p.cfg.Load()
	if st := p.throttle.Load(); st != nil && st.cfg == cfg {
		return st.leader, st.follower
	}
	st := &throttleState{cfg: cfg,
		leader:   quota.ParseReplicas(cfg.LeaderThrottledReplicas, p.nodeID).Throttled(p.index),
		follower: quota.ParseReplicas(cfg.FollowerThrottledReplicas, p.nodeID).Throttled(p.index),
	}
	p.throttle.Store(st)
	return st.leader, st.follower
}

// InSync reports whether a replica is in the committed ISR.
func (p *Partition) InSync(id int32) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Contains(p.mu.isr.committed, id)
}
