package controller

import (
	"context"
	"errors"
	"github.com/spoolhq/spool/internal/config"
	"log/slog"
	"testing"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/quorum"
)

func newTestController(t *testing.T, log *fakeLog) *Controller {
	t.Helper()
	c, err := New(Config{Log: log, ValidateTopicConfigs: fakeTopicValidator, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withBroker returns a fake log whose image has broker 1 and, unless bare,
// metadata.version.
func withBroker(t *testing.T, bare bool) *fakeLog {
	t.Helper()
	var recs []metadata.Record
	if !bare {
		recs = append(recs, metadata.FeatureLevelRecord{Name: metadata.MetadataVersionFeature, Level: 25})
	}
	recs = append(recs, metadata.RegisterBrokerRecord{BrokerID: 1, BrokerEpoch: 7})
	img, _, err := metadata.NewImage(testClusterID).ApplyAt(0, 1, recs)
	if err != nil {
		t.Fatal(err)
	}
	return fakeLogFor(img)
}

func TestNewNeedsLog(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Fatal("New without a log succeeded")
	}
}

func TestCreateTopicsProposesAndBootstraps(t *testing.T) {
	log := withBroker(t, true)
	c := newTestController(t, log)
	res := c.CreateTopics(context.Background(), []CreateTopic{{Name: "a", NumPartitions: 2, ReplicationFactor: 1}}, false)
	if len(res) != 1 || res[0].Err != nil || res[0].TopicID.IsZero() || res[0].NumPartitions != 2 {
		t.Fatalf("results %+v", res)
	}
	img := log.Image()
	if tp := img.Topic("a"); tp == nil || tp.ID != res[0].TopicID || tp.NumPartitions() != 2 {
		t.Fatalf("topic in image: %+v", img.Topic("a"))
	}
	if img.MetadataVersion() != metadata.MetadataVersion40IV3 {
		t.Fatalf("metadata.version %d after the first batch", img.MetadataVersion())
	}
	first := log.proposals[0][0]
	if f, ok := first.(metadata.FeatureLevelRecord); !ok || f.Name != metadata.MetadataVersionFeature {
		t.Fatalf("first record %#v, want metadata.version", first)
	}
	// Later batches carry no feature records.
	c.CreateTopics(context.Background(), []CreateTopic{{Name: "b", NumPartitions: 1, ReplicationFactor: 1}}, false)
	if _, ok := log.proposals[1][0].(metadata.TopicRecord); !ok {
		t.Fatalf("second batch starts with %#v", log.proposals[1][0])
	}
}

func TestBootstrapOnly(t *testing.T) {
	log := withBroker(t, true)
	c, err := New(Config{Log: log, BootstrapFeatures: map[string]int16{"group.version": 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Bootstrap(context.Background()); err != nil {
		t.Fatal(err)
	}
	img := log.Image()
	if l, _ := img.Feature("group.version"); l != 1 || img.MetadataVersion() != 25 || len(log.proposals) != 1 {
		t.Fatalf("features %v after %d proposals", img.Features(), len(log.proposals))
	}
}

func TestValidateOnlyProposesNothing(t *testing.T) {
	log := withBroker(t, false)
	c := newTestController(t, log)
	res := c.CreateTopics(context.Background(), []CreateTopic{{Name: "a", NumPartitions: 1, ReplicationFactor: 1}}, true)
	if res[0].Err != nil || !res[0].TopicID.IsZero() || res[0].NumPartitions != 1 {
		t.Fatalf("validate-only result %+v", res[0])
	}
	cp := c.CreatePartitions(context.Background(), []CreatePartitions{{Topic: "a", Count: 2}}, true)
	ac := c.AlterConfigs(context.Background(), []AlterConfigsResource{{
		Resource: metadata.ConfigResource{Type: metadata.ResourceBroker}, Ops: []ConfigOp{{Name: "x", Value: ptr("1")}},
	}}, false, true)
	if !errors.Is(cp[0].Err, ErrUnknownTopicOrPartition) || ac[0].Err != nil {
		t.Fatalf("validate-only create-partitions %+v, alter-configs %+v", cp, ac)
	}
	if len(log.proposals) != 0 || log.Image().Topic("a") != nil {
		t.Fatal("validate-only proposed records")
	}
}

func ptr[T any](v T) *T { return &v }

func TestNotController(t *testing.T) {
	log := withBroker(t, false)
	log.follower = true
	c := newTestController(t, log)
	ctx := context.Background()
	res := c.CreateTopics(ctx, []CreateTopic{{Name: "a", NumPartitions: 1, ReplicationFactor: 1}, {Name: "b"}}, false)
	for _, r := range res {
		if !errors.Is(r.Err, ErrNotController) {
			t.Fatalf("CreateTopics on a follower: %+v", r)
		}
	}
	if res[1].Name != "b" {
		t.Fatalf("result names %+v", res)
	}
	del := c.DeleteTopics(ctx, []string{"a"}, []metadata.TopicID{{1}})
	cp := c.CreatePartitions(ctx, []CreatePartitions{{Topic: "a", Count: 3}}, false)
	ac := c.AlterConfigs(ctx, []AlterConfigsResource{{Resource: metadata.ConfigResource{Type: metadata.ResourceBroker}}}, true, false)
	_, _, perr := c.AllocateProducerIDs(ctx, 1, 7)
	_, rerr := c.RegisterBroker(ctx, BrokerRegistration{BrokerID: 1})
	for _, err := range []error{del[0].Err, del[1].Err, cp[0].Err, ac[0].Err, perr, rerr} {
		if !errors.Is(err, ErrNotController) {
			t.Errorf("on a follower: %v", err)
		}
	}
}

func TestStaleDecisionIsRetried(t *testing.T) {
	log := withBroker(t, false)
	log.interfere = maxStaleRetries
	c := newTestController(t, log)
	res := c.CreateTopics(context.Background(), []CreateTopic{{Name: "a", NumPartitions: 1, ReplicationFactor: 1}}, false)
	if res[0].Err != nil || log.Image().Topic("a") == nil {
		t.Fatalf("after %d interfering changes: %+v", maxStaleRetries, res)
	}

	log.interfere = maxStaleRetries + 1
	res = c.CreateTopics(context.Background(), []CreateTopic{{Name: "b", NumPartitions: 1, ReplicationFactor: 1}}, false)
	if !errors.Is(res[0].Err, ErrRequestTimedOut) || log.Image().Topic("b") != nil {
		t.Fatalf("after too many interfering changes: %+v", res)
	}
}

func TestProposalErrors(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{quorum.ErrNotLeader, ErrNotController},
		{quorum.ErrClosed, ErrNotController},
		{context.DeadlineExceeded, ErrRequestTimedOut},
		{errors.New("disk on fire"), ErrUnknownServer},
	}
	for _, tt := range tests {
		log := withBroker(t, false)
		log.err = tt.err
		c := newTestController(t, log)
		res := c.CreateTopics(context.Background(), []CreateTopic{
			{Name: "a", NumPartitions: 1, ReplicationFactor: 1},
			{Name: "bad/name", NumPartitions: 1, ReplicationFactor: 1},
		}, false)
		if !errors.Is(res[0].Err, tt.want) || !res[0].TopicID.IsZero() {
			t.Errorf("proposal error %v: result %+v, want %v", tt.err, res[0], tt.want)
		}
		if !errors.Is(res[1].Err, ErrInvalidTopic) {
			t.Errorf("proposal error %v replaced a validation error: %+v", tt.err, res[1])
		}
	}
}

func TestAllocateAndRegisterThroughController(t *testing.T) {
	log := withBroker(t, false)
	c := newTestController(t, log)
	ctx := context.Background()
	first, count, err := c.AllocateProducerIDs(ctx, 1, 7)
	if err != nil || first != 0 || count != ProducerIDBlockSize {
		t.Fatalf("first block %d+%d, %v", first, count, err)
	}
	first, _, err = c.AllocateProducerIDs(ctx, 1, 7)
	if err != nil || first != ProducerIDBlockSize {
		t.Fatalf("second block at %d, %v", first, err)
	}
	if _, _, err := c.AllocateProducerIDs(ctx, 1, 8); !errors.Is(err, ErrStaleBrokerEpoch) {
		t.Fatalf("wrong epoch: %v", err)
	}
	epoch, err := c.RegisterBroker(ctx, BrokerRegistration{BrokerID: 2, ClusterID: testClusterID, IncarnationID: metadata.UUID{9}})
	if err != nil || log.Image().Broker(2).Epoch != epoch {
		t.Fatalf("register: epoch %d, %v", epoch, err)
	}
	if _, err := c.RegisterBroker(ctx, BrokerRegistration{BrokerID: 3, ClusterID: "nope"}); !errors.Is(err, ErrInconsistentClusterID) {
		t.Fatalf("wrong cluster: %v", err)
	}
}

func TestApplySetDelete(t *testing.T) {
	cur := map[string]string{"a": "1", "b": "2"}
	got, err := ApplySetDelete(metadata.ResourceTopic, cur, []ConfigOp{{Name: "a", Op: config.OpDelete}, {Name: "c", Op: config.OpSet, Value: ptr("3")}})
	if err != nil || len(got) != 2 || got["c"] != "3" || got["b"] != "2" || cur["a"] != "1" {
		t.Fatalf("got %v, %v (current %v)", got, err, cur)
	}
	if _, err := ApplySetDelete(metadata.ResourceTopic, cur, []ConfigOp{{Name: "a", Op: config.OpAppend, Value: ptr("x")}}); err == nil {
		t.Fatal("APPEND accepted")
	}
	if _, err := ApplySetDelete(metadata.ResourceTopic, cur, []ConfigOp{{Name: "a", Op: config.OpSet}}); err == nil {
		t.Fatal("SET without value accepted")
	}
}
