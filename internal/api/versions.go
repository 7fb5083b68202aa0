package api

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

// handlerFunc handles one decoded request.
type handlerFunc func(h *Handler, ctx context.Context, r *Request) (network.Reply, error)

// apiSpec is one row of the version table.
type apiSpec struct {
	key    int16
	min    int16 // lowest version advertised
	accept int16 // lowest version served; below it (but >= min) clients get UNSUPPORTED_VERSION
	max    int16
	handle handlerFunc
	// kip848: served and advertised only while
	// group.coordinator.rebalance.protocols has "consumer" (see
	// consumerGroupsEnabled).
	kip848 bool
	// forward marks what only the active controller decides: a broker
	// that is not it forwards the request there (cluster.go).
	forward bool
}

// apiTable lists every API Spool serves with the version range it
// advertises, following Apache Kafka 4.x. Only what really works is listed.
func apiTable() []apiSpec {
	return []apiSpec{
		// Produce v0-2 are advertised because librdkafka refuses a broker
		// whose range does not start at 0 (KAFKA-18659); Kafka 4 answers them
		// with UNSUPPORTED_VERSION, and so do we.
		{key: 0, min: 0, accept: 3, max: 13, handle: (*Handler).produce},
		{key: 1, min: 4, max: 18, handle: (*Handler).fetch},
		{key: 2, min: 1, max: 10, handle: (*Handler).listOffsets},
		{key: 3, min: 0, max: 13, handle: (*Handler).metadata},
		{key: 8, min: 2, max: 9, handle: (*Handler).offsetCommit},
		{key: 9, min: 1, max: 9, handle: (*Handler).offsetFetch},
		{key: 10, min: 0, max: 6, handle: (*Handler).findCoordinator},
		{key: 11, min: 0, max: 9, handle: (*Handler).joinGroup},
		{key: 12, min: 0, max: 4, handle: (*Handler).heartbeat},
		{key: 13, min: 0, max: 5, handle: (*Handler).leaveGroup},
		{key: 14, min: 0, max: 5, handle: (*Handler).syncGroup},
		{key: 15, min: 0, max: 6, handle: (*Handler).describeGroups},
		{key: 16, min: 0, max: 5, handle: (*Handler).listGroups},
		{key: 18, min: 0, max: 4, handle: (*Handler).apiVersions},
		{key: 19, min: 2, max: 7, handle: (*Handler).createTopics, forward: true},
		{key: 20, min: 1, max: 6, handle: (*Handler).deleteTopics, forward: true},
		{key: 21, min: 0, max: 2, handle: (*Handler).deleteRecords},
		{key: 22, min: 0, max: 5, handle: (*Handler).initProducerID},
		{key: 23, min: 2, max: 4, handle: (*Handler).offsetForLeaderEpoch},
		{key: 32, min: 1, max: 4, handle: (*Handler).describeConfigs},
		{key: 33, min: 0, max: 2, handle: (*Handler).alterConfigs}, // forwards per resource
		{key: 35, min: 1, max: 4, handle: (*Handler).describeLogDirs},
		{key: 42, min: 0, max: 2, handle: (*Handler).deleteGroups},
		{key: 43, min: 0, max: 2, handle: (*Handler).electLeaders, forward: true},                // cluster
		{key: 45, min: 0, max: 1, handle: (*Handler).alterPartitionReassignments, forward: true}, // cluster
		{key: 46, min: 0, max: 0, handle: (*Handler).listPartitionReassignments, forward: true},  // cluster
		{key: 47, min: 0, max: 0, handle: (*Handler).offsetDelete},
		{key: 37, min: 0, max: 3, handle: (*Handler).createPartitions, forward: true},
		{key: 44, min: 0, max: 1, handle: (*Handler).incrementalAlterConfigs}, // forwards per resource
		{key: 60, min: 0, max: 2, handle: (*Handler).describeCluster},
		{key: 61, min: 0, max: 0, handle: (*Handler).describeProducers},
		{key: 68, min: 0, max: 1, handle: (*Handler).consumerGroupHeartbeat, kip848: true},
		{key: 69, min: 0, max: 1, handle: (*Handler).consumerGroupDescribe, kip848: true},
		{key: 75, min: 0, max: 0, handle: (*Handler).describeTopicPartitions},
		{key: 55, min: 0, max: 2, handle: (*Handler).describeQuorum, forward: true}, // cluster
	}
}

// versionTable is the dispatcher's view of apiTable, indexed by key.
type versionTable struct {
	specs []*apiSpec // index = api key; nil = not served
	// flexibleFrom[key] is the first flexible version of the key per kmsg,
	// noFlexible if it has none, unknownKey if kmsg does not know the key.
	flexibleFrom []int16
}

func newVersionTable(table []apiSpec) *versionTable {
	t := &versionTable{}
	maxKey := int16(0)
	for k := int16(0); k < 1000; k++ {
		if kmsg.RequestForKey(k) != nil {
			maxKey = k
		}
	}
	t.specs = make([]*apiSpec, maxKey+1)
	t.flexibleFrom = make([]int16, maxKey+1)
	for k := range t.flexibleFrom {
		t.flexibleFrom[k] = firstFlexible(int16(k))
	}
	for _, s := range table {
		s := s
		if s.accept < s.min {
			s.accept = s.min
		}
		t.specs[s.key] = &s
	}
	return t
}

const (
	noFlexible = -1
	unknownKey = -2
)

func firstFlexible(key int16) int16 {
	req := kmsg.RequestForKey(key)
	if req == nil {
		return unknownKey
	}
	for v := int16(0); v <= req.MaxVersion(); v++ {
		req.SetVersion(v)
		if req.IsFlexible() {
			return v
		}
	}
	return noFlexible
}

func (t *versionTable) spec(key int16) *apiSpec {
	if key < 0 || int(key) >= len(t.specs) {
		return nil
	}
	return t.specs[key]
}

// isFlexible reports whether key at version uses flexible encoding, and
// whether kmsg knows the key at all.
func (t *versionTable) isFlexible(key, version int16) (flexible, known bool) {
	if key < 0 || int(key) >= len(t.flexibleFrom) || t.flexibleFrom[key] == unknownKey {
		return false, false
	}
	from := t.flexibleFrom[key]
	return from != noFlexible && version >= from, true
}
