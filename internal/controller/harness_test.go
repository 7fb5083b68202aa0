package controller

import (
	"fmt"
	"github.com/spoolhq/spool/internal/config"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
)

const testClusterID = "ctrl-test-cluster-id-1"

// harness holds the image and config the commands of one testdata file
// work on. Commands that decide apply their records to the image, unless
// validate-only, so later cases see the effect.
type harness struct {
	t      *testing.T
	img    *metadata.Image
	cfg    Config
	nextID byte
	ctrl   *Controller // for commands that keep state between cases
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, img: metadata.NewImage(testClusterID)}
	h.cfg = Config{
		Log:                   fakeLogFor(h.img),
		ValidateTopicConfigs:  fakeTopicValidator,
		ValidateBrokerConfigs: fakeBrokerValidator,
		ApplyIncremental:      fakeApplyIncremental,
		NewID: func() metadata.UUID {
			h.nextID++
			return testID(h.nextID)
		},
		Rand: rand.New(rand.NewPCG(1, 2)),
	}.withDefaults()
	h.apply([]metadata.Record{metadata.FeatureLevelRecord{Name: metadata.MetadataVersionFeature, Level: 25}})
	return h
}

// testID is the topic ID the testdata calls t<n>.
func testID(n byte) metadata.UUID { return metadata.UUID{0: 0x7e, 15: n} }

func idText(id metadata.UUID) string {
	if id[0] == 0x7e && id == testID(id[15]) {
		return fmt.Sprintf("t%d", id[15])
	}
	return id.String()
}

func parseID(s string) metadata.UUID {
	if n, err := strconv.Atoi(strings.TrimPrefix(s, "t")); err == nil && strings.HasPrefix(s, "t") {
		return testID(byte(n))
	}
	if s == "zero" {
		return metadata.ZeroUUID
	}
	u, _ := metadata.ParseUUID(s)
	return u
}

func (h *harness) apply(records []metadata.Record) {
	h.t.Helper()
	next, _, err := h.img.ApplyAt(h.img.Offset()+1, 1, records)
	if err != nil {
		h.t.Fatalf("apply: %v", err)
	}
	h.img = next
}

func (h *harness) run(c *testCase) []string {
	h.t.Helper()
	args := parseArgs(c.args)
	switch c.command {
	case "brokers":
		return h.brokers(c.input)
	case "topic":
		return h.topic(c.args[0], c.input)
	case "config":
		return h.config(c.args, c.input)
	case "set":
		return h.set(args)
	case "image":
		return dumpImage(h.img)
	case "create-topics":
		return h.createTopics(c.input, args.has("validate-only"))
	case "delete-topics":
		return h.deleteTopics(c.input)
	case "create-partitions":
		return h.createPartitions(c.input, args.has("validate-only"))
	case "alter-configs":
		return h.alterConfigs(c.input, args.has("incremental"), args.has("validate-only"))
	case "allocate-producer-ids":
		return h.allocateProducerIDs(args)
	case "register-broker":
		return h.registerBroker(args)
	case "place":
		return h.place(args)
	case "heartbeat":
		return h.heartbeat(args)
	case "maintain":
		return h.maintain(args)
	case "alter-partition":
		return h.alterPartition(args, c.input)
	case "partitions":
		return h.partitions()
	case "elect-leaders":
		return h.electLeaders(args, c.input)
	case "reassign":
		return h.reassign(args, c.input)
	case "list-reassignments":
		return h.listReassignments(c.input)
	case "periodic-elections":
		return h.periodicElections(args)
	}
	h.t.Fatalf("line %d: unknown command %q", c.line, c.command)
	return nil
}

// args are a case's "key=value" and bare "flag" words.
type args map[string]string

func parseArgs(words []string) args {
	a := args{}
	for _, w := range words {
		k, v, _ := strings.Cut(w, "=")
		a[k] = v
	}
	return a
}

func (a args) has(k string) bool { _, ok := a[k]; return ok }

func (a args) int(k string, def int64) int64 {
	v, ok := a[k]
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("bad %s=%q", k, v))
	}
	return n
}

// brokers registers one broker per input line: "<id> [rack=r] [fenced]
// [shutdown]". Broker n gets epoch 100+n.
func (h *harness) brokers(input []string) []string {
	var recs []metadata.Record
	for _, line := range input {
		f := strings.Fields(line)
		a := parseArgs(f[1:])
		id, _ := strconv.Atoi(f[0])
		r := metadata.RegisterBrokerRecord{
			BrokerID: int32(id), BrokerEpoch: 100 + int64(id), IncarnationID: metadata.UUID{0: 0x1c, 15: byte(id)},
			Fenced: a.has("fenced"), InControlledShutdown: a.has("shutdown"),
			Endpoints: []metadata.Endpoint{{Name: "PLAINTEXT", Host: "localhost", Port: uint16(9090 + id)}},
		}
		if rk, ok := a["rack"]; ok {
			r.Rack = &rk
		}
		recs = append(recs, r)
	}
	h.apply(recs)
	return []string{"ok"}
}

