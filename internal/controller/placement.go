package controller

import (
	"cmp"
	"math/rand/v2"
	"slices"

	"github.com/spoolhq/spool/internal/metadata"
)

// usableBrokers returns the brokers that can take new replicas: registered,
// unfenced and not shutting down, in id order.
func usableBrokers(img *metadata.Image) []*metadata.Broker {
	var bs []*metadata.Broker
	for _, b := range img.Brokers() {
		if !b.Fenced && !b.InControlledShutdown {
			bs = append(bs, b)
		}
	}
	return bs
}

func usable(img *metadata.Image, id int32) bool {
	b := img.Broker(id)
	return b != nil && !b.Fenced && !b.InControlledShutdown
}

// place assigns replicas to partitions first..first+count-1 the way Kafka
// spreads them: partition p's first replica (its preferred leader) is the
// broker (start+p) mod n, so leaders rotate over the brokers, and followers
// come after it at a shift that changes every n partitions, so that no two
// brokers always follow each other. start and shift are random, so that
// topics do not all lead on the same broker. When brokers have racks, they
// are ordered alternating between racks and each partition takes its
// followers from racks it does not use yet.
func place(brokers []*metadata.Broker, first, count int32, rf int, rnd *rand.Rand) ([][]int32, error) {
	n := len(brokers)
	switch {
	case n == 0:
		return nil, newError(ErrInvalidReplicationFactor, "Unable to replicate the partition %d time(s): All brokers are currently fenced.", rf)
	case rf > n:
		return nil, newError(ErrInvalidReplicationFactor,
			"Unable to replicate the partition %d time(s): The target replication factor of %d cannot be reached because only %d broker(s) are registered.", rf, rf, n)
	}
	order := rackAlternated(brokers)
	racks := map[string]bool{}
	for _, b := range order {
		racks[rack(b)] = true
	}
	start, shift := rnd.IntN(n), rnd.IntN(n)
	out := make([][]int32, count)
	for i := range out {
		p := int(first) + i
		out[i] = placePartition(order, len(racks), (start+p)%n, shift+p/n, rf)
	}
	return out, nil
}

// placePartition picks rf replicas: order[lead], then brokers in the order
// of the classic shifted round robin, skipping racks already used until
// every rack has a replica.
func placePartition(order []*metadata.Broker, numRacks, lead, shift, rf int) []int32 {
	n := len(order)
	reps := []int32{order[lead].ID}
	chosen := map[int]bool{lead: true}
	usedRacks := map[string]bool{rack(order[lead]): true}
	for len(reps) < rf {
		next := -1
		for m := range n - 1 {
			c := (lead + 1 + (shift+m)%(n-1)) % n
			if chosen[c] {
				continue
			}
			if next < 0 {
				next = c // fallback: the first broker not yet chosen
			}
			if !usedRacks[rack(order[c])] {
				next = c
				break
			}
		}
		chosen[next] = true
		reps = append(reps, order[next].ID)
		usedRacks[rack(order[next])] = true
		if len(usedRacks) == numRacks {
			clear(usedRacks) // every rack has one; start another round
		}
	}
	return reps
}

func rack(b *metadata.Broker) string {
	if b.Rack == nil {
		return ""
	}
	return *b.Rack
}

// rackAlternated orders brokers by taking one from each rack in turn (racks
// by name, brokers by id), so that consecutive brokers sit in different
// racks. Without racks it is the brokers in id order.
func rackAlternated(brokers []*metadata.Broker) []*metadata.Broker {
	byRack := map[string][]*metadata.Broker{}
	for _, b := range brokers {
		byRack[rack(b)] = append(byRack[rack(b)], b)
	}
	names := sortedKeys(byRack)
	for _, r := range names {
		slices.SortFunc(byRack[r], func(a, b *metadata.Broker) int { return cmp.Compare(a.ID, b.ID) })
	}
	out := make([]*metadata.Broker, 0, len(brokers))
	for i := 0; len(out) < len(brokers); i++ {
		for _, r := range names {
			if i < len(byRack[r]) {
				out = append(out, byRack[r][i])
			}
		}
	}
	return out
}

// Assign places count partitions of rf replicas on brokers as topic
// creation does, for tools that propose assignments
// (kafka-reassign-partitions.sh --generate). Racks are ignored when
// rackAware is false.
func Assign(brokers []*metadata.Broker, count int32, rf int, rackAware bool, rnd *rand.Rand) ([][]int32, error) {
	if !rackAware {
		plain := make([]*metadata.Broker, len(brokers))
		for i, b := range brokers {
			c := *b
			c.Rack = nil
			plain[i] = &c
		}
		brokers = plain
	}
	return place(brokers, 0, count, rf, rnd)
}
