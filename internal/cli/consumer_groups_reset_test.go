package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// resetTable is the plan table Kafka prints, for rows of "group topic
// partition offset" (groups and topics up to 15 characters).
func resetTable(rows ...string) string {
	out := "\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n"
	for _, row := range rows {
		f := strings.Fields(row)
		out += pad(f[0], 15) + " " + pad(f[1], 15) + " " + pad(f[2], 10) + " " + f[3] + "\n"
	}
	return out
}

func pad(s string, n int) string { return s + strings.Repeat(" ", max(0, n-len(s))) }

// resetCluster is a topic r: r-0 holds five records an hour apart from
// 2024-01-01T00:00Z, r-1 two records written now. Group rg has committed
// r-0 at 3 and r-1 at 1.
func resetCluster(t *testing.T) string {
	bs := newGroupsCluster(t, seed(2, "r"))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var stamps []time.Time
	for i := range 5 {
		stamps = append(stamps, base.Add(time.Duration(i)*time.Hour))
	}
	produceTo(t, bs, "r", 0, stamps...)
	produceTo(t, bs, "r", 1, now(2)...)
	commitOffset(t, bs, "rg", "r:0", 3)
	commitOffset(t, bs, "rg", "r:1", 1)
	return bs
}

func TestConsumerGroupsResetScenarios(t *testing.T) {
	bs := resetCluster(t)
	for _, c := range []struct {
		args   []string
		stdout string
		stderr string // a substring; empty: none at all
	}{
		{[]string{"--all-topics", "--to-earliest"}, resetTable("rg r 0 0", "rg r 1 0"), ""},
		{[]string{"--topic", "r", "--to-latest"}, resetTable("rg r 0 5", "rg r 1 2"), ""},
		{[]string{"--topic", "r:1,0", "--to-current"}, resetTable("rg r 0 3", "rg r 1 1"), ""},
		{[]string{"--topic", "r:0", "--to-offset", "4"}, resetTable("rg r 0 4"), ""},
		{[]string{"--topic", "r:0", "--to-offset", "100"}, resetTable("rg r 0 5"),
			"] WARN New offset (100) is higher than latest offset for topic partition r-0. Value will be set to 5. (org.apache.kafka.tools.GroupOffsetsResetter)\n"},
		{[]string{"--topic", "r:0", "--shift-by", "-2"}, resetTable("rg r 0 1"), ""},
		{[]string{"--topic", "r", "--shift-by", "-10"}, resetTable("rg r 0 0", "rg r 1 0"),
			"] WARN New offset (-7) is lower than earliest offset for topic partition r-0. Value will be set to 0. (org.apache.kafka.tools.GroupOffsetsResetter)\n"},
		{[]string{"--topic", "r:0", "--to-datetime", "2024-01-01T02:00:00.000"}, resetTable("rg r 0 2"), ""},
		{[]string{"--topic", "r:0", "--to-datetime", "2024-01-01T03:30:00.000+01:00"}, resetTable("rg r 0 3"), ""},
		{[]string{"--topic", "r:0", "--to-datetime", "2024-01-01T01:59:59.999Z"}, resetTable("rg r 0 2"), ""},
		{[]string{"--topic", "r", "--to-datetime", "2099-01-01T00:00:00.000"},
			"\nWarn: Partition 0 from topic r is empty. Falling back to latest known offset.\n" +
				"\nWarn: Partition 1 from topic r is empty. Falling back to latest known offset.\n" + resetTable("rg r 0 5", "rg r 1 2"), ""},
		{[]string{"--topic", "r:0", "--by-duration", "P2000D"}, resetTable("rg r 0 0"), ""},
		{[]string{"--topic", "r:0", "--by-duration", "PT1M"},
			"\nWarn: Partition 0 from topic r is empty. Falling back to latest known offset.\n" + resetTable("rg r 0 5"), ""},
		{[]string{"--topic", "r:0", "--to-datetime", "2024-01-01"},
			"\nError: Executing consumer group command failed due to java.text.ParseException: Error parsing timestamp. It does not contain a 'T' according to ISO8601 format\n", "java.lang.RuntimeException"},
		{[]string{"--topic", "r:0", "--to-datetime", "2024-01-01T00:00:00"},
			"\nError: Executing consumer group command failed due to java.text.ParseException: Unparseable date: \"2024-01-01T00:00:00Z\"\n", "java.lang.RuntimeException"},
		{[]string{"--topic", "r:0", "--to-datetime", "2024-02-30T00:00:00.000"},
			"\nError: Executing consumer group command failed due to java.text.ParseException: Unparseable date: \"2024-02-30T00:00:00.000Z\"\n", "java.lang.RuntimeException"},
		{[]string{"--topic", "r:0", "--by-duration", "1H"},
			"\nError: Executing consumer group command failed due to Text cannot be parsed to a Duration\n", "DateTimeParseException"},
		{[]string{"--topic", "r:7", "--to-earliest"},
			"\nError: Executing consumer group command failed due to The partitions \"r-7\" do not exist\n", "UnknownTopicOrPartitionException"},
		{[]string{"--topic", "nope", "--to-earliest"},
			"\nError: Executing consumer group command failed due to This server does not host this topic-partition.\n", "UnknownTopicOrPartitionException"},
		{[]string{"--topic", "nope:0", "--to-earliest"},
			"\nError: Executing consumer group command failed due to java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n", "java.lang.RuntimeException"},
	} {
		r := groups(t, bs, append([]string{"--reset-offsets", "--group", "rg", "--dry-run"}, c.args...)...)
		if r.code != 0 || r.stdout != c.stdout || (c.stderr == "") != (r.stderr == "") || !strings.Contains(r.stderr, c.stderr) {
			t.Errorf("%v: exit %d\nstdout:\n%s\nwant:\n%s\nstderr: %q, want it to contain %q", c.args, r.code, r.stdout, c.stdout, r.stderr, c.stderr)
		}
	}

	// Mistakes found while planning are usage errors.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--group", "rg", "--to-earliest"}, "One of the reset scopes should be defined: --all-topics, --topic."},
		{[]string{"--group", "rg", "--all-topics"}, "Option '[reset-offsets]' requires one of the following scenarios: " +
			"[[to-offset], [to-current], [to-datetime], [from-file], [by-duration], [to-earliest], [to-latest], [shift-by]]"},
		{[]string{"--group", "new", "--topic", "r:0", "--shift-by", "1"}, "Cannot shift offset for partition r-0 since there is no current committed offset"},
		{[]string{"--group", "rg", "--topic", "r:x", "--to-earliest"}, "Invalid partition 'x' specified in topic arg 'r:x''"},
		{[]string{"--group", "rg", "--topic", "r:", "--to-earliest"}, "Invalid topic arg 'r:', expected topic name and partitions"},
	} {
		r := groups(t, bs, append([]string{"--reset-offsets", "--dry-run"}, c.args...)...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, c.want+"\nOption ") {
			t.Errorf("%v: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
	}
}

func TestConsumerGroupsResetExecute(t *testing.T) {
	bs := resetCluster(t)
	// Without --execute (or with --dry-run) nothing is committed.
	r := groups(t, bs, "--reset-offsets", "--group", "rg", "--topic", "r", "--to-earliest")
	if r.stdout != resetTable("rg r 0 0", "rg r 1 0") || !strings.HasPrefix(r.stderr, "WARN: No action will be performed") {
		t.Fatalf("dry run by default: %+v", r)
	}
	describe := func(want0, want1 string) {
		t.Helper()
		r := groups(t, bs, "--describe", "--group", "rg")
		lines := lines(r.stdout)
		if len(lines) != 4 || strings.Fields(lines[2])[3] != want0 || strings.Fields(lines[3])[3] != want1 {
			t.Fatalf("committed after reset:\n%s", r.stdout)
		}
	}
	describe("3", "1")
	r = groups(t, bs, "--reset-offsets", "--group", "rg", "--topic", "r", "--to-earliest", "--execute")
	if r.code != 0 || r.stdout != resetTable("rg r 0 0", "rg r 1 0") || r.stderr != "" {
		t.Fatalf("--execute: %+v", r)
	}
	describe("0", "0")

	// A group that does not exist yet gets its offsets, and exists.
	r = groups(t, bs, "--reset-offsets", "--group", "fresh", "--topic", "r", "--to-current", "--execute")
	if r.stdout != resetTable("fresh r 0 5", "fresh r 1 2") {
		t.Fatalf("new group: %+v", r)
	}

	// An active group is refused, with an empty table.
	member(t, bs, "busy", "c1", false, "r")
	want := "\nError: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.\n" +
		"\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n"
	r = groups(t, bs, "--reset-offsets", "--group", "busy", "--topic", "r", "--to-earliest", "--execute")
	if r.code != 0 || r.stdout != want {
		t.Fatalf("active group:\n%s", r.stdout)
	}
	// --all-groups: every consumer group, the active one refused.
	r = groups(t, bs, "--reset-offsets", "--all-groups", "--topic", "r:0", "--to-offset", "1", "--dry-run")
	want = "\nError: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.\n" +
		resetTable("fresh r 0 1", "rg r 0 1")
	if r.code != 0 || r.stdout != want {
		t.Fatalf("--all-groups:\n%s\nwant:\n%s", r.stdout, want)
	}
}

func TestConsumerGroupsResetExportAndFromFile(t *testing.T) {
	bs := resetCluster(t)
	commitOffset(t, bs, "other", "r:1", 2)
	dir := t.TempDir()

	// One group exports topic,partition,offset; Kafka's println adds a
	// blank line.
	r := groups(t, bs, "--reset-offsets", "--group", "rg", "--topic", "r", "--to-latest", "--export", "--dry-run")
	if r.code != 0 || r.stdout != "r,0,5\nr,1,2\n\n" {
		t.Fatalf("export one group: %q", r.stdout)
	}
	single := filepath.Join(dir, "single.csv")
	if err := os.WriteFile(single, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	// Several groups export group,topic,partition,offset.
	r = groups(t, bs, "--reset-offsets", "--group", "rg", "--group", "other", "--topic", "r:1", "--shift-by", "-1", "--export", "--dry-run")
	if r.code != 0 || r.stdout != "other,r,1,1\nrg,r,1,0\n\n" {
		t.Fatalf("export two groups: %q", r.stdout)
	}
	multi := filepath.Join(dir, "multi.csv")
	if err := os.WriteFile(multi, []byte("rg,r,0,2\nother,r,1,7\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	r = groups(t, bs, "--reset-offsets", "--group", "rg", "--from-file", single, "--execute")
	if r.code != 0 || r.stdout != resetTable("rg r 0 5", "rg r 1 2") {
		t.Fatalf("from file: %+v", r)
	}
	r = groups(t, bs, "--reset-offsets", "--group", "rg", "--group", "other", "--from-file", multi, "--dry-run")
	if r.code != 0 || r.stdout != resetTable("other r 1 2", "rg r 0 2") ||
		!strings.Contains(r.stderr, "WARN New offset (7) is higher than latest offset for topic partition r-1. Value will be set to 2.") {
		t.Fatalf("from file, two groups: %+v", r)
	}
	r = groups(t, bs, "--reset-offsets", "--group", "rg", "--group", "nobody", "--from-file", multi, "--dry-run")
	if r.code != 0 || r.stdout != "\nError: No reset plan for group nobody found.\n"+resetTable("rg r 0 2") {
		t.Fatalf("group missing from the plan: %q", r.stdout)
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("r,0,1\nr,one,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, want string }{
		{filepath.Join(dir, "absent.csv"), "java.nio.file.NoSuchFileException: " + filepath.Join(dir, "absent.csv")},
		{bad, "java.io.IOException: line 2 of " + bad + " is not topic,partition,offset: \"r,one,2\""},
	} {
		r = groups(t, bs, "--reset-offsets", "--group", "rg", "--from-file", c.file, "--dry-run")
		if r.code != 0 || r.stdout != "\nError: Executing consumer group command failed due to "+c.want+"\n" {
			t.Errorf("%s: %+v", c.file, r)
		}
	}
}

func TestConsumerGroupsDelete(t *testing.T) {
	bs := newGroupsCluster(t, seed(1, "t"))
	for _, g := range []string{"a", "b", "c", "d"} {
		commitOffset(t, bs, g, "t:0", 0)
	}
	member(t, bs, "busy", "c1", false, "t")

	r := groups(t, bs, "--delete", "--group", "b", "--group", "a")
	if r.code != 0 || r.stdout != "Deletion of requested consumer groups ('a', 'b') was successful.\n" {
		t.Fatalf("delete: %+v", r)
	}
	r = groups(t, bs, "--delete", "--group", "busy", "--group", "missing", "--group", "c")
	want := "\nError: Deletion of some consumer groups failed:\n" +
		"* Group 'busy' could not be deleted due to: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n" +
		"* Group 'missing' could not be deleted due to: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.\n" +
		"\nThese consumer groups were deleted successfully: 'c'\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("partial delete:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = groups(t, bs, "--delete", "--all-groups")
	want = "\nError: Deletion of some consumer groups failed:\n" +
		"* Group 'busy' could not be deleted due to: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n" +
		"\nThese consumer groups were deleted successfully: 'd'\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("delete --all-groups:\n%s\nwant:\n%s", r.stdout, want)
	}
	if r = groups(t, bs, "--list"); r.stdout != "busy\n" {
		t.Fatalf("left after deleting: %q", r.stdout)
	}
}

func TestConsumerGroupsDeleteOffsets(t *testing.T) {
	bs := newGroupsCluster(t, seed(12, "many"), seed(2, "r"))
	commitOffset(t, bs, "d", "many:2,10", 0)
	commitOffset(t, bs, "d", "r", 0)
	const unknown = "Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition."

	// Rows sort by topic and partition written together: many10 < many2.
	r := groups(t, bs, "--delete-offsets", "--group", "d", "--topic", "many:2,10", "--topic", "nope")
	want := "Request succeeded for deleting offsets from group d.\n" +
		"\nTOPIC           PARTITION  STATUS         \n" +
		"many            10         Successful     \n" +
		"many            2          Successful     \n" +
		"nope            -          " + unknown + "\n"
	if r.code != 0 || r.stdout != want || r.stderr != "" {
		t.Fatalf("delete offsets:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = groups(t, bs, "--describe", "--group", "d")
	if got := lines(r.stdout); len(got) != 4 || !strings.HasPrefix(got[2], "d               r               0") {
		t.Fatalf("left after deleting offsets:\n%s", r.stdout)
	}

	r = groups(t, bs, "--delete-offsets", "--group", "ghost", "--topic", "r")
	const notFound = "Error: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist."
	want = "\nError: The group id does not exist.\n" +
		"\nTOPIC           PARTITION  STATUS         \n" +
		"r               0          " + notFound + "\n" +
		"r               1          " + notFound + "\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("missing group:\n%s\nwant:\n%s", r.stdout, want)
	}

	member(t, bs, "busy", "c1", false, "r")
	r = groups(t, bs, "--delete-offsets", "--group", "busy", "--topic", "r:1")
	const subscribed = "Error: org.apache.kafka.common.errors.GroupSubscribedToTopicException: Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it."
	want = "\nError: Encountered some partition-level error, see the follow-up details.\n" +
		"\nTOPIC           PARTITION  STATUS         \n" +
		"r               1          " + subscribed + "\n"
	if r.code != 0 || r.stdout != want {
		t.Fatalf("subscribed group:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = groups(t, bs, "--delete-offsets", "--group", "d", "--topic", "r:one")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Invalid partition 'one' specified in topic arg 'r:one''\nOption ") {
		t.Fatalf("bad partition: %+v", r)
	}
}

// TestConsumerGroupsDeleteOffsetsRetriesLoading: like Kafka's admin client,
// the tool retries OffsetDelete until the coordinator has loaded (franz-go
// does not retry it itself). It runs against kfake, whose ControlKey answers
// COORDINATOR_LOAD_IN_PROGRESS on demand: Spool answers it only while a
// __consumer_offsets shard replays, a window no test can hold open without
// timing.
func TestConsumerGroupsDeleteOffsetsRetriesLoading(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "r"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	bs := c.ListenAddrs()[0]
	commitOffset(t, bs, "d", "r:0", 0)
	var loading atomic.Int32
	loading.Store(2)
	c.ControlKey(int16(kmsg.OffsetDelete), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if loading.Load() == 0 {
			return nil, nil, false
		}
		loading.Add(-1)
		c.KeepControl()
		resp := req.ResponseKind().(*kmsg.OffsetDeleteResponse)
		resp.SetVersion(req.GetVersion())
		resp.ErrorCode = kerr.CoordinatorLoadInProgress.Code
		return resp, nil, true
	})
	r := groups(t, bs, "--delete-offsets", "--group", "d", "--topic", "r")
	want := "Request succeeded for deleting offsets from group d.\n" +
		"\nTOPIC           PARTITION  STATUS         \n" +
		"r               0          Successful     \n"
	if r.code != 0 || r.stdout != want || loading.Load() != 0 {
		t.Fatalf("after two loading answers (%d left):\n%s\nwant:\n%s", loading.Load(), r.stdout, want)
	}
}

// TestConsumerGroupsUnreachable: every admin call is bounded by --timeout,
// and a refused connection ends the tool at once.
func TestConsumerGroupsUnreachable(t *testing.T) {
	// A listener that never answers: the connection is made, no reply comes.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	start := time.Now()
	r := run(t, "", "consumer-groups", "--bootstrap-server", silent.Addr().String(), "--list", "--timeout", "300")
	if r.code != 0 || r.stdout != "\nError: Executing consumer group command failed due to org.apache.kafka.common.errors.TimeoutException: Timed out waiting for the cluster to answer within --timeout.\n" {
		t.Fatalf("silent cluster: %+v", r)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %v", d)
	}

	r = run(t, "", "consumer-groups", "--bootstrap-server", "no-port", "--list")
	if r.code != 0 || r.stdout != "\nError: Executing consumer group command failed due to Failed to create new KafkaAdminClient\n" {
		t.Fatalf("bad bootstrap address: %+v", r)
	}

	closed := silent.Addr().String()
	silent.Close()
	r = run(t, "", "consumer-groups", "--bootstrap-server", closed, "--describe", "--group", "g")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "\nError: Executing consumer group command failed due to org.apache.kafka.common.KafkaException: unable to dial") {
		t.Fatalf("refused: %+v", r)
	}
}

// TestConsumerGroupsCommandConfig: --command-config configures the admin
// client; a file that is not there is reported.
func TestConsumerGroupsCommandConfig(t *testing.T) {
	bs := newGroupsCluster(t, seed(1, "t"))
	commitOffset(t, bs, "g", "t:0", 0)
	cfg := filepath.Join(t.TempDir(), "admin.properties")
	if err := os.WriteFile(cfg, []byte("client.id=ops\nrequest.timeout.ms=5000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := groups(t, bs, "--list", "--command-config", cfg)
	if r.code != 0 || r.stdout != "g\n" || r.stderr != "" {
		t.Fatalf("with a command config: %+v", r)
	}
	r = groups(t, bs, "--list", "--command-config", cfg+".missing")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "\nError: Executing consumer group command failed due to ") || !strings.Contains(r.stdout, "admin.properties.missing") {
		t.Fatalf("missing command config: %+v", r)
	}
}

// TestConsoleConsumerGroupCommits: console-consumer --group commits what it
// printed (auto commit, as Java's console consumer), which consumer-groups
// then shows; with enable.auto.commit=false it commits nothing.
func TestConsoleConsumerGroupCommits(t *testing.T) {
	bs := newGroupsCluster(t, seed(1, "one"))
	produceTo(t, bs, "one", 0, now(5)...)
	mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "one", "--group", "c", "--from-beginning", "--max-messages", "3")
	r := groups(t, bs, "--describe", "--group", "c")
	want := "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
		"c               one             0          3               5               2               -               -               -\n"
	if r.stdout != want || r.stderr != "\nConsumer group 'c' has no active members.\n" {
		t.Fatalf("after console-consumer --group:\n%s\nstderr %q", r.stdout, r.stderr)
	}

	mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "one", "--group", "nc", "--from-beginning", "--max-messages", "2",
		"--consumer-property", "enable.auto.commit=false")
	r = groups(t, bs, "--describe", "--group", "nc")
	if r.stdout != "" || r.stderr != "\nConsumer group 'nc' has no active members.\n" {
		t.Fatalf("without auto commit: %+v", r)
	}

	// A KIP-848 member commits the same way, and its group is of that type.
	mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "one", "--group", "kc", "--from-beginning", "--max-messages", "4",
		"--consumer-property", "group.protocol=consumer")
	r = groups(t, bs, "--describe", "--group", "kc")
	want = "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
		"kc              one             0          4               5               1               -               -               -\n"
	if r.stdout != want || r.stderr != "\nConsumer group 'kc' has no active members.\n" {
		t.Fatalf("after console-consumer --group with group.protocol=consumer:\n%s\nstderr %q", r.stdout, r.stderr)
	}
	r = groups(t, bs, "--list", "--type")
	want = "GROUP                     TYPE                \n" +
		"c                         Classic             \n" +
		"kc                        Consumer            \n" +
		"nc                        Classic             \n"
	if r.stdout != want {
		t.Fatalf("--list --type:\n%s\nwant:\n%s", r.stdout, want)
	}
}
