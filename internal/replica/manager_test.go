package replica_test

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/replica"
	"github.com/spoolhq/spool/internal/storage"
)

// self is the node id of the broker under test; other is another broker.
const self, other int32 = 1, 2

// host is one broker's replica manager over one log directory, and the
// metadata image it has been given so far.
type host struct {
	t      *testing.T
	path   string
	static map[string]string
	dir    *storage.LogDir
	m      *replica.Manager
	img    *metadata.Image
}

// newHost opens a manager on a new log directory; static are its
// server.properties.
func newHost(t *testing.T, static map[string]string) *host {
	h := &host{t: t, path: filepath.Join(t.TempDir(), "data"), static: static, img: metadata.NewImage("cluster")}
	h.open()
	return h
}

// open starts the manager (again) on the log directory, as a broker start
// does; the caller then Syncs it.
func (h *host) open() {
	h.t.Helper()
	cfg, _, err := config.Parse(h.static)
	if err != nil {
		h.t.Fatalf("config: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if h.dir, err = storage.OpenLogDir(h.path, storage.DirOptions{Logger: logger}); err != nil {
		h.t.Fatal(err)
	}
	h.m = replica.New(replica.Options{NodeID: self, Static: cfg, Dirs: []*storage.LogDir{h.dir}, Logger: logger})
	h.t.Cleanup(func() { h.m.Close(1) })
}

// close shuts the manager down cleanly.
func (h *host) close() {
	h.t.Helper()
	if err := h.m.Close(1); err != nil {
		h.t.Fatalf("close: %v", err)
	}
}

// apply commits records to the image and hands the change to the manager.
func (h *host) apply(records ...metadata.Record) {
	h.t.Helper()
	next, delta, err := h.img.Apply(records)
	if err != nil {
		h.t.Fatalf("replay: %v", err)
	}
	h.img = next
	if err := h.m.Apply(next, delta); err != nil {
		h.t.Fatalf("apply: %v", err)
	}
}

// partition returns a hosted partition or fails.
func (h *host) partition(topic string, index int32) *partition.Partition {
	h.t.Helper()
	p, _, err := h.m.Partition(topic, index)
	if err != nil {
		h.t.Fatalf("partition %s-%d: %v", topic, index, err)
	}
	return p
}

// onDisk lists the partition directories in the log directory.
func (h *host) onDisk() []string {
	h.t.Helper()
	entries, err := os.ReadDir(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), "__cluster_metadata") {
			names = append(names, e.Name())
		}
	}
	return names
}

// topicID reads a partition directory's partition.metadata.
func (h *host) topicID(dir string) metadata.TopicID {
	h.t.Helper()
	id, err := storage.ReadPartitionMetadata(filepath.Join(h.path, dir))
	if err != nil {
		h.t.Fatalf("partition.metadata of %s: %v", dir, err)
	}
	return metadata.TopicID(id)
}

// newTopic returns the records creating a topic whose partition i has the
// replicas placement[i], the first of them leading.
func newTopic(name string, id metadata.TopicID, placement ...[]int32) []metadata.Record {
	recs := []metadata.Record{metadata.TopicRecord{Name: name, TopicID: id}}
	for i, replicas := range placement {
		recs = append(recs, newPartition(id, int32(i), replicas...))
	}
	return recs
}

func newPartition(id metadata.TopicID, index int32, replicas ...int32) metadata.PartitionRecord {
	return metadata.PartitionRecord{TopicID: id, Partition: index, Replicas: replicas, ISR: replicas, Leader: replicas[0]}
}

func setConfig(typ metadata.ResourceType, resource, key string, value *string) metadata.ConfigRecord {
	return metadata.ConfigRecord{ResourceType: typ, ResourceName: resource, Name: key, Value: value}
}

func ptr(s string) *string { return &s }

// appendRecord writes one record to p as a producer without idempotence.
func appendRecord(t *testing.T, p *partition.Partition) {
	t.Helper()
	b := record.NewBuilder()
	b.Append(time.Now().UnixMilli(), []byte("k"), []byte("v"))
	batch, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.AppendRecords(batch, partition.AppendOptions{Acks: 1}); err != nil {
		t.Fatalf("append to %s-%d: %v", p.Topic(), p.Index(), err)
	}
}

func records(rs ...[]metadata.Record) []metadata.Record {
	var out []metadata.Record
	for _, r := range rs {
		out = append(out, r...)
	}
	return out
}

