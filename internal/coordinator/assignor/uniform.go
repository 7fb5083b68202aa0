package assignor

import (
	"cmp"
	"slices"
)

// Uniform is Kafka's default server-side assignor, "uniform"
// (UniformAssignor): a balanced, sticky assignment. A homogeneous group
// gets the homogeneous builder, a heterogeneous one the heterogeneous
// builder (heterogeneous.go).
type Uniform struct{}

// Name implements Assignor.
func (Uniform) Name() string { return UniformName }

// Assign implements Assignor.
func (Uniform) Assign(spec GroupSpec, topics TopicDescriber) (GroupAssignment, error) {
	if len(spec.Members) == 0 {
		return GroupAssignment{}, nil
	}
	ids := spec.sortedMemberIDs()
	if spec.subscriptionType() == Homogeneous {
		return assignHomogeneous(spec, ids, topics)
	}
	return assignHeterogeneous(spec, ids, topics)
}

// topicPartition is a partition of the topic with the given index in a
// builder's topic list.
type topicPartition struct {
	topic, partition int32
}

func compareTopicPartitions(a, b topicPartition) int {
	if c := cmp.Compare(a.topic, b.topic); c != 0 {
		return c
	}
	return cmp.Compare(a.partition, b.partition)
}

// assignHomogeneous is Kafka's UniformHomogeneousAssignmentBuilder: every
// member subscribes to the same topics, so each gets the total divided by
// the member count, some one more. Each member keeps what it has up to its
// quota, and what is left over or was never assigned fills the members
// below their quota.
//
// Where Kafka's builder follows Java hash-map order, this one chooses an
// order, so its layout can differ from Kafka's while keeping its
// properties: the members that get one partition more than the others are
// those holding the most (Kafka: the first in its iteration order), which
// moves no more partitions than Kafka does and often fewer; a member over
// its quota keeps its partitions in topic id order, then partition order;
// members below their quota fill up in member id order from the list of
// never-assigned partitions (topic id order, then partition order)
// followed by the revoked ones.
func assignHomogeneous(spec GroupSpec, ids []string, topics TopicDescriber) (GroupAssignment, error) {
	subscribed := uniqueTopics(spec.Members[ids[0]].Topics)
	index := make(map[TopicID]int32, len(subscribed))
	claimed := make([][]bool, len(subscribed))
	total := 0
	for i, t := range subscribed {
		n, err := partitionCount(topics, t)
		if err != nil {
			return nil, err
		}
		index[t] = int32(i)
		claimed[i] = make([]bool, n)
		total += n
	}

	held := make([][]topicPartition, len(ids))
	for i, id := range ids {
		held[i] = claim(spec.Members[id].Assignment, index, claimed)
	}
	quotas := homogeneousQuotas(held, total)

	var free []topicPartition
	for t, c := range claimed {
		for p, ok := range c {
			if !ok {
				free = append(free, topicPartition{int32(t), int32(p)})
			}
		}
	}
	for i, q := range quotas {
		if len(held[i]) > q {
			free = append(free, held[i][q:]...)
			held[i] = slices.Clip(held[i][:q])
		}
	}
	next := 0
	for i, q := range quotas {
		need := q - len(held[i])
		held[i] = append(held[i], free[next:next+need]...)
		next += need
	}

	out := make(GroupAssignment, len(ids))
	for i, id := range ids {
		out[id] = buildAssignment(subscribed, held[i])
	}
	return out, nil
}

// claim returns the partitions of a that a member subscribed to the
// topics of index may keep, in topic index order then partition order:
// those that exist and that no member claimed before. It marks them in
// claimed.
func claim(a Assignment, index map[TopicID]int32, claimed [][]bool) []topicPartition {
	var held []topicPartition
	for id, ps := range a {
		t, ok := index[id]
		if !ok {
			continue
		}
		for _, p := range ps {
			if p >= 0 && int(p) < len(claimed[t]) && !claimed[t][p] {
				claimed[t][p] = true
				held = append(held, topicPartition{t, p})
			}
		}
	}
	slices.SortFunc(held, compareTopicPartitions)
	return held
}

// homogeneousQuotas returns each member's quota: total/members, plus one
// for the total%members members holding the most partitions (ties to the
// lower index), so that as few partitions as possible are taken away.
func homogeneousQuotas(held [][]topicPartition, total int) []int {
	m := len(held)
	order := make([]int, m)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Compare(len(held[b]), len(held[a]))
	})
	quotas := make([]int, m)
	for k, i := range order {
		quotas[i] = total / m
		if k < total%m {
			quotas[i]++
		}
	}
	return quotas
}

// buildAssignment turns a member's partitions into an Assignment, the
// partitions of each topic in one ascending slice. It may reorder tps.
func buildAssignment(topics []TopicID, tps []topicPartition) Assignment {
	if !slices.IsSortedFunc(tps, compareTopicPartitions) {
		slices.SortFunc(tps, compareTopicPartitions)
	}
	a := make(Assignment)
	backing := make([]int32, len(tps))
	for i := 0; i < len(tps); {
		j := i
		for j < len(tps) && tps[j].topic == tps[i].topic {
			backing[j] = tps[j].partition
			j++
		}
		a[topics[tps[i].topic]] = backing[i:j:j]
		i = j
	}
	return a
}
