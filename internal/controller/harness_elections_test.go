package controller

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// electLeaders: "elect-leaders type=preferred|unclean" with input lines
// "<topic> <p1,p2,...>"; no input lines elects for every partition.
func (h *harness) electLeaders(a args, input []string) []string {
	typ := ElectPreferred
	if a["type"] == "unclean" {
		typ = ElectUnclean
	}
	var topics []ElectTopic
	for _, line := range input {
		f := strings.Fields(line)
		topics = append(topics, ElectTopic{Name: f[0], Partitions: ints(f[1])})
	}
	recs, res := h.controller().decideElectLeaders(h.img, typ, topics)
	var out []string
	for _, t := range res {
		if len(t.Partitions) == 0 {
			out = append(out, t.Name+" -")
		}
		for _, p := range t.Partitions {
			out = append(out, fmt.Sprintf("%s-%d %s", t.Name, p.Partition, errorText(p.Err)))
		}
	}
	return h.decided(out, recs, false)
}

// reassign: "reassign [no-rf-change]" with input lines "<topic> <partition>
// <r1,r2,...|cancel>".
func (h *harness) reassign(a args, input []string) []string {
	var topics []ReassignTopic
	for _, line := range input {
		f := strings.Fields(line)
		rp := ReassignPartition{Partition: int32(parseInt(f[1]))}
		if f[2] != "cancel" {
			rp.Replicas = ints(f[2])
		}
		topics = append(topics, ReassignTopic{Name: f[0], Partitions: []ReassignPartition{rp}})
	}
	recs, res := h.controller().decideReassign(h.img, topics, !a.has("no-rf-change"))
	var out []string
	for _, t := range res {
		for _, p := range t.Partitions {
			out = append(out, fmt.Sprintf("%s-%d %s", t.Name, p.Partition, errorText(p.Err)))
		}
	}
	return h.decided(out, recs, false)
}

// listReassignments: "list-reassignments" with optional input lines
// "<topic> <p1,p2,...>".
func (h *harness) listReassignments(input []string) []string {
	var topics []ElectTopic
	for _, line := range input {
		f := strings.Fields(line)
		topics = append(topics, ElectTopic{Name: f[0], Partitions: ints(f[1])})
	}
	var out []string
	for _, t := range listReassignments(h.img, topics) {
		for _, p := range t.Partitions {
			out = append(out, fmt.Sprintf("%s-%d replicas=%v adding=%v removing=%v", t.Name, p.Partition,
				p.Replicas, p.AddingReplicas, p.RemovingReplicas))
		}
	}
	if len(out) == 0 {
		out = []string{"none"}
	}
	return out
}

// periodicElections: "periodic-elections at=MS" runs the periodic election
// tasks through a controller over a fake log holding the harness's image,
// and prints what they wrote.
func (h *harness) periodicElections(a args) []string {
	c := h.controller()
	log := fakeLogFor(h.img)
	c.cfg.Log = log
	if err := c.maintainLeaders(context.Background(), a.at()); err != nil {
		return []string{errorText(err)}
	}
	var out []string
	for _, p := range log.proposals {
		for _, r := range p {
			out = append(out, "> "+recordText(r))
		}
	}
	h.img = log.img
	c.mu.Lock()
	out = append(out, fmt.Sprintf("next balance=%s unclean=%s", sinceEpoch(c.tasks.balanceAt), sinceEpoch(c.tasks.uncleanAt)))
	c.mu.Unlock()
	return out
}

// sinceEpoch prints a scheduled time as milliseconds after time zero of
// the "at=" arguments, "-" if unscheduled.
func sinceEpoch(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return fmt.Sprint(t.Sub(harnessEpoch).Milliseconds())
}
