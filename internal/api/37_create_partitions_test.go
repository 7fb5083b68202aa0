package api_test

import (
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func growTopic(name string, count int32, assignments ...[]int32) kmsg.CreatePartitionsRequestTopic {
	t := kmsg.NewCreatePartitionsRequestTopic()
	t.Topic, t.Count = name, count
	for _, a := range assignments {
		ra := kmsg.NewCreatePartitionsRequestTopicAssignment()
		ra.Replicas = a
		t.Assignment = append(t.Assignment, ra)
	}
	return t
}

func (tb *testBroker) createPartitions(v int16, validateOnly bool, topics ...kmsg.CreatePartitionsRequestTopic) map[string]kmsg.CreatePartitionsResponseTopic {
	tb.t.Helper()
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.Version, req.ValidateOnly, req.Topics = v, validateOnly, topics
	resp := tb.request(req).(*kmsg.CreatePartitionsResponse)
	out := map[string]kmsg.CreatePartitionsResponseTopic{}
	for _, rt := range resp.Topics {
		if _, ok := out[rt.Topic]; ok {
			tb.t.Fatalf("%s answered twice", rt.Topic)
		}
		out[rt.Topic] = rt
	}
	return out
}

func TestCreatePartitions(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("grow", "manual", "same", "shrink", "twice")
	got := tb.createPartitions(3, false,
		growTopic("grow", 3),
		growTopic("manual", 3, []int32{1}, []int32{1}),
		growTopic("same", 1),
		growTopic("shrink", 0),
		growTopic("missing", 2),
		growTopic("twice", 2), growTopic("twice", 3))
	if len(got) != 6 {
		t.Fatalf("%d results: %+v", len(got), got)
	}
	for name, want := range map[string]struct {
		code    int16
		message string
	}{
		"grow":    {0, ""},
		"manual":  {0, ""},
		"same":    {kerr.InvalidPartitions.Code, "Topic already has 1 partition(s)."},
		"shrink":  {kerr.InvalidPartitions.Code, "The topic shrink currently has 1 partition(s); 0 would not be an increase."},
		"missing": {kerr.UnknownTopicOrPartition.Code, "This server does not host this topic-partition."},
		"twice":   {kerr.InvalidRequest.Code, "Duplicate topic name."},
	} {
		rt := got[name]
		if rt.ErrorCode != want.code || want.code != 0 && str(rt.ErrorMessage) != want.message {
			t.Errorf("%s: %d %q; want %d %q", name, rt.ErrorCode, str(rt.ErrorMessage), want.code, want.message)
		}
	}
	for name, n := range map[string]int{"grow": 3, "manual": 3, "same": 1, "twice": 1} {
		if parts := tb.topicMetadata(name).Partitions; len(parts) != n {
			t.Errorf("%s has %d partitions, want %d", name, len(parts), n)
		}
	}
}

func TestCreatePartitionsAssignmentErrors(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("a", "b")
	got := tb.createPartitions(3, false,
		growTopic("a", 3, []int32{1}),
		growTopic("b", 2, []int32{7}))
	if a := got["a"]; a.ErrorCode != kerr.InvalidReplicaAssignment.Code ||
		str(a.ErrorMessage) != "Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified." {
		t.Errorf("too few assignments: %d %q", a.ErrorCode, str(a.ErrorMessage))
	}
	if b := got["b"]; b.ErrorCode != kerr.InvalidReplicaAssignment.Code {
		t.Errorf("unknown broker: %d %q", b.ErrorCode, str(b.ErrorMessage))
	}
}

func TestCreatePartitionsValidateOnly(t *testing.T) {
	tb := startBroker(t, nil)
	tb.mustCreate("dry")
	for v := int16(0); v <= 3; v++ {
		got := tb.createPartitions(v, true, growTopic("dry", 4), growTopic("dry-missing", 2))
		if got["dry"].ErrorCode != 0 || got["dry-missing"].ErrorCode != kerr.UnknownTopicOrPartition.Code {
			t.Errorf("v%d: %+v", v, got)
		}
	}
	if n := len(tb.topicMetadata("dry").Partitions); n != 1 {
		t.Errorf("validate only added partitions: %d", n)
	}
}

func TestCreatePartitionsWithKadm(t *testing.T) {
	tb := startBroker(t, nil)
	ctx := testCtx(t)
	tb.mustCreate("kadm-grow")
	resps, err := tb.admin.CreatePartitions(ctx, 2, "kadm-grow", "kadm-missing")
	if err != nil {
		t.Fatal(err)
	}
	if r := resps["kadm-grow"]; r.Err != nil {
		t.Errorf("grow: %v", r.Err)
	}
	if r := resps["kadm-missing"]; !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
		t.Errorf("missing: %v", r.Err)
	}
	resps, err = tb.admin.UpdatePartitions(ctx, 2, "kadm-grow")
	if err != nil {
		t.Fatal(err)
	}
	if r := resps["kadm-grow"]; !errors.Is(r.Err, kerr.InvalidPartitions) ||
		r.ErrMessage != "The topic kadm-grow currently has 3 partition(s); 2 would not be an increase." {
		t.Errorf("shrink: %v %q", r.Err, r.ErrMessage)
	}
	topics, err := tb.admin.ListTopics(ctx, "kadm-grow")
	if err != nil || len(topics["kadm-grow"].Partitions) != 3 {
		t.Fatalf("list: %v %+v", err, topics)
	}
}