// topic creates a topic directly in the image: "topic <name> [id=tN]" with
// one input line of replicas per partition, "1,2,3", leader first.
func (h *harness) topic(name string, input []string) []string {
	h.nextID++
	id := testID(h.nextID)
	recs := []metadata.Record{metadata.TopicRecord{Name: name, TopicID: id}}
	for p, line := range input {
		reps := ints(line)
		recs = append(recs, metadata.PartitionRecord{TopicID: id, Partition: int32(p), Replicas: reps, ISR: reps, Leader: reps[0]})
	}
	h.apply(recs)
	return []string{"ok " + idText(id)}
}

// config sets configs directly: "config topic|broker <name|->" with
// "key=value" input lines.
func (h *harness) config(words []string, input []string) []string {
	res := resource(words[0], words[1])
	var recs []metadata.Record
	for _, line := range input {
		k, v, _ := strings.Cut(line, "=")
		recs = append(recs, metadata.ConfigRecord{ResourceType: res.Type, ResourceName: res.Name, Name: k, Value: &v})
	}
	h.apply(recs)
	return []string{"ok"}
}

func resource(typ, name string) metadata.ConfigResource {
	if name == "-" {
		name = ""
	}
	switch typ {
	case "topic":
		return metadata.ConfigResource{Type: metadata.ResourceTopic, Name: name}
	case "broker":
		return metadata.ConfigResource{Type: metadata.ResourceBroker, Name: name}
	}
	n, _ := strconv.Atoi(typ)
	return metadata.ConfigResource{Type: metadata.ResourceType(n), Name: name}
}

// set changes the controller config: default-partitions, default-rf,
// deletion-disabled, controllers, seed.
func (h *harness) set(a args) []string {
	for k, v := range a {
		switch k {
		case "default-partitions":
			h.cfg.DefaultPartitions = int32(a.int(k, 1))
		case "default-rf":
			h.cfg.DefaultReplicationFactor = int16(a.int(k, 1))
		case "deletion-disabled":
			h.cfg.TopicDeletionDisabled = v == "true"
		case "controllers":
			h.cfg.ControllerIDs = ints(v)
		case "seed":
			h.cfg.Rand = rand.New(rand.NewPCG(uint64(a.int(k, 1)), 2))
		case "session-timeout-ms":
			h.cfg.SessionTimeout = time.Duration(a.int(k, 0)) * time.Millisecond
		case "rebalance-interval-ms":
			h.cfg.LeaderImbalanceCheckInterval = time.Duration(a.int(k, 0)) * time.Millisecond
		case "unclean-interval-ms":
			h.cfg.UncleanLeaderElectionCheckInterval = time.Duration(a.int(k, 0)) * time.Millisecond
		case "unclean":
			topics := strings.Split(v, ",")
			h.cfg.UncleanLeaderElection = func(_ *metadata.Image, t string) bool { return slices.Contains(topics, t) }
		default:
			h.t.Fatalf("unknown setting %s", k)
		}
	}
	return []string{"ok"}
}

func ints(s string) []int32 {
	if s == "" || s == "-" {
		return []int32{}
	}
	var out []int32
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			panic(fmt.Sprintf("bad int list %q", s))
		}
		out = append(out, int32(n))
	}
	return out
}

// decided prints records and applies them unless validateOnly.
func (h *harness) decided(out []string, records []metadata.Record, validateOnly bool) []string {
	for _, r := range records {
		out = append(out, "> "+recordText(r))
	}
	if !validateOnly && len(records) > 0 {
		h.apply(records)
	}
	return out
}

