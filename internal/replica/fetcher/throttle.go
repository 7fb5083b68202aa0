package fetcher

import "time"

// throttled reports whether a partition sits out the next fetch (Kafka's
// shouldFollowerThrottle): it is named by its topic's
// follower.replication.throttled.replicas, it is not caught up with the
// leader, and this broker's follower throttle is over its bound. Caught-up
// replicas are never held back, so a throttle does not push them out of
// the ISR.
func (f *fetcher) throttled(st *partState, now time.Time) bool {
	q := f.m.cfg.Quota
	if q == nil || st.caughtUp {
		return false
	}
	if _, follower := st.a.Partition.Throttled(); !follower {
		return false
	}
	return q.Exceeded(now)
}

// throttleWait is how long to wait before looking again when only
// throttled partitions are left: Kafka's fetcher backs off
// replica.fetch.backoff.ms, but not longer than the throttle needs.
func (f *fetcher) throttleWait(wait time.Duration) time.Duration {
	d := f.m.cfg.Backoff
	if q := f.m.cfg.Quota; q != nil {
		d = min(d, max(q.Delay(f.m.cfg.Now()), minThrottleWait))
	}
	if wait < 0 || d < wait {
		return d
	}
	return wait
}

// minThrottleWait keeps a throttled fetcher from spinning.
const minThrottleWait = 10 * time.Millisecond

// recordThrottled counts bytes fetched for a throttled partition, caught
// up or not, so that all throttled traffic stays within the bound (as
// Kafka's ReplicaFetcherThread records).
func (f *fetcher) recordThrottled(st *partState, n int) {
	q := f.m.cfg.Quota
	if q == nil {
		return
	}
	if _, follower := st.a.Partition.Throttled(); follower {
		q.Record(int64(n), f.m.cfg.Now())
	}
}
