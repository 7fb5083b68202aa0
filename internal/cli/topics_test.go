package cli

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestTopicsCreateListDescribeDelete(t *testing.T) {
	bs := newCluster(t)
	r := mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "orders", "--partitions", "3", "--replication-factor", "1", "--config", "retention.ms=1000")
	if r.stdout != "Created topic orders.\n" {
		t.Fatalf("create output %q", r.stdout)
	}
	mustRun(t, "", "topics", "--bootstrap-server="+bs, "--create", "--topic=payments")

	r = mustRun(t, "", "topics", "--bootstrap-server", bs, "--list")
	if got := lines(r.stdout); strings.Join(got, ",") != "orders,payments" {
		t.Fatalf("list = %q", got)
	}
	r = mustRun(t, "", "topics", "--bootstrap-server", bs, "--list", "--topic", "ord.*")
	if r.stdout != "orders\n" {
		t.Fatalf("list with regex = %q", r.stdout)
	}

	r = mustRun(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "orders")
	got := lines(r.stdout)
	if len(got) != 4 {
		t.Fatalf("describe printed %d lines:\n%s", len(got), r.stdout)
	}
	head := regexp.MustCompile(`^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: .*retention.ms=1000`)
	if !head.MatchString(got[0]) {
		t.Fatalf("describe header %q", got[0])
	}
	for i, l := range got[1:] {
		want := regexp.MustCompile(`^\tTopic: orders\tPartition: ` + string(rune('0'+i)) + `\tLeader: \d+\tReplicas: \d+\tIsr: \d+\tElr: \tLastKnownElr: $`)
		if !want.MatchString(l) {
			t.Fatalf("partition line %q", l)
		}
	}

	// By topic id Kafka describes through Metadata, which has no ELR.
	id := regexp.MustCompile(`TopicId: (\S+)`).FindStringSubmatch(got[0])[1]
	r = mustRun(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic-id", id)
	if l := lines(r.stdout); len(l) != 4 || !strings.HasPrefix(l[0], "Topic: orders\tTopicId: "+id) || !strings.HasSuffix(l[1], "\tElr: N/A\tLastKnownElr: N/A") {
		t.Fatalf("describe by id:\n%s", r.stdout)
	}
	r = run(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic-id", "AAAAAAAAAAAAAAAAAAAAAQ")
	if r.code != 1 || r.stdout != "Error while executing topic command : TopicId 'AAAAAAAAAAAAAAAAAAAAAQ' does not exist as expected\n" {
		t.Fatalf("unknown id: %+v", r)
	}

	mustRun(t, "", "topics", "--bootstrap-server", bs, "--delete", "--topic", "payments")
	r = mustRun(t, "", "topics", "--bootstrap-server", bs, "--list")
	if r.stdout != "orders\n" {
		t.Fatalf("list after delete = %q", r.stdout)
	}
}

func TestTopicsCreateErrors(t *testing.T) {
	bs := newCluster(t, seed(1, "exists"))
	r := run(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "exists")
	// The broker's error message is printed, as Kafka's tool does.
	if r.code != 1 || r.stdout != "Error while executing topic command : Topic 'exists' already exists.\n" {
		t.Fatalf("duplicate create: %+v", r)
	}
	r = mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "exists", "--if-not-exists")
	if r.stdout != "" {
		t.Fatalf("--if-not-exists printed %q", r.stdout)
	}
	r = run(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "x", "--partitions", "0")
	if r.code != 1 || !strings.Contains(r.stdout, "The partitions must be greater than 0") {
		t.Fatalf("zero partitions: %+v", r)
	}
	r = run(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", "x", "--config", "retention.ms")
	if r.code != 1 || !strings.Contains(r.stdout, `all configs to be added must be in the format "key=val"`) {
		t.Fatalf("bad config: %+v", r)
	}
	r = run(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "nope")
	if r.code != 1 || r.stdout != "Error while executing topic command : Topic 'nope' does not exist as expected\n" {
		t.Fatalf("describe missing: %+v", r)
	}
	mustRun(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "nope", "--if-exists")
}

func TestTopicsAlterPartitions(t *testing.T) {
	bs := newCluster(t, seed(1, "grow"))
	mustRun(t, "", "topics", "--bootstrap-server", bs, "--alter", "--topic", "grow", "--partitions", "4")
	r := mustRun(t, "", "topics", "--bootstrap-server", bs, "--describe", "--topic", "grow")
	if !strings.Contains(r.stdout, "PartitionCount: 4\t") {
		t.Fatalf("after alter:\n%s", r.stdout)
	}
	r = run(t, "", "topics", "--bootstrap-server", bs, "--alter", "--topic", "grow", "--partitions", "4", "--config", "a=b")
	if r.code != 1 || !strings.HasPrefix(r.stderr, `Option combination "[bootstrap-server, config]" can't be used with option "[alter]"`) {
		t.Fatalf("alter with config: %+v", r)
	}
}

func TestTopicsUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bootstrap-server", "x:1"}, "Command must include exactly one action: --list, --describe, --create, --alter or --delete"},
		{[]string{"--list", "--create", "--bootstrap-server", "x:1"}, "Command must include exactly one action"},
		{[]string{"--list"}, "--bootstrap-server must be specified"},
		{[]string{"--create", "--bootstrap-server", "x:1"}, `Missing required argument "[topic]"`},
		{[]string{"--describe", "--bootstrap-server", "x:1", "--partitions", "3"}, `Option "[partitions]" can't be used with option "[describe]"`},
		{[]string{"--create", "--bootstrap-server", "x:1", "--topic", "t", "--replica-assignment", "1:2", "--partitions", "3"}, `Option "[replica-assignment]" can't be used with option "[partitions]"`},
		{[]string{"--list", "--bootstrap-server", "x:1", "--bogus"}, "bogus is not a recognized option"},
		{[]string{"--list", "--bootstrap-server"}, "Option bootstrap-server requires an argument"},
		{[]string{"--create", "--bootstrap-server", "x:1", "--topic", "t", "--partitions", "many"}, "Cannot parse argument 'many' of option partitions"},
		{[]string{"--zookeeper", "localhost:2181", "--list"}, "Spool keeps its metadata in its own Raft quorum"},
	}
	for _, c := range cases {
		r := run(t, "", append([]string{"topics"}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("topics %v: exit %d, stderr %q; want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestParseReplicaAssignment(t *testing.T) {
	got, err := parseReplicaAssignment("1:2, 2:3,3 :1")
	if err != nil || javaList(got) != "[[1 2], [2 3], [3 1]]" {
		t.Fatalf("got %v, %v", got, err)
	}
	if _, err := parseReplicaAssignment("1:1"); err == nil || err.Error() != "Partition replica lists may not contain duplicate entries: 1" {
		t.Fatalf("duplicates: %v", err)
	}
	if _, err := parseReplicaAssignment("1:2,3"); err == nil || err.Error() != "Partition 1 has different replication factor: [3]" {
		t.Fatalf("uneven: %v", err)
	}
}

func TestDescribeReportFilters(t *testing.T) {
	minISR := "2"
	ti := &topicInfo{
		name: "t",
		configs: []kmsg.DescribeConfigsResponseResourceConfig{
			{Name: "min.insync.replicas", Value: &minISR, Source: kmsg.ConfigSourceDynamicTopicConfig},
		},
		partitions: []partitionInfo{
			{partition: 0, leader: 1, replicas: []int32{1, 2, 3}, isr: []int32{1, 2, 3}, hasElr: true},
			{partition: 1, leader: 1, replicas: []int32{1, 2, 3}, isr: []int32{1, 2}, hasElr: true},
			{partition: 2, leader: 9, replicas: []int32{9, 2, 3}, isr: []int32{2}},
			{partition: 3, leader: 1, replicas: []int32{1, 2, 3, 4}, isr: []int32{1, 2, 3}, adding: []int32{4}, reassigning: true},
		},
	}
	live := map[int32]bool{1: true, 2: true, 3: true}
	cases := []struct {
		o    topicsOptions
		want []int
	}{
		{topicsOptions{underReplicated: true}, []int{1, 2}},
		{topicsOptions{unavailable: true}, []int{2}},
		{topicsOptions{underMinISR: true}, []int{2}},
		{topicsOptions{atMinISR: true}, []int{1}},
	}
	for _, c := range cases {
		var b strings.Builder
		c.o.printTopic(&b, ti, live)
		var got []int
		for _, l := range lines(b.String()) {
			var p int
			if _, err := fmt.Sscanf(l[strings.Index(l, "Partition: "):], "Partition: %d", &p); err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			got = append(got, p)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%+v: partitions %v, want %v\n%s", c.o, got, c.want, b.String())
		}
	}
	var b strings.Builder
	(&topicsOptions{}).printTopic(&b, ti, live)
	out := lines(b.String())
	if out[0] != "Topic: t\tPartitionCount: 4\tReplicationFactor: 3\tConfigs: min.insync.replicas=2" {
		t.Errorf("header %q", out[0])
	}
	if out[3] != "\tTopic: t\tPartition: 2\tLeader: none\tReplicas: 9,2,3\tIsr: 2\tElr: N/A\tLastKnownElr: N/A" {
		t.Errorf("leaderless partition %q", out[3])
	}
	if out[4] != "\tTopic: t\tPartition: 3\tLeader: 1\tReplicas: 1,2,3,4\tIsr: 1,2,3\tAdding Replicas: 4\tRemoving Replicas: \tElr: N/A\tLastKnownElr: N/A" {
		t.Errorf("reassigning partition %q", out[4])
	}
	b.Reset()
	(&topicsOptions{withOverrides: true}).printTopic(&b, &topicInfo{name: "plain", partitions: ti.partitions}, live)
	if b.String() != "" {
		t.Errorf("--topics-with-overrides printed a topic without overrides: %q", b.String())
	}
}