func TestSyncDeletesStrayLogsAndKeepsGoodOnes(t *testing.T) {
	keep, gone, oldID, newID, moved, legacy := metadata.NewUUID(), metadata.NewUUID(), metadata.NewUUID(),
		metadata.NewUUID(), metadata.NewUUID(), metadata.NewUUID()
	mine := []int32{self}

	// The broker's earlier life: four topics, each with a record.
	h := newHost(t, nil)
	before, _, err := h.img.Apply(records(
		newTopic("keep", keep, mine, mine), newTopic("gone", gone, mine),
		newTopic("recreated", oldID, mine), newTopic("moved", moved, mine),
	))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.m.Sync(before); err != nil {
		t.Fatalf("sync: %v", err)
	}
	for _, tp := range []struct {
		topic string
		index int32
	}{{"keep", 0}, {"keep", 1}, {"gone", 0}, {"recreated", 0}, {"moved", 0}} {
		appendRecord(t, h.partition(tp.topic, tp.index))
	}
	h.close()
	// Directories the metadata never had a partition for: one with the
	// right topic id and a partition the topic lacks, and one from before
	// topic ids (no partition.metadata), which is trusted.
	for _, d := range []string{"keep-7", "legacy-0"} {
		if err := os.Mkdir(filepath.Join(h.path, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := storage.WritePartitionMetadata(filepath.Join(h.path, "keep-7"), storage.UUID(keep)); err != nil {
		t.Fatal(err)
	}

	// While it was down, "gone" was deleted, "recreated" deleted and
	// created again under a new id, "moved" reassigned to another broker,
	// and "legacy" created.
	after, _, err := metadata.NewImage("cluster").Apply(records(
		newTopic("keep", keep, mine, mine), newTopic("recreated", newID, mine),
		newTopic("moved", moved, []int32{other}), newTopic("legacy", legacy, mine),
	))
	if err != nil {
		t.Fatal(err)
	}
	h.open()
	if err := h.m.Sync(after); err != nil {
		t.Fatalf("sync: %v", err)
	}

	if got, want := strings.Join(h.onDisk(), " "), "keep-0 keep-1 legacy-0 recreated-0"; got != want {
		t.Errorf("partition directories after sync: %s, want %s", got, want)
	}
	for _, i := range []int32{0, 1} {
		if end := h.partition("keep", i).LogEndOffset(); end != 1 {
			t.Errorf("keep-%d lost its record: log end %d", i, end)
		}
	}
	re := h.partition("recreated", 0)
	if re.LogEndOffset() != 0 || re.TopicID() != newID || h.topicID("recreated-0") != newID {
		t.Errorf("recreated-0: log end %d, topic id %v, partition.metadata %v; want an empty log of topic %v",
			re.LogEndOffset(), metadata.TopicID(re.TopicID()), h.topicID("recreated-0"), newID)
	}
	if id := h.topicID("legacy-0"); id != legacy {
		t.Errorf("legacy-0 was given partition.metadata %v, want %v", id, legacy)
	}
	if _, _, err := h.m.Partition("moved", 0); !errors.Is(err, partition.ErrNotLeader) {
		t.Errorf("moved-0, now on another broker: %v, want %v", err, partition.ErrNotLeader)
	}
	if _, _, err := h.m.Partition("gone", 0); !errors.Is(err, replica.ErrUnknownTopicOrPartition) {
		t.Errorf("gone-0: %v, want %v", err, replica.ErrUnknownTopicOrPartition)
	}
	if _, ok := h.m.TopicByID(oldID); ok {
		t.Error("the recreated topic's old id is still hosted")
	}
}

func TestApplyHostsThisBrokersPartitions(t *testing.T) {
	h := newHost(t, nil)
	id := metadata.NewUUID()
	h.apply(newTopic("t", id, []int32{self}, []int32{other}, []int32{other, self})...)

	if got, want := strings.Join(h.onDisk(), " "), "t-0 t-2"; got != want {
		t.Fatalf("partition directories: %s, want %s", got, want)
	}
	p0, p2 := h.partition("t", 0), h.partition("t", 2)
	if !p0.IsLeader() || p2.IsLeader() {
		t.Errorf("t-0 leads: %v (want true); t-2, led by broker %d, leads: %v", p0.IsLeader(), other, p2.IsLeader())
	}
	if h.topicID("t-0") != id {
		t.Errorf("t-0's partition.metadata says %v, want %v", h.topicID("t-0"), id)
	}
	if topic, ok := h.m.TopicByID(id); !ok || topic.Name != "t" || len(topic.Partitions) != 2 {
		t.Fatalf("topic by id: %+v, %v", topic, ok)
	}

	// A partition added later opens next to the existing ones, which stay
	// as they are.
	h.apply(newPartition(id, 3, self))
	if h.partition("t", 3) == nil || h.partition("t", 0) != p0 {
		t.Error("adding a partition replaced the hosted ones")
	}
	// Leadership moves with the metadata.
	h.apply(metadata.PartitionChangeRecord{TopicID: id, Partition: 0, Leader: other, LeaderRecoveryState: metadata.NoRecoveryStateChange})
	if l := p0.Leadership(); p0.IsLeader() || l.Leader != other || l.LeaderEpoch != 1 {
		t.Errorf("after the leader moved to %d: leader %d, epoch %d, is leader %v", other, l.Leader, l.LeaderEpoch, p0.IsLeader())
	}
	if _, err := p0.Read(partition.FetchParams{MaxBytes: 1 << 20, CurrentLeaderEpoch: -1}); !errors.Is(err, partition.ErrNotLeader) {
		t.Errorf("consumer fetch from a follower: %v, want %v", err, partition.ErrNotLeader)
	}
}

func TestApplyReresolvesConfigs(t *testing.T) {
	h := newHost(t, map[string]string{"log.retention.ms": "1000"})
	own, inherits := metadata.NewUUID(), metadata.NewUUID()
	h.apply(records(
		newTopic("own", own, []int32{self}), newTopic("inherits", inherits, []int32{self}, []int32{self}),
		[]metadata.Record{setConfig(metadata.ResourceTopic, "own", "retention.ms", ptr("2000"))},
	)...)
	check := func(step string, wantOwn, wantInherited int64) {
		t.Helper()
		for _, c := range []struct {
			topic string
			index int32
			want  int64
		}{{"own", 0, wantOwn}, {"inherits", 0, wantInherited}, {"inherits", 1, wantInherited}} {
			p := h.partition(c.topic, c.index)
			if got, log := p.Config().RetentionMs, p.Log().Config().RetentionMs; got != c.want || log != c.want {
				t.Errorf("%s: %s-%d has retention.ms %d (its log %d), want %d", step, c.topic, c.index, got, log, c.want)
			}
		}
	}
	check("created", 2000, 1000)
	h.apply(setConfig(metadata.ResourceTopic, "own", "retention.ms", ptr("3000")))
	check("topic config set", 3000, 1000)
	h.apply(setConfig(metadata.ResourceBroker, "", "log.retention.ms", ptr("4000")))
	check("cluster-wide broker default set", 3000, 4000)
	h.apply(setConfig(metadata.ResourceBroker, "1", "log.retention.ms", ptr("5000")))
	check("this broker's config set", 3000, 5000)
	h.apply(setConfig(metadata.ResourceBroker, "2", "log.retention.ms", ptr("6000")))
	check("another broker's config set", 3000, 5000)
	h.apply(setConfig(metadata.ResourceTopic, "own", "retention.ms", nil))
	check("topic config deleted", 5000, 5000)
	h.apply(setConfig(metadata.ResourceBroker, "1", "log.retention.ms", nil), setConfig(metadata.ResourceBroker, "", "log.retention.ms", nil))
	check("broker configs deleted", 1000, 1000)
}

func TestApplyDeletesLogsOfDeletedTopics(t *testing.T) {
	h := newHost(t, nil)
	oldID, newID, other := metadata.NewUUID(), metadata.NewUUID(), metadata.NewUUID()
	h.apply(records(newTopic("doomed", oldID, []int32{self}, []int32{self}), newTopic("bystander", other, []int32{self}))...)
	doomed := h.partition("doomed", 1)
	appendRecord(t, doomed)
	appendRecord(t, h.partition("bystander", 0))
	// A consumer long-polling the partition is woken when it goes.
	w := partition.NewWaiter()
	doomed.Watch(w)
	defer doomed.Unwatch(w)
	drain(w)

	h.apply(metadata.RemoveTopicRecord{TopicID: oldID})
	if got := strings.Join(h.onDisk(), " "); got != "bystander-0" {
		t.Fatalf("partition directories after the delete: %s, want bystander-0", got)
	}
	select {
	case <-w.C():
	default:
		t.Error("a waiter on the deleted partition was not woken")
	}
	if _, ok := h.m.Topic("doomed"); ok {
		t.Error("the deleted topic is still hosted by name")
	}
	if _, ok := h.m.TopicByID(oldID); ok {
		t.Error("the deleted topic is still hosted by id")
	}
	if _, _, err := h.m.Partition("doomed", 1); !errors.Is(err, replica.ErrUnknownTopicOrPartition) {
		t.Errorf("deleted partition by name: %v, want %v", err, replica.ErrUnknownTopicOrPartition)
	}
	if _, _, err := h.m.PartitionByID(oldID, 1); !errors.Is(err, replica.ErrUnknownTopicID) {
		t.Errorf("deleted partition by id: %v, want %v", err, replica.ErrUnknownTopicID)
	}
	if end := h.partition("bystander", 0).LogEndOffset(); end != 1 {
		t.Errorf("the other topic's log end is %d, want 1", end)
	}

	// The name can be used again, by a new topic with a new, empty log.
	h.apply(newTopic("doomed", newID, []int32{self}, []int32{self})...)
	again := h.partition("doomed", 1)
	if again == doomed || again.LogEndOffset() != 0 || h.topicID("doomed-1") != newID {
		t.Errorf("recreated topic: same partition %v, log end %d, partition.metadata %v (want %v)",
			again == doomed, again.LogEndOffset(), h.topicID("doomed-1"), newID)
	}
	if _, _, err := h.m.PartitionByID(oldID, 1); !errors.Is(err, replica.ErrUnknownTopicID) {
		t.Errorf("the old id after the name was reused: %v, want %v", err, replica.ErrUnknownTopicID)
	}
}

// drain empties a waiter's pending notification.
func drain(w *partition.Waiter) {
	select {
	case <-w.C():
	default:
	}
}

func TestLookupsTellNotLeaderFromUnknown(t *testing.T) {
	h := newHost(t, nil)
	unknownID := metadata.NewUUID()
	if _, _, err := h.m.Partition("early", 0); !errors.Is(err, replica.ErrUnknownTopicOrPartition) {
		t.Errorf("lookup before any metadata: %v, want %v", err, replica.ErrUnknownTopicOrPartition)
	}
	here, elsewhere := metadata.NewUUID(), metadata.NewUUID()
	h.apply(records(newTopic("here", here, []int32{self}, []int32{other}), newTopic("elsewhere", elsewhere, []int32{other}))...)

	for _, c := range []struct {
		topic string
		id    metadata.TopicID
		index int32
		want  error // nil: hosted
	}{
		{"here", here, 0, nil},
		{"here", here, 1, partition.ErrNotLeader},             // exists, on another broker
		{"here", here, 2, replica.ErrUnknownTopicOrPartition}, // no such partition
		{"elsewhere", elsewhere, 0, partition.ErrNotLeader},   // the whole topic is elsewhere
		{"elsewhere", elsewhere, 1, replica.ErrUnknownTopicOrPartition},
		{"nowhere", unknownID, 0, replica.ErrUnknownTopicOrPartition},
	} {
		p, _, err := h.m.Partition(c.topic, c.index)
		if !errors.Is(err, c.want) || (c.want == nil && (p == nil || p.Topic() != c.topic || p.Index() != c.index)) {
			t.Errorf("partition %s-%d: %v, %v; want %v", c.topic, c.index, p, err, c.want)
		}
		wantByID := c.want
		if c.id == unknownID {
			wantByID = replica.ErrUnknownTopicID
		}
		p, _, err = h.m.PartitionByID(c.id, c.index)
		if !errors.Is(err, wantByID) || (wantByID == nil && (p == nil || p.Topic() != c.topic || p.Index() != c.index)) {
			t.Errorf("partition %s-%d by id: %v, %v; want %v", c.topic, c.index, p, err, wantByID)
		}
	}
}

func TestClosedManagerRefusesMetadata(t *testing.T) {
	h := newHost(t, nil)
	id := metadata.NewUUID()
	h.apply(newTopic("t", id, []int32{self})...)
	h.close()
	if err := h.m.Close(1); err != nil {
		t.Errorf("second close: %v", err)
	}
	next, delta, err := h.img.Apply(newTopic("late", metadata.NewUUID(), []int32{self}))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.m.Apply(next, delta); !errors.Is(err, replica.ErrClosed) {
		t.Errorf("apply after close: %v, want %v", err, replica.ErrClosed)
	}
	if err := h.m.Sync(next); !errors.Is(err, replica.ErrClosed) {
		t.Errorf("sync after close: %v, want %v", err, replica.ErrClosed)
	}
	if _, err := os.Stat(filepath.Join(h.path, "late-0")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a partition was created after close: %v", err)
	}
	if clean, _, err := storage.ConsumeCleanShutdownMarker(h.path); err != nil || !clean {
		t.Errorf("no clean shutdown marker after close: %v, %v", clean, err)
	}
}
