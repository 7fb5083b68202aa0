package controller

import (
	"fmt"
	"github.com/spoolhq/spool/internal/config"
	"strconv"
	"strings"

	"github.com/spoolhq/spool/internal/metadata"
)

// createTopics: one topic per input line, "<name> [partitions=N] [rf=N]
// [assign=P:1,2/P:2,3] [config=k=v] [config=k=null]".
func (h *harness) createTopics(input []string, validateOnly bool) []string {
	var reqs []CreateTopic
	for _, line := range input {
		f := strings.Fields(line)
		t := CreateTopic{Name: f[0], NumPartitions: -1, ReplicationFactor: -1}
		if f[0] == `""` {
			t.Name = ""
		}
		for _, w := range f[1:] {
			k, v, _ := strings.Cut(w, "=")
			switch k {
			case "partitions":
				n, _ := strconv.Atoi(v)
				t.NumPartitions = int32(n)
			case "rf":
				n, _ := strconv.Atoi(v)
				t.ReplicationFactor = int16(n)
			case "assign":
				for _, a := range strings.Split(v, "/") {
					p, reps, _ := strings.Cut(a, ":")
					n, _ := strconv.Atoi(p)
					t.Assignments = append(t.Assignments, ReplicaAssignment{Partition: int32(n), Replicas: ints(reps)})
				}
			case "config":
				if t.Configs == nil {
					t.Configs = map[string]*string{}
				}
				ck, cv, _ := strings.Cut(v, "=")
				if cv == "null" {
					t.Configs[ck] = nil
				} else {
					t.Configs[ck] = &cv
				}
			case "name-length":
				n, _ := strconv.Atoi(v)
				t.Name = strings.Repeat(t.Name, n)
			}
		}
		reqs = append(reqs, t)
	}
	records, results := decideCreateTopics(h.img, &h.cfg, reqs)
	var out []string
	for _, r := range results {
		name := short(r.Name)
		if r.Err != nil {
			out = append(out, fmt.Sprintf("%s: %s", name, errorText(r.Err)))
			continue
		}
		out = append(out, fmt.Sprintf("%s: ok id=%s partitions=%d rf=%d", name, idText(r.TopicID), r.NumPartitions, r.ReplicationFactor))
	}
	return h.decided(out, records, validateOnly)
}

// deleteTopics: input lines "name=<topic>" or "id=<tN|zero>".
func (h *harness) deleteTopics(input []string) []string {
	var names []string
	var ids []metadata.TopicID
	for _, line := range input {
		k, v, _ := strings.Cut(line, "=")
		if k == "name" {
			names = append(names, v)
		} else {
			ids = append(ids, parseID(v))
		}
	}
	records, results := decideDeleteTopics(h.img, &h.cfg, names, ids)
	var out []string
	for _, r := range results {
		out = append(out, fmt.Sprintf("name=%q id=%s: %s", r.Name, idText(r.TopicID), errorText(r.Err)))
	}
	return h.decided(out, records, false)
}

// createPartitions: input lines "<topic> count=N [assign=1,2/2,3]".
func (h *harness) createPartitions(input []string, validateOnly bool) []string {
	var reqs []CreatePartitions
	for _, line := range input {
		f := strings.Fields(line)
		a := parseArgs(f[1:])
		req := CreatePartitions{Topic: f[0], Count: int32(a.int("count", 0))}
		if v, ok := a["assign"]; ok {
			req.Assignments = [][]int32{}
			if v != "" {
				for _, reps := range strings.Split(v, "/") {
					req.Assignments = append(req.Assignments, ints(reps))
				}
			}
		}
		reqs = append(reqs, req)
	}
	records, results := decideCreatePartitions(h.img, &h.cfg, reqs)
	var out []string
	for _, r := range results {
		out = append(out, fmt.Sprintf("%s: %s", r.Topic, errorText(r.Err)))
	}
	return h.decided(out, records, validateOnly)
}

// alterConfigs: input lines "<topic|broker|N> <name|-> op...". Incremental
// ops are "set:k=v", "delete:k", "append:k=v", "subtract:k=v"; legacy ones
// "k=v" or "k=null".
func (h *harness) alterConfigs(input []string, incremental, validateOnly bool) []string {
	var reqs []AlterConfigsResource
	for _, line := range input {
		f := strings.Fields(line)
		r := AlterConfigsResource{Resource: resource(f[0], f[1])}
		for _, w := range f[2:] {
			r.Ops = append(r.Ops, parseOp(w, incremental))
		}
		reqs = append(reqs, r)
	}
	records, results := decideAlterConfigs(h.img, &h.cfg, reqs, incremental)
	var out []string
	for _, r := range results {
		out = append(out, fmt.Sprintf("%s: %s", r.Resource, errorText(r.Err)))
	}
	return h.decided(out, records, validateOnly)
}

func parseOp(w string, incremental bool) ConfigOp {
	op := ConfigOp{Op: config.OpSet}
	if incremental {
		kind, rest, _ := strings.Cut(w, ":")
		w = rest
		op.Op = map[string]config.OpType{"set": config.OpSet, "delete": config.OpDelete, "append": config.OpAppend, "subtract": config.OpSubtract}[kind]
	}
	k, v, hasValue := strings.Cut(w, "=")
	op.Name = k
	if hasValue && v != "null" {
		op.Value = &v
	}
	return op
}

// allocateProducerIDs: "allocate-producer-ids broker=N epoch=E".
func (h *harness) allocateProducerIDs(a args) []string {
	records, block := decideAllocateProducerIDs(h.img, int32(a.int("broker", 0)), a.int("epoch", 0))
	out := []string{errorText(block.err)}
	if block.err == nil {
		out[0] = fmt.Sprintf("block first=%d count=%d", block.first, block.count)
	}
	return h.decided(out, records, false)
}

// registerBroker: "register-broker id=N [incarnation=N] [cluster=X]
// [rack=R]".
func (h *harness) registerBroker(a args) []string {
	reg := BrokerRegistration{
		BrokerID:      int32(a.int("id", 0)),
		ClusterID:     a["cluster"],
		IncarnationID: metadata.UUID{0: 0x1c, 15: byte(a.int("incarnation", 0))},
		Endpoints:     []metadata.Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: 9092}},
	}
	if r, ok := a["rack"]; ok {
		reg.Rack = &r
	}
	records, res := h.controller().decideRegisterLocked(h.img, reg, a.at())
	out := []string{errorText(res.err)}
	if res.err == nil {
		out[0] = fmt.Sprintf("epoch %d", res.epoch)
	}
	return h.decided(out, records, false)
}

// place shows automatic placement over the image's usable brokers:
// "place partitions=N rf=N [first=N]", one line per partition.
func (h *harness) place(a args) []string {
	first := int32(a.int("first", 0))
	assignments, err := place(usableBrokers(h.img), first, int32(a.int("partitions", 1)), int(a.int("rf", 1)), h.cfg.Rand)
	if err != nil {
		return []string{errorText(err)}
	}
	var out []string
	leaders := map[int32]int{}
	for i, reps := range assignments {
		out = append(out, fmt.Sprintf("%d: %v%s", first+int32(i), reps, h.racks(reps)))
		leaders[reps[0]]++
	}
	out = append(out, fmt.Sprintf("leaders per broker: %v", leaders))
	return out
}

func (h *harness) racks(reps []int32) string {
	var rs []string
	for _, id := range reps {
		if b := h.img.Broker(id); b != nil && b.Rack != nil {
			rs = append(rs, *b.Rack)
		}
	}
	if len(rs) == 0 {
		return ""
	}
	return " racks=" + strings.Join(rs, ",")
}
