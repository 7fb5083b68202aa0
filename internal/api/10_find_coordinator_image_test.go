package api

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/coordinator"
	"github.com/spoolhq/spool/internal/metadata"
)

// TestFindCoordinatorNamesTheLiveLeader: a group's coordinator is the
// leader of its __consumer_offsets partition; a partition without a
// leader, led by a fenced broker or by one without the request's listener
// has no coordinator (COORDINATOR_NOT_AVAILABLE), so clients ask again.
func TestFindCoordinatorNamesTheLiveLeader(t *testing.T) {
	img := clusterImage(t) // broker 1 live, 2 fenced, 3 only on INTERNAL
	id := metadata.UUID{7}
	records := []metadata.Record{metadata.TopicRecord{Name: controller.ConsumerOffsetsTopic, TopicID: id}}
	leaders := []int32{1, -1, 2, 3}
	for p, leader := range leaders {
		records = append(records, metadata.PartitionRecord{TopicID: id, Partition: int32(p),
			Replicas: []int32{1, 2, 3}, ISR: []int32{1}, Leader: leader, LeaderEpoch: 2})
	}
	img, _, err := img.Apply(records)
	if err != nil {
		t.Fatal(err)
	}
	for p, leader := range leaders {
		group := groupOn(int32(p), int32(len(leaders)))
		req := kmsg.NewPtrFindCoordinatorRequest()
		req.Version = 4
		req.CoordinatorKeys = []string{group}
		resp := call(t, img, "PLAINTEXT", req).(*kmsg.FindCoordinatorResponse)
		c := resp.Coordinators[0]
		if leader == 1 {
			if c.ErrorCode != 0 || c.NodeID != 1 || c.Host != "h" || c.Port != 9092 {
				t.Errorf("partition %d led by 1: %+v", p, c)
			}
			continue
		}
		if c.ErrorCode != kerr.CoordinatorNotAvailable.Code || c.NodeID != -1 {
			t.Errorf("partition %d led by %d: %+v", p, leader, c)
		}
	}
}

// groupOn is a group id that lands on partition p of n.
func groupOn(p, n int32) string {
	for i := 0; ; i++ {
		if g := fmt.Sprintf("group-%d", i); coordinator.PartitionFor(g, n) == p {
			return g
		}
	}
}
