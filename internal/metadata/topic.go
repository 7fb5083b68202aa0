package metadata

import "slices"

// Topic is a topic in an Image. Like everything an Image hands out it is
// shared between images and must not be modified.
type Topic struct {
	ID         TopicID
	Name       string
	partitions []*Partition // indexed by partition id
}

// NumPartitions returns the number of partitions of t.
func (t *Topic) NumPartitions() int { return len(t.partitions) }

// Partition returns partition p of t, or nil if t has no such partition.
func (t *Topic) Partition(p int32) *Partition {
	if p < 0 || int(p) >= len(t.partitions) {
		return nil
	}
	return t.partitions[p]
}

// Partitions returns t's partitions in partition order. The slice is shared:
// do not modify it.
func (t *Topic) Partitions() []*Partition { return t.partitions }

// clone returns a copy of t that can take new partitions without changing t.
func (t *Topic) clone() *Topic {
	c := *t
	c.partitions = slices.Clone(t.partitions)
	return &c
}

// Partition is one partition of a topic: where its replicas are and who
// leads it. Field meanings are those of PartitionRecord. It is shared
// between images and must not be modified.
type Partition struct {
	ID                  int32
	Replicas            []int32
	ISR                 []int32
	RemovingReplicas    []int32
	AddingReplicas      []int32
	Leader              int32
	LeaderRecoveryState int8
	LeaderEpoch         int32
	PartitionEpoch      int32
	ELR                 []int32
	LastKnownELR        []int32
}

// Equal reports whether p and o hold the same values.
func (p *Partition) Equal(o *Partition) bool {
	if p == o {
		return true
	}
	return p != nil && o != nil && p.ID == o.ID &&
		slices.Equal(p.Replicas, o.Replicas) && slices.Equal(p.ISR, o.ISR) &&
		slices.Equal(p.RemovingReplicas, o.RemovingReplicas) && slices.Equal(p.AddingReplicas, o.AddingReplicas) &&
		p.Leader == o.Leader && p.LeaderRecoveryState == o.LeaderRecoveryState &&
		p.LeaderEpoch == o.LeaderEpoch && p.PartitionEpoch == o.PartitionEpoch &&
		slices.Equal(p.ELR, o.ELR) && slices.Equal(p.LastKnownELR, o.LastKnownELR)
}

// partitionFromRecord copies the record's slices so that a caller reusing
// its records cannot change an image.
func partitionFromRecord(r PartitionRecord) *Partition {
	return &Partition{
		ID:                  r.Partition,
		Replicas:            slices.Clone(r.Replicas),
		ISR:                 slices.Clone(r.ISR),
		RemovingReplicas:    slices.Clone(r.RemovingReplicas),
		AddingReplicas:      slices.Clone(r.AddingReplicas),
		Leader:              r.Leader,
		LeaderRecoveryState: r.LeaderRecoveryState,
		LeaderEpoch:         r.LeaderEpoch,
		PartitionEpoch:      r.PartitionEpoch,
		ELR:                 slices.Clone(r.ELR),
		LastKnownELR:        slices.Clone(r.LastKnownELR),
	}
}

func (p *Partition) record(topic TopicID) PartitionRecord {
	return PartitionRecord{
		TopicID:             topic,
		Partition:           p.ID,
		Replicas:            p.Replicas,
		ISR:                 p.ISR,
		RemovingReplicas:    p.RemovingReplicas,
		AddingReplicas:      p.AddingReplicas,
		Leader:              p.Leader,
		LeaderRecoveryState: p.LeaderRecoveryState,
		LeaderEpoch:         p.LeaderEpoch,
		PartitionEpoch:      p.PartitionEpoch,
		ELR:                 p.ELR,
		LastKnownELR:        p.LastKnownELR,
	}
}

// merge returns p changed by r, as Kafka's PartitionRegistration.merge does:
// the partition epoch always moves, the leader epoch moves with any leader
// assignment, even to the same broker.
func (p *Partition) merge(r PartitionChangeRecord) *Partition {
	n := *p
	replace(&n.Replicas, r.Replicas)
	replace(&n.ISR, r.ISR)
	replace(&n.RemovingReplicas, r.RemovingReplicas)
	replace(&n.AddingReplicas, r.AddingReplicas)
	replace(&n.ELR, r.ELR)
	replace(&n.LastKnownELR, r.LastKnownELR)
	if r.Leader != NoLeaderChange {
		n.Leader = r.Leader
		n.LeaderEpoch++
	}
	if r.LeaderRecoveryState != NoRecoveryStateChange {
		n.LeaderRecoveryState = r.LeaderRecoveryState
	}
	n.PartitionEpoch++
	return &n
}

// replace sets *dst to a copy of src unless src is nil, which in a
// PartitionChangeRecord means "unchanged".
func replace(dst *[]int32, src []int32) {
	if src != nil {
		*dst = slices.Clone(src)
	}
}

// Broker is a registered broker. It is shared between images and must not be
// modified.
type Broker struct {
	ID                   int32
	IncarnationID        UUID
	Epoch                int64
	Endpoints            []Endpoint
	Rack                 *string
	Fenced               bool
	InControlledShutdown bool
}

// Endpoint returns the broker's endpoint for listener name, if it has one.
func (b *Broker) Endpoint(listener string) (Endpoint, bool) {
	for _, ep := range b.Endpoints {
		if ep.Name == listener {
			return ep, true
		}
	}
	return Endpoint{}, false
}

// Equal reports whether b and o hold the same values.
func (b *Broker) Equal(o *Broker) bool {
	if b == o {
		return true
	}
	return b != nil && o != nil && b.ID == o.ID && b.IncarnationID == o.IncarnationID && b.Epoch == o.Epoch &&
		slices.Equal(b.Endpoints, o.Endpoints) && equalStrings(b.Rack, o.Rack) &&
		b.Fenced == o.Fenced && b.InControlledShutdown == o.InControlledShutdown
}

func equalStrings(a, b *string) bool {
	return a == b || a != nil && b != nil && *a == *b
}

func brokerFromRecord(r RegisterBrokerRecord) *Broker {
	return &Broker{
		ID:                   r.BrokerID,
		IncarnationID:        r.IncarnationID,
		Epoch:                r.BrokerEpoch,
		Endpoints:            slices.Clone(r.Endpoints),
		Rack:                 cloneString(r.Rack),
		Fenced:               r.Fenced,
		InControlledShutdown: r.InControlledShutdown,
	}
}

func (b *Broker) record() RegisterBrokerRecord {
	return RegisterBrokerRecord{
		BrokerID:             b.ID,
		IncarnationID:        b.IncarnationID,
		BrokerEpoch:          b.Epoch,
		Endpoints:            b.Endpoints,
		Rack:                 b.Rack,
		Fenced:               b.Fenced,
		InControlledShutdown: b.InControlledShutdown,
	}
}

func cloneString(s *string) *string {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}