func recordText(r metadata.Record) string {
	switch r := r.(type) {
	case metadata.TopicRecord:
		return fmt.Sprintf("TopicRecord %s id=%s", short(r.Name), idText(r.TopicID))
	case metadata.PartitionRecord:
		return fmt.Sprintf("PartitionRecord %s-%d replicas=%v isr=%v leader=%d epochs=%d/%d",
			idText(r.TopicID), r.Partition, r.Replicas, r.ISR, r.Leader, r.LeaderEpoch, r.PartitionEpoch)
	case metadata.ConfigRecord:
		if r.Value == nil {
			return fmt.Sprintf("ConfigRecord %s:%s %s deleted", r.ResourceType, r.ResourceName, r.Name)
		}
		return fmt.Sprintf("ConfigRecord %s:%s %s=%s", r.ResourceType, r.ResourceName, r.Name, *r.Value)
	case metadata.RemoveTopicRecord:
		return "RemoveTopicRecord " + idText(r.TopicID)
	case metadata.ProducerIdsRecord:
		return fmt.Sprintf("ProducerIdsRecord broker=%d epoch=%d next=%d", r.BrokerID, r.BrokerEpoch, r.NextProducerID)
	case metadata.RegisterBrokerRecord:
		rack := "none"
		if r.Rack != nil {
			rack = *r.Rack
		}
		return fmt.Sprintf("RegisterBrokerRecord id=%d epoch=%d incarnation=%d rack=%s fenced=%v endpoints=%d",
			r.BrokerID, r.BrokerEpoch, r.IncarnationID[15], rack, r.Fenced, len(r.Endpoints))
	case metadata.FeatureLevelRecord:
		return fmt.Sprintf("FeatureLevelRecord %s=%d", r.Name, r.Level)
	case metadata.PartitionChangeRecord:
		return changeText(r)
	case metadata.BrokerRegistrationChangeRecord:
		return brokerChangeText(r)
	}
	return fmt.Sprintf("%#v", r)
}

func dumpImage(img *metadata.Image) []string {
	var out []string
	for _, b := range img.Brokers() {
		out = append(out, fmt.Sprintf("broker %d epoch=%d fenced=%v", b.ID, b.Epoch, b.Fenced))
	}
	for _, t := range img.Topics() {
		out = append(out, fmt.Sprintf("topic %s id=%s", short(t.Name), idText(t.ID)))
		for _, p := range t.Partitions() {
			out = append(out, fmt.Sprintf("  %d replicas=%v isr=%v leader=%d", p.ID, p.Replicas, p.ISR, p.Leader))
		}
	}
	for _, r := range img.ConfigResources() {
		m := img.Configs(r)
		for _, k := range sortedKeys(m) {
			out = append(out, fmt.Sprintf("config %s %s=%s", r, k, m[k]))
		}
	}
	out = append(out, fmt.Sprintf("next producer id %d", img.NextProducerID()))
	return out
}

// The fake config helpers stand in for internal/config: a few known keys,
// "bad" as an invalid value, and two list keys for APPEND and SUBTRACT.

var knownTopicConfigs = []string{"cleanup.policy", "retention.ms", "segment.bytes", "follower.replication.throttled.replicas"}

func fakeTopicValidator(m map[string]string) error {
	for _, k := range sortedKeys(m) {
		if !slices.Contains(knownTopicConfigs, k) {
			return fmt.Errorf("Unknown topic config name: %s", k)
		}
		if m[k] == "bad" {
			return fmt.Errorf("Invalid value bad for configuration %s", k)
		}
	}
	return nil
}

func fakeBrokerValidator(_ *metadata.Image, _ string, m map[string]string) error {
	for _, k := range sortedKeys(m) {
		if !strings.HasPrefix(k, "log.") && k != "listeners" {
			return fmt.Errorf("Cannot update these configs dynamically: [%s]", k)
		}
	}
	return nil
}

func fakeApplyIncremental(t metadata.ResourceType, cur map[string]string, ops []ConfigOp) (map[string]string, error) {
	next := cloneMap(cur)
	for _, op := range ops {
		if op.Op != config.OpAppend && op.Op != config.OpSubtract {
			continue
		}
		if op.Name != "cleanup.policy" && op.Name != "follower.replication.throttled.replicas" && op.Name != "listeners" {
			return nil, fmt.Errorf("Can't %s to key %s because its type is not LIST.", op.Op, op.Name)
		}
		var parts []string
		if v := next[op.Name]; v != "" {
			parts = strings.Split(v, ",")
		} else if op.Name == "cleanup.policy" {
			parts = []string{"delete"} // the default
		}
		for _, v := range strings.Split(*op.Value, ",") {
			i := slices.Index(parts, v)
			switch {
			case op.Op == config.OpAppend && i < 0:
				parts = append(parts, v)
			case op.Op == config.OpSubtract && i >= 0:
				parts = slices.Delete(parts, i, i+1)
			}
		}
		next[op.Name] = strings.Join(parts, ",")
	}
	var setDelete []ConfigOp
	for _, op := range ops {
		if op.Op == config.OpSet || op.Op == config.OpDelete {
			setDelete = append(setDelete, op)
		}
	}
	return ApplySetDelete(t, next, setDelete)
}

// short abbreviates the long names of the name-length tests.
func short(name string) string {
	if len(name) > 30 {
		return fmt.Sprintf("%.10s...(%d)", name, len(name))
	}
	return name
}
