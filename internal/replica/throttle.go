package replica

import (
	"time"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/quota"
)

// quotas are the broker's two replication throttles (Kafka's leader and
// follower ReplicationQuotaManagers): the leader's bounds what it sends to
// throttled replicas that are not in the ISR, the follower's what this
// broker's fetchers fetch for its throttled replicas. Which replicas are
// throttled is the topics' business (partition.Throttled).
type quotas struct {
	leader, follower *quota.Rate
}

func (m *Manager) newQuotas() {
	cfg := quota.DefaultConfig()
	if s := m.static; s != nil {
		cfg.Samples = int(s.ReplicationQuotaWindowNum)
		cfg.Window = time.Duration(s.ReplicationQuotaWindowSizeSeconds) * time.Second
	}
	m.quotas = quotas{leader: quota.New(cfg), follower: quota.New(cfg)}
	if m.metrics != nil {
		// Kafka's LeaderReplication and FollowerReplication byte-rate, as
		// the JMX exporter names them.
		m.metrics.GaugeFunc("kafka_server_leaderreplication_byte_rate",
			"Bytes per second this broker sent to followers of throttled replicas (LeaderReplication byte-rate).",
			func() float64 { return m.quotas.leader.Measure(m.now()) })
		m.metrics.GaugeFunc("kafka_server_followerreplication_byte_rate",
			"Bytes per second this broker fetched for its throttled replicas (FollowerReplication byte-rate).",
			func() float64 { return m.quotas.follower.Measure(m.now()) })
	}
}

// LeaderQuota is the throttle on what this broker sends to followers of
// its throttled replicas (leader.replication.throttled.rate).
func (m *Manager) LeaderQuota() *quota.Rate { return m.quotas.leader }

// FollowerQuota is the throttle on what this broker's fetchers fetch for
// its throttled replicas (follower.replication.throttled.rate).
func (m *Manager) FollowerQuota() *quota.Rate { return m.quotas.follower }

// applyQuotas sets the throttles' bounds from this broker's dynamic
// config, else the cluster's dynamic default, else server.properties, else
// unlimited (Kafka's BrokerConfigHandler). A rate that does not resolve
// leaves the bounds as they were.
func (m *Manager) applyQuotas(img *metadata.Image) {
	if m.static == nil {
		return
	}
	l := m.layers(img, "")
	l.Topic = nil
	b, err := config.ResolveBroker(l)
	if err != nil {
		m.logger.Warn("cannot resolve the replication throttle rates", "err", err)
		return
	}
	m.quotas.leader.SetBound(b.LeaderReplicationThrottledRate)
	m.quotas.follower.SetBound(b.FollowerReplicationThrottledRate)
}
