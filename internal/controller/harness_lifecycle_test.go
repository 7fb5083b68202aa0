package controller

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
)

// harnessEpoch is time zero of the "at=<ms>" arguments.
var harnessEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func (a args) at() time.Time {
	return harnessEpoch.Add(time.Duration(a.int("at", 0)) * time.Millisecond)
}

// controller returns the harness's controller, whose sessions persist
// between cases (the image is the harness's own).
func (h *harness) controller() *Controller {
	if h.ctrl == nil {
		h.ctrl = &Controller{cfg: h.cfg, log: slog.New(slog.DiscardHandler)}
	}
	h.ctrl.cfg = h.cfg
	return h.ctrl
}

// heartbeat: "heartbeat id=N [epoch=E] offset=O [want-fence]
// [want-shutdown] at=MS"; epoch defaults to the registered one.
func (h *harness) heartbeat(a args) []string {
	id := int32(a.int("id", 0))
	epoch := a.int("epoch", -1)
	if b := h.img.Broker(id); b != nil && epoch == -1 {
		epoch = b.Epoch
	}
	hb := Heartbeat{BrokerID: id, BrokerEpoch: epoch, MetadataOffset: a.int("offset", 0),
		WantFence: a.has("want-fence"), WantShutDown: a.has("want-shutdown")}
	c := h.controller()
	recs, res, err := c.decideHeartbeatLocked(h.img, hb, a.at())
	if err != nil {
		return []string{errorText(err)}
	}
	out := fmt.Sprintf("caught-up=%v fenced=%v controlled-shutdown=%v shut-down=%v",
		res.IsCaughtUp, res.IsFenced, res.InControlledShutdown, res.ShouldShutDown)
	return h.decided([]string{out}, recs, false)
}

// maintain: "maintain at=MS" runs the periodic fencing and elections.
func (h *harness) maintain(a args) []string {
	recs, fenced := h.controller().decideMaintainLocked(h.img, a.at())
	return h.decided([]string{fmt.Sprintf("fenced %v", fenced)}, recs, false)
}

// alterPartition: "alter-partition broker=N [epoch=E] [version=V]" with
// input lines "<topic> <partition> leader-epoch=L partition-epoch=P
// isr=1,2[,...] [isr-epochs=E1,E2] [recovering]"; the topic is tN (by id)
// or a name for version < 2.
func (h *harness) alterPartition(a args, input []string) []string {
	broker := int32(a.int("broker", 0))
	req := AlterPartitionRequest{BrokerID: broker, BrokerEpoch: a.int("epoch", -1), Version: int16(a.int("version", 3))}
	if b := h.img.Broker(broker); b != nil && req.BrokerEpoch == -1 {
		req.BrokerEpoch = b.Epoch
	}
	for _, line := range input {
		f := strings.Fields(line)
		la := parseArgs(f[2:])
		ch := AlterPartitionChange{Partition: int32(parseInt(f[1])), LeaderEpoch: int32(la.int("leader-epoch", 0)),
			PartitionEpoch: int32(la.int("partition-epoch", 0))}
		if la.has("recovering") {
			ch.LeaderRecoveryState = metadata.Recovering
		}
		epochs := ints(la["isr-epochs"])
		for i, r := range ints(la["isr"]) {
			m := ISRMember{BrokerID: r, BrokerEpoch: -1}
			if i < len(epochs) {
				m.BrokerEpoch = int64(epochs[i])
			}
			ch.NewISR = append(ch.NewISR, m)
		}
		t := AlterPartitionTopic{Name: f[0], TopicID: parseID(f[0]), Partitions: []AlterPartitionChange{ch}}
		req.Topics = append(req.Topics, t)
	}
	recs, topics, err := h.controller().decideAlterPartition(h.img, req)
	if err != nil {
		return []string{errorText(err)}
	}
	var out []string
	for _, t := range topics {
		for _, p := range t.Partitions {
			if p.Err != nil {
				out = append(out, fmt.Sprintf("%s-%d %s", t.Name, p.Partition, errorText(p.Err)))
				continue
			}
			out = append(out, fmt.Sprintf("%s-%d leader=%d isr=%v epochs=%d/%d recovery=%d", t.Name, p.Partition,
				p.Leader, p.ISR, p.LeaderEpoch, p.PartitionEpoch, p.LeaderRecoveryState))
		}
	}
	return h.decided(out, recs, false)
}

// partitions: "partitions" prints every partition with its epochs.
func (h *harness) partitions() []string {
	var out []string
	for _, t := range h.img.Topics() {
		for _, p := range t.Partitions() {
			line := fmt.Sprintf("%s-%d replicas=%v isr=%v leader=%d epochs=%d/%d recovery=%d",
				t.Name, p.ID, p.Replicas, p.ISR, p.Leader, p.LeaderEpoch, p.PartitionEpoch, p.LeaderRecoveryState)
			if len(p.AddingReplicas) > 0 || len(p.RemovingReplicas) > 0 {
				line += fmt.Sprintf(" adding=%v removing=%v", p.AddingReplicas, p.RemovingReplicas)
			}
			out = append(out, line)
		}
	}
	return out
}

func parseInt(s string) int64 {
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		panic(fmt.Sprintf("bad int %q", s))
	}
	return n
}

func changeText(r metadata.PartitionChangeRecord) string {
	s := fmt.Sprintf("PartitionChangeRecord %s-%d", idText(r.TopicID), r.Partition)
	if r.Leader != metadata.NoLeaderChange {
		s += fmt.Sprintf(" leader=%d", r.Leader)
	}
	if r.ISR != nil {
		s += fmt.Sprintf(" isr=%v", r.ISR)
	}
	if r.Replicas != nil {
		s += fmt.Sprintf(" replicas=%v", r.Replicas)
	}
	if r.AddingReplicas != nil {
		s += fmt.Sprintf(" adding=%v", r.AddingReplicas)
	}
	if r.RemovingReplicas != nil {
		s += fmt.Sprintf(" removing=%v", r.RemovingReplicas)
	}
	if r.LeaderRecoveryState != metadata.NoRecoveryStateChange {
		s += fmt.Sprintf(" recovery=%d", r.LeaderRecoveryState)
	}
	return s
}

func brokerChangeText(r metadata.BrokerRegistrationChangeRecord) string {
	s := fmt.Sprintf("BrokerRegistrationChangeRecord id=%d epoch=%d", r.BrokerID, r.BrokerEpoch)
	switch r.Fenced {
	case metadata.Fence:
		s += " fence"
	case metadata.Unfence:
		s += " unfence"
	}
	if r.InControlledShutdown == 1 {
		s += " controlled-shutdown"
	}
	return s
}
