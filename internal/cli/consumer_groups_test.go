package cli

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The consumer-groups tests run against Spool's broker (newGroupsCluster),
// classic and KIP-848 ("consumer" type) groups alike.

// newGroupsCluster starts Spool's in-process broker for a consumer-groups
// test, with group.initial.rebalance.delay.ms=0 (as Kafka's sample
// server.properties) so that a group's first member does not wait 3s.
func newGroupsCluster(t *testing.T, seeds ...topicSeed) string {
	t.Helper()
	return newSpoolNode(t, map[string]string{"group.initial.rebalance.delay.ms": "0"}, seeds...).Addr()
}

// spoolNodeID is the node id of newGroupsCluster's broker (testcluster's
// node.id).
const spoolNodeID = 1

// coordinatorColumn is the COORDINATOR (ID) cell of --state for a group
// coordinated by broker id at bs, padded as Kafka pads it.
func coordinatorColumn(bs string, id int) string {
	return fmt.Sprintf("%-25s", fmt.Sprintf("%s  (%d)", bs, id))
}

// groups runs `spool consumer-groups --bootstrap-server bs args...`.
func groups(t *testing.T, bs string, args ...string) result {
	t.Helper()
	return run(t, "", append([]string{"consumer-groups", "--bootstrap-server", bs}, args...)...)
}

// produceTo writes one record per timestamp (zero: now) to one partition.
func produceTo(t *testing.T, bs, topic string, partition int32, stamps ...time.Time) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bs), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for i, ts := range stamps {
		recs = append(recs, &kgo.Record{Topic: topic, Partition: partition, Value: []byte(fmt.Sprint(i)), Timestamp: ts})
	}
	if err := cl.ProduceSync(t.Context(), recs...).FirstErr(); err != nil {
		t.Fatalf("produce to %s-%d: %v", topic, partition, err)
	}
}

func now(n int) []time.Time { return make([]time.Time, n) }

// commitOffset sets a group's committed offsets with the tool itself, which also
// creates the group (empty, with no members).
func commitOffset(t *testing.T, bs, group, topicPartitions string, offset int64) {
	t.Helper()
	r := groups(t, bs, "--reset-offsets", "--group", group, "--topic", topicPartitions, "--to-offset", fmt.Sprint(offset), "--execute")
	if r.code != 0 || strings.Contains(r.stdout, "Error") {
		t.Fatalf("commit %s %s=%d: %+v", group, topicPartitions, offset, r)
	}
}

// member starts a group member consuming topics; consumer=true uses the
// KIP-848 protocol. It returns once the group is stable with the member's
// assignment.
func member(t *testing.T, bs, group, clientID string, consumer bool, topics ...string) {
	t.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(bs), kgo.ConsumerGroup(group), kgo.ConsumeTopics(topics...), kgo.ClientID(clientID)}
	if consumer {
		opts = append(opts, kgo.ServerSideBalancer())
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)
	checkGroup(t, func() error {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if consumer {
			d, err := adm.DescribeConsumerGroups(ctx, group)
			g := d[group]
			if err == nil && (g.State != "Stable" || len(g.Members) != 1 || len(g.AssignedPartitions()) == 0) {
				err = fmt.Errorf("group %s: %+v", group, g)
			}
			return err
		}
		d, err := adm.DescribeGroups(ctx, group)
		g := d[group]
		if err == nil && (g.State != "Stable" || len(g.AssignedPartitions()) == 0) {
			err = fmt.Errorf("group %s: %+v", group, g)
		}
		return err
	})
}

