// Package quota measures byte rates against a bound the way Kafka's
// replication quotas do (ReplicationQuotaManager over a sampled
// SimpleRate), and says which replicas a topic's
// leader/follower.replication.throttled.replicas lists throttle.
//
// It has no clock and starts no goroutine: callers pass the time in. It
// imports nothing of Spool's.
package quota
