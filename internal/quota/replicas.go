package quota

import (
	"strconv"
	"strings"
)

// Replicas says which partitions of a topic a
// leader/follower.replication.throttled.replicas list throttles on one
// broker: "*" throttles all of them; otherwise each "partition:broker"
// entry naming this broker throttles that partition here (Kafka's
// parseThrottledPartitions). The zero value throttles nothing.
type Replicas struct {
	all        bool
	partitions map[int32]bool
}

// ParseReplicas reads a list as config.Topic holds it (already validated:
// entries that do not parse are ignored) for the broker with id broker.
func ParseReplicas(list []string, broker int32) Replicas {
	var r Replicas
	for _, e := range list {
		e = strings.TrimSpace(e)
		if e == "*" {
			return Replicas{all: true}
		}
		p, b, ok := strings.Cut(e, ":")
		if !ok {
			continue
		}
		pid, err1 := strconv.ParseInt(strings.TrimSpace(p), 10, 32)
		bid, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 32)
		if err1 != nil || err2 != nil || int32(bid) != broker {
			continue
		}
		if r.partitions == nil {
			r.partitions = map[int32]bool{}
		}
		r.partitions[int32(pid)] = true
	}
	return r
}

// Throttled reports whether the list throttles the partition here.
func (r Replicas) Throttled(partition int32) bool {
	return r.all || r.partitions[partition]
}