// checkGroup polls fn until it returns nil.
func checkGroup(t *testing.T, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConsumerGroupsUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--list"}, `Missing required argument "[bootstrap-server]"`},
		{[]string{"--bootstrap-server", "x:1", "--list", "--members"}, "Option(s) [members] are unavailable given other options on the command line"},
		{[]string{"--bootstrap-server", "x:1", "--delete", "--group", "g", "--verbose"}, "Option(s) [verbose] are unavailable given other options on the command line"},
		{[]string{"--bootstrap-server", "x:1", "--delete", "--group", "g", "--state"}, "Option(s) [state] are unavailable given other options on the command line"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--group", "g", "--type"}, "Option(s) [type] are unavailable given other options on the command line"},
		{[]string{"--bootstrap-server", "x:1", "--describe"}, "Option [describe] takes one of these options: [all-groups], [group]"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--group", "g", "--members", "--state"}, "Option [describe] takes at most one of these options: [members], [offsets], [state]"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--group", "g", "--offsets", "--members"}, "Option [describe] takes at most one of these options: [members], [offsets], [state]"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--group", "g", "--state", "stable"}, "Option [describe] does not take a value for [state]"},
		{[]string{"--bootstrap-server", "x:1", "--delete"}, "Option [delete] takes one of these options: [all-groups], [group]"},
		{[]string{"--bootstrap-server", "x:1", "--delete", "--group", "g", "--topic", "t"}, "The consumer does not support topic-specific offset deletion from a consumer group."},
		{[]string{"--bootstrap-server", "x:1", "--delete-offsets", "--group", "g"}, "Option [delete-offsets] takes the following options: [topic], [group]"},
		{[]string{"--bootstrap-server", "x:1", "--delete-offsets", "--topic", "t"}, "Option [delete-offsets] takes the following options: [topic], [group]"},
		{[]string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--dry-run", "--execute"}, "Option [reset-offsets] only accepts one of [execute] and [dry-run]"},
		{[]string{"--bootstrap-server", "x:1", "--reset-offsets", "--dry-run", "--to-earliest"}, "Option [reset-offsets] takes one of these options: [all-groups], [group]"},
		{[]string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--dry-run", "--to-earliest", "--to-latest"}, `Option "[to-earliest]" can't be used with option "[to-latest]"`},
		{[]string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--dry-run", "--shift-by", "1", "--to-offset", "2"}, `Option "[to-offset]" can't be used with option "[shift-by]"`},
		{[]string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--dry-run", "--from-file", "f", "--to-datetime", "d"}, `Option "[to-datetime]" can't be used with option "[from-file]"`},
		{[]string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--dry-run", "--to-current", "--by-duration", "PT1H"}, `Option "[by-duration]" can't be used with option "[to-current]"`},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--group", "g", "--all-groups"}, `Option "[group]" can't be used with option "[all-groups]"`},
		{[]string{"--bootstrap-server", "x:1", "--list", "--group", "g"}, `Option "[group]" can't be used with option "[list]"`},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--group", "g", "--topic", "t"}, `Option "[topic]" can't be used with option "[describe]"`},
		{[]string{"--bootstrap-server", "x:1", "--list", "--topic", "t"}, `Option "[topic]" can't be used with option "[list]"`},
		{[]string{"--bootstrap-server", "x:1", "--all-groups"}, "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"},
		{[]string{"--bootstrap-server", "x:1", "--list", "--describe", "--all-groups"}, "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"},
		{[]string{"--bootstrap-server", "x:1", "--reset-offsets", "--group", "g", "--to-offset", "x"}, "Cannot parse argument 'x' of option to-offset"},
		{[]string{"--bootstrap-server", "x:1", "--list", "--timeout", "soon"}, "Cannot parse argument 'soon' of option timeout"},
	} {
		r := run(t, "", append([]string{"consumer-groups"}, c.args...)...)
		first, table, _ := strings.Cut(r.stderr, "\nOption ")
		if r.code != 1 || r.stdout != "" || !strings.HasSuffix(first, c.want) || !strings.Contains(table, "--bootstrap-server <String: server to") {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q\nwant %q and the option table", c.args, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// TestConsumerGroupsResetWarnsWithoutExecute: a reset without --dry-run or
// --execute is a dry run, with Kafka's warning first.
func TestConsumerGroupsResetWarnsWithoutExecute(t *testing.T) {
	r := run(t, "", "consumer-groups", "--bootstrap-server", "x:1", "--reset-offsets", "--to-earliest")
	want := "WARN: No action will be performed as the --execute option is missing.In a future major release, the default behavior of this command will be to prompt the user before " +
		"executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n" +
		"Option [reset-offsets] takes one of these options: [all-groups], [group]\n"
	if r.code != 1 || !strings.HasPrefix(r.stderr, want) {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestConsumerGroupsList(t *testing.T) {
	bs := newGroupsCluster(t, seed(2, "t"))
	commitOffset(t, bs, "idle", "t:0", 0)
	commitOffset(t, bs, "a-rather-long-group-name", "t:1", 0)
	member(t, bs, "active", "c1", false, "t")

	checkList(t, bs, []listCase{
		{nil, "a-rather-long-group-name\nactive\nidle\n"},
		{[]string{"--state"}, "" +
			"GROUP                              STATE               \n" +
			"a-rather-long-group-name           Empty               \n" +
			"active                             Stable              \n" +
			"idle                               Empty               \n"},
		{[]string{"--state", "stable"}, "" +
			"GROUP                     STATE               \n" +
			"active                    Stable              \n"},
		{[]string{"--state", "Empty,DEAD"}, "" +
			"GROUP                              STATE               \n" +
			"a-rather-long-group-name           Empty               \n" +
			"idle                               Empty               \n"},
		{[]string{"--type"}, "" +
			"GROUP                              TYPE                \n" +
			"a-rather-long-group-name           Classic             \n" +
			"active                             Classic             \n" +
			"idle                               Classic             \n"},
		{[]string{"--type", "consumer"}, "GROUP                     TYPE                \n"},
		{[]string{"--type", "classic", "--state", "stable"}, "" +
			"GROUP                     TYPE                 STATE               \n" +
			"active                    Classic              Stable              \n"},
		{[]string{"--state", "reconciling"}, "GROUP                     STATE               \n"},
	})

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--state", "bogus,stable"}, "Invalid state list 'bogus,stable'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty, Assigning, Reconciling\n"},
		{[]string{"--state", "unknown"}, "Invalid state list 'unknown'. Valid states are: "},
		{[]string{"--type", "share"}, "Invalid types list 'share'. Valid types are: Consumer, Classic\n"},
	} {
		r := groups(t, bs, append([]string{"--list"}, c.args...)...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, c.want) || !strings.Contains(r.stderr, "\nOption ") {
			t.Errorf("--list %v: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
	}
}

// TestConsumerGroupsListConsumerProtocol: a KIP-848 group beside classic
// ones, told apart by --type.
func TestConsumerGroupsListConsumerProtocol(t *testing.T) {
	bs := newGroupsCluster(t, seed(2, "t"))
	commitOffset(t, bs, "idle", "t:0", 0)
	member(t, bs, "active", "c1", false, "t")
	member(t, bs, "next-gen", "c2", true, "t")

	checkList(t, bs, []listCase{
		{nil, "active\nidle\nnext-gen\n"},
		{[]string{"--state", "stable"}, "" +
			"GROUP                     STATE               \n" +
			"active                    Stable              \n" +
			"next-gen                  Stable              \n"},
		{[]string{"--type"}, "" +
			"GROUP                     TYPE                \n" +
			"active                    Classic             \n" +
			"idle                      Classic             \n" +
			"next-gen                  Consumer            \n"},
		{[]string{"--type", "consumer"}, "" +
			"GROUP                     TYPE                \n" +
			"next-gen                  Consumer            \n"},
		{[]string{"--type", "classic", "--state", "stable"}, "" +
			"GROUP                     TYPE                 STATE               \n" +
			"active                    Classic              Stable              \n"},
	})
}

type listCase struct {
	args []string
	want string
}

// checkList runs --list with each case's options.
func checkList(t *testing.T, bs string, cases []listCase) {
	t.Helper()
	for _, c := range cases {
		r := groups(t, bs, append([]string{"--list"}, c.args...)...)
		if r.code != 0 || r.stdout != c.want || r.stderr != "" {
			t.Errorf("--list %v: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %q", c.args, r.code, r.stdout, c.want, r.stderr)
		}
	}
}

// TestConsumerGroupsDescribeIdle: a group with committed offsets and no
// members, in every view.
func TestConsumerGroupsDescribeIdle(t *testing.T) {
	bs := newGroupsCluster(t, seed(2, "t"), seed(1, "topic-with-a-long-name"))
	produceTo(t, bs, "t", 0, now(3)...)
	produceTo(t, bs, "t", 1, now(1)...)
	commitOffset(t, bs, "idle", "t:0", 2)
	commitOffset(t, bs, "idle", "t:1", 0)
	commitOffset(t, bs, "idle", "topic-with-a-long-name:0", 0)
	noMembers := "\nConsumer group 'idle' has no active members.\n"

	for _, c := range []struct {
		args           []string
		stdout, stderr string
	}{
		{nil, "\n" +
			"GROUP           TOPIC                  PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
			"idle            t                      0          2               3               1               -               -               -\n" +
			"idle            t                      1          0               1               1               -               -               -\n" +
			"idle            topic-with-a-long-name 0          0               0               0               -               -               -\n", noMembers},
		{[]string{"--offsets", "--verbose"}, "\n" +
			"GROUP           TOPIC                  PARTITION  LEADER-EPOCH    CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
			"idle            t                      0          -               2               3               1               -               -               -\n" +
			"idle            t                      1          -               0               1               1               -               -               -\n" +
			"idle            topic-with-a-long-name 0          -               0               0               0               -               -               -\n", noMembers},
		{[]string{"--members"}, "\n" +
			"GROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n", noMembers},
		{[]string{"--members", "--verbose"}, "\n" +
			"GROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     CURRENT-EPOCH   CURRENT-ASSIGNMENT   TARGET-EPOCH    TARGET-ASSIGNMENT   \n", noMembers},
	} {
		r := groups(t, bs, append([]string{"--describe", "--group", "idle"}, c.args...)...)
		if r.code != 0 || r.stdout != c.stdout || r.stderr != c.stderr {
			t.Errorf("--describe %v: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %q", c.args, r.code, r.stdout, c.stdout, r.stderr)
		}
	}

	coordinator := coordinatorColumn(bs, spoolNodeID)
	r := groups(t, bs, "--describe", "--group", "idle", "--state")
	want := "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n" +
		"idle            " + coordinator + " -                    Empty                0\n"
	if r.code != 0 || r.stdout != want || r.stderr != noMembers {
		t.Errorf("--state:\n%s\nwant:\n%s\nstderr: %q", r.stdout, want, r.stderr)
	}
	r = groups(t, bs, "--describe", "--group", "idle", "--state", "--verbose")
	want = "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                GROUP-EPOCH     TARGET-ASSIGNMENT-EPOCH   #MEMBERS\n" +
		"idle            " + coordinator + " -                    Empty                -               -                         0\n"
	if r.code != 0 || r.stdout != want || r.stderr != noMembers {
		t.Errorf("--state --verbose:\n%s\nwant:\n%s\nstderr: %q", r.stdout, want, r.stderr)
	}

	// A group with no offsets and no members prints no table at all.
	commitOffset(t, bs, "other", "t:0", 1)
	mustRun(t, "", "consumer-groups", "--bootstrap-server", bs, "--delete-offsets", "--group", "other", "--topic", "t")
	r = groups(t, bs, "--describe", "--group", "other")
	if r.code != 0 || r.stdout != "" || r.stderr != "\nConsumer group 'other' has no active members.\n" {
		t.Errorf("group without offsets: %+v", r)
	}
}

// TestConsumerGroupsDescribeMissing: every view of a group that does not
// exist fails the way Kafka 4's tool does, exit status 0 included.
func TestConsumerGroupsDescribeMissing(t *testing.T) {
	bs := newGroupsCluster(t, seed(1, "t"))
	commitOffset(t, bs, "there", "t:0", 0)
	const want = "\nError: Executing consumer group command failed due to org.apache.kafka.common.errors.GroupIdNotFoundException: Group missing not found.\n"
	for _, view := range [][]string{nil, {"--offsets"}, {"--offsets", "--verbose"}, {"--members"}, {"--members", "--verbose"}, {"--state"}, {"--state", "--verbose"}} {
		r := groups(t, bs, append([]string{"--describe", "--group", "missing", "--group", "there"}, view...)...)
		if r.code != 0 || r.stdout != want || !strings.HasPrefix(r.stderr, "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupIdNotFoundException") {
			t.Errorf("%v: %+v", view, r)
		}
	}
}

// TestConsumerGroupsDescribeActive: a live classic group and an idle one,
// in every view, and --all-groups, which describes each in name order.
func TestConsumerGroupsDescribeActive(t *testing.T) {
	bs := newGroupsCluster(t, seed(2, "t"), seed(1, "u"))
	produceTo(t, bs, "t", 0, now(4)...)
	member(t, bs, "classic", "client-a", false, "t", "u")
	commitOffset(t, bs, "quiet", "u:0", 0)

	adm := kadm.NewClient(mustClient(t, bs))
	dg, err := adm.DescribeGroups(t.Context(), "classic")
	if err != nil {
		t.Fatal(err)
	}
	cm := dg["classic"].Members[0]
	if cm.ClientHost != "/127.0.0.1" {
		t.Errorf("member host %q, want /127.0.0.1", cm.ClientHost)
	}
	r := groups(t, bs, "--describe", "--group", "classic")
	if want := activeOffsets("classic", cm.MemberID, cm.ClientHost, "client-a"); r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("offsets:\n%s\nwant:\n%s\nstderr %q", r.stdout, want, r.stderr)
	}
	r = groups(t, bs, "--describe", "--group", "classic", "--members", "--verbose")
	if want := activeMembers("classic", cm.MemberID, cm.ClientHost, "client-a", "-", "-", "-"); r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("members, verbose:\n%s\nwant:\n%s\nstderr %q", r.stdout, want, r.stderr)
	}
	r = groups(t, bs, "--describe", "--group", "classic", "--members")
	want := fmt.Sprintf("\n%-15s %-*s %-15s %-15s %-15s \n%-15s %-*s %-15s %-15s %-15s \n",
		"GROUP", len(cm.MemberID), "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS",
		"classic", len(cm.MemberID), cm.MemberID, cm.ClientHost, "client-a", "3")
	if r.stdout != want {
		t.Errorf("members:\n%q\nwant:\n%q", r.stdout, want)
	}

	// State: the assignor is the protocol the group chose.
	coordinator := coordinatorColumn(bs, spoolNodeID)
	r = groups(t, bs, "--describe", "--all-groups", "--state", "--verbose")
	want = "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                GROUP-EPOCH     TARGET-ASSIGNMENT-EPOCH   #MEMBERS\n" +
		"classic         " + coordinator + " cooperative-sticky   Stable               -               -                         1\n" +
		"\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                GROUP-EPOCH     TARGET-ASSIGNMENT-EPOCH   #MEMBERS\n" +
		"quiet           " + coordinator + " -                    Empty                -               -                         0\n"
	if r.code != 0 || r.stdout != want || r.stderr != "\nConsumer group 'quiet' has no active members.\n" {
		t.Errorf("--all-groups --state --verbose:\n%s\nwant:\n%s\nstderr %q", r.stdout, want, r.stderr)
	}
}

// TestConsumerGroupsDescribeConsumerProtocol: a KIP-848 group in every
// view, with member and target epochs, beside a classic one.
func TestConsumerGroupsDescribeConsumerProtocol(t *testing.T) {
	bs := newGroupsCluster(t, seed(2, "t"), seed(1, "u"))
	produceTo(t, bs, "t", 0, now(4)...)
	member(t, bs, "classic", "client-a", false, "t", "u")
	member(t, bs, "modern", "client-b", true, "t", "u")

	adm := kadm.NewClient(mustClient(t, bs))
	dc, err := adm.DescribeConsumerGroups(t.Context(), "modern")
	if err != nil {
		t.Fatal(err)
	}
	mm := dc["modern"].Members[0]
	r := groups(t, bs, "--describe", "--group", "modern")
	if want := activeOffsets("modern", mm.MemberID, mm.ClientHost, "client-b"); r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("offsets:\n%s\nwant:\n%s\nstderr %q", r.stdout, want, r.stderr)
	}
	r = groups(t, bs, "--describe", "--group", "modern", "--members", "--verbose")
	want := activeMembers("modern", mm.MemberID, mm.ClientHost, "client-b", fmt.Sprint(mm.MemberEpoch), fmt.Sprint(dc["modern"].AssignmentEpoch), "t:0,1;u:0")
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("members, verbose:\n%s\nwant:\n%s\nstderr %q", r.stdout, want, r.stderr)
	}

	// State: the KIP-848 group's server-side assignor and epochs; the
	// classic group is described through DescribeGroups in the same run.
	coordinator := coordinatorColumn(bs, spoolNodeID)
	r = groups(t, bs, "--describe", "--all-groups", "--state", "--verbose")
	want = "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                GROUP-EPOCH     TARGET-ASSIGNMENT-EPOCH   #MEMBERS\n" +
		"classic         " + coordinator + " cooperative-sticky   Stable               -               -                         1\n" +
		"\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                GROUP-EPOCH     TARGET-ASSIGNMENT-EPOCH   #MEMBERS\n" +
		fmt.Sprintf("modern          %s uniform              Stable               %-15d %-25d 1\n", coordinator, dc["modern"].Epoch, dc["modern"].AssignmentEpoch)
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Errorf("--all-groups --state --verbose:\n%s\nwant:\n%s\nstderr %q", r.stdout, want, r.stderr)
	}
}

// activeOffsets is the offsets view of a group whose one member has t-0,
// t-1 and u-0, with four records in t-0 and nothing committed yet: one row
// per assigned partition, in topic and partition order.
func activeOffsets(group, id, host, client string) string {
	idw, hw := max(15, len(id)), max(15, len(host))
	line := func(cols ...string) string {
		return fmt.Sprintf("%-15s %-15s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], idw, cols[6], hw, cols[7], cols[8])
	}
	return "\n" + line("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID") +
		line(group, "t", "0", "-", "4", "-", id, host, client) +
		line(group, "t", "1", "-", "0", "-", id, host, client) +
		line(group, "u", "0", "-", "0", "-", id, host, client)
}

// activeMembers is the verbose members view of that group; a classic
// group has no epochs.
func activeMembers(group, id, host, client, epoch, targetEpoch, target string) string {
	idw, hw, cw := max(15, len(id)), max(15, len(host)), max(15, len(client))
	line := func(cols ...string) string {
		return fmt.Sprintf("%-15s %-*s %-*s %-*s %-15s %-15s %-20s %-15s %-20s\n", cols[0], idw, cols[1], hw, cols[2], cw, cols[3], cols[4], cols[5], cols[6], cols[7], cols[8])
	}
	return "\n" + line("GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS", "CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT") +
		line(group, id, host, client, "3", epoch, "t:0,1;u:0", targetEpoch, target)
}

func mustClient(t *testing.T, bs string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// TestConsumerGroupsDescribeStaticMember: a static member (group.instance.id)
// of a live classic group adds the GROUP-INSTANCE-ID column to --members,
// as Spool's DescribeGroups reports it.
func TestConsumerGroupsDescribeStaticMember(t *testing.T) {
	bs := newGroupsCluster(t, seed(1, "t"))
	cl, err := kgo.NewClient(kgo.SeedBrokers(bs), kgo.ConsumerGroup("static"), kgo.ConsumeTopics("t"),
		kgo.ClientID("client-s"), kgo.InstanceID("instance-1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(mustClient(t, bs))
	var m kadm.DescribedGroupMember
	checkGroup(t, func() error {
		d, err := adm.DescribeGroups(t.Context(), "static")
		g := d["static"]
		if err == nil && (g.State != "Stable" || len(g.AssignedPartitions()) == 0) {
			return fmt.Errorf("group static: %+v", g)
		}
		if err == nil {
			m = g.Members[0]
		}
		return err
	})
	r := groups(t, bs, "--describe", "--group", "static", "--members")
	idw := max(15, len(m.MemberID))
	want := fmt.Sprintf("\n%-15s %-*s %-17s %-15s %-15s %-15s \n%-15s %-*s %-17s %-15s %-15s %-15s \n",
		"GROUP", idw, "CONSUMER-ID", "GROUP-INSTANCE-ID", "HOST", "CLIENT-ID", "#PARTITIONS",
		"static", idw, m.MemberID, "instance-1", "/127.0.0.1", "client-s", "1")
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Fatalf("members of a static member:\n%q\nwant:\n%q\nstderr %q", r.stdout, want, r.stderr)
	}
}

// TestConsumerGroupsDescribeRebalancing: a group held in PreparingRebalance
// (its first member waits out a long group.initial.rebalance.delay.ms) is
// described with Kafka's warning, its member counted, no strategy chosen
// yet, and no offsets table while nothing is assigned or committed.
func TestConsumerGroupsDescribeRebalancing(t *testing.T) {
	bs := newSpoolNode(t, map[string]string{"group.initial.rebalance.delay.ms": "30000"}, seed(1, "t")).Addr()
	// A raw JoinGroup, not a kgo group member: closing a member whose join
	// is held would wait for the delay to end.
	cl := mustClient(t, bs)
	join := func(ctx context.Context, memberID string) (*kmsg.JoinGroupResponse, error) {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Group, req.MemberID, req.ProtocolType = "joining", memberID, "consumer"
		req.SessionTimeoutMillis, req.RebalanceTimeoutMillis = 45000, 60000
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "range", (&kmsg.ConsumerMemberMetadata{Topics: []string{"t"}}).AppendTo(nil)
		req.Protocols = append(req.Protocols, p)
		return req.RequestWith(ctx, cl)
	}
	first, err := join(t.Context(), "")
	if err != nil || first.ErrorCode != kerr.MemberIDRequired.Code {
		t.Fatalf("first join: %v %+v", err, first)
	}
	ctx, cancel := context.WithCancel(t.Context())
	held := make(chan struct{})
	go func() {
		defer close(held)
		_, _ = join(ctx, first.MemberID) // answered when the delay ends; cancelled first
	}()
	t.Cleanup(func() { cancel(); <-held })

	adm := kadm.NewClient(cl)
	checkGroup(t, func() error {
		d, err := adm.DescribeGroups(t.Context(), "joining")
		if g := d["joining"]; err == nil && (g.State != "PreparingRebalance" || len(g.Members) != 1) {
			err = fmt.Errorf("group joining: %+v", g)
		}
		return err
	})

	const warning = "\nWarning: Consumer group 'joining' is rebalancing.\n"
	r := groups(t, bs, "--describe", "--group", "joining")
	if r.code != 0 || r.stdout != "" || r.stderr != warning {
		t.Errorf("offsets: %+v", r)
	}
	r = groups(t, bs, "--describe", "--group", "joining", "--state")
	want := "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n" +
		"joining         " + coordinatorColumn(bs, spoolNodeID) + " -                    PreparingRebalance   1\n"
	if r.code != 0 || r.stdout != want || r.stderr != warning {
		t.Errorf("--state:\n%s\nwant:\n%s\nstderr %q", r.stdout, want, r.stderr)
	}
	r = groups(t, bs, "--list", "--state", "PreparingRebalance")
	if want := "GROUP                     STATE               \njoining                   PreparingRebalance  \n"; r.stdout != want {
		t.Errorf("--list --state:\n%q\nwant:\n%q", r.stdout, want)
	}
}
