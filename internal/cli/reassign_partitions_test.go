package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// TestReassignPartitionsTool runs kafka-reassign-partitions.sh's commands
// against a three-node cluster: --generate proposes, --execute (with a
// throttle) moves mv-0 from brokers 1,2 to 2,3, --verify reports it done
// and clears the throttles; a reassignment to a stopped broker stays in
// progress (--list, --verify, --execute without --additional) until
// --cancel.
func TestReassignPartitionsTool(t *testing.T) {
	c, bs := threeNodes(t, nil)
	createWithReplicas(t, c, "mv", []int32{1, 2})
	waitPartitions(t, c, "mv", preferredWithFullISR)
	cl := c.Client(kgo.DefaultProduceTopic("mv"), kgo.RequiredAcks(kgo.AllISRAcks()))
	for i := range 50 {
		if err := cl.ProduceSync(testcluster.Context(t, 10*time.Second), &kgo.Record{Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	tool := func(args ...string) []string {
		return append([]string{"reassign-partitions", "--bootstrap-server", bs}, args...)
	}

	if r := mustRun(t, "", tool("--list")...); r.stdout != "No partition reassignments found.\n" {
		t.Fatalf("list: %q", r.stdout)
	}

	topics := writeFile(t, "topics.json", `{"topics": [{"topic": "mv"}], "version": 1}`)
	r := mustRun(t, "", tool("--generate", "--topics-to-move-json-file", topics, "--broker-list", "2,3")...)
	const current = `{"version":1,"partitions":[{"topic":"mv","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`
	head := "Current partition replica assignment\n" + current + "\n\nProposed partition reassignment configuration\n"
	if !strings.HasPrefix(r.stdout, head) {
		t.Fatalf("generate:\n%s", r.stdout)
	}
	var proposed reassignmentJSON
	if err := json.Unmarshal([]byte(strings.TrimPrefix(r.stdout, head)), &proposed); err != nil {
		t.Fatalf("proposal: %v\n%s", err, r.stdout)
	}
	if got := slices.Sorted(slices.Values(proposed.Partitions[0].Replicas)); !slices.Equal(got, []int32{2, 3}) {
		t.Fatalf("proposed replicas %v", proposed.Partitions[0].Replicas)
	}

	plan := writeFile(t, "plan.json", `{"version":1,"partitions":[{"topic":"mv","partition":0,"replicas":[2,3]}]}`)
	r = mustRun(t, "", tool("--execute", "--reassignment-json-file", plan, "--throttle", "10000000")...)
	want := "Current partition replica assignment\n\n" + current + "\n\nSave this to use as the --reassignment-json-file option during rollback\n" +
		"Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.\n" +
		"The inter-broker throttle limit was set to 10000000 B/s\n" +
		"Successfully started partition reassignment for mv-0\n"
	if r.stdout != want {
		t.Fatalf("execute:\n%s\nwant:\n%s", r.stdout, want)
	}
	waitPartitions(t, c, "mv", replicasAre(2, 3))
	r = mustRun(t, "", tool("--verify", "--reassignment-json-file", plan)...)
	want = "Status of partition reassignment:\nReassignment of partition mv-0 is completed.\n\n" +
		"Clearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic mv\n"
	if r.stdout != want {
		t.Fatalf("verify:\n%s\nwant:\n%s", r.stdout, want)
	}

	// Node 1 is down: moving mv-0 back to 1,2 cannot finish.
	c.Node(1).Shutdown()
	testcluster.CheckFor(t, 20*time.Second, func() error {
		for _, n := range c.Running() {
			bs, err := kadm.NewClient(n.Client()).ListBrokers(testcluster.Context(t, 5*time.Second))
			if err != nil {
				return err
			}
			if len(bs) != 2 {
				return fmt.Errorf("node %d lists brokers %v", n.ID(), bs.NodeIDs())
			}
		}
		return nil
	})
	back := writeFile(t, "back.json", `{"version":1,"partitions":[{"topic":"mv","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`)
	r = run(t, "", tool("--execute", "--reassignment-json-file", back)...)
	if r.code != 1 || r.stdout != "Error: Unknown broker id 1\n" {
		t.Fatalf("execute to a stopped broker: %+v", r)
	}
	// The tool refuses brokers that are not alive, as Kafka's does; start
	// the reassignment with the API instead.
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign("mv", 0, []int32{1, 2})
	if res, err := kadm.NewClient(c.Node(2).Client()).AlterPartitionAssignments(testcluster.Context(t, 10*time.Second), req); err != nil || res.Error() != nil {
		t.Fatalf("reassign: %v %v", err, res.Error())
	}
	if r := mustRun(t, "", tool("--list")...); r.stdout != "Current partition reassignments:\nmv-0: replicas: 1,2,3. adding: 1. removing: 3.\n" {
		t.Fatalf("list: %q", r.stdout)
	}
	r = mustRun(t, "", tool("--verify", "--reassignment-json-file", back)...)
	if r.stdout != "Status of partition reassignment:\nReassignment of partition mv-0 is still in progress.\n\n" {
		t.Fatalf("verify in progress: %q", r.stdout)
	}
	r = run(t, "", tool("--execute", "--reassignment-json-file", plan)...)
	if r.code != 1 || !strings.HasPrefix(r.stdout, "Cannot execute because there is an existing partition assignment.  Use --additional") {
		t.Fatalf("execute while in progress: %+v", r)
	}
	// Clearing throttles needs every broker up (Kafka's would time out on
	// broker 1): keep them.
	r = mustRun(t, "", tool("--cancel", "--reassignment-json-file", back, "--preserve-throttles")...)
	want = "Successfully cancelled partition reassignment for: mv-0\n" +
		"None of the specified partition moves are active."
	if r.stdout != want {
		t.Fatalf("cancel:\n%q\nwant:\n%q", r.stdout, want)
	}
	waitPartitions(t, c, "mv", replicasAre(2, 3))
	if r := mustRun(t, "", tool("--list")...); r.stdout != "No partition reassignments found.\n" {
		t.Fatalf("list after cancel: %q", r.stdout)
	}
	// Once broker 1 is back and known, its throttles can be cleared too.
	c.Node(1).Start()
	testcluster.CheckFor(t, 20*time.Second, func() error {
		r := run(t, "", tool("--cancel", "--reassignment-json-file", back)...)
		if r.code != 0 || r.stdout != "None of the specified partition reassignments are active.\nNone of the specified partition moves are active."+
			"Clearing broker-level throttles on brokers 1,2,3\nClearing topic-level throttles on topic mv\n" {
			return fmt.Errorf("cancel again: exit %d %q", r.code, r.stdout)
		}
		return nil
	})
}

// TestReassignPartitionsOptions: the action and option checks, as
// ReassignPartitionsCommand.validateAndParseArgs words them.
func TestReassignPartitionsOptions(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bootstrap-server", "x:1"}, "Command must include exactly one action: --generate, --execute, --verify, --cancel, --list\n"},
		{[]string{"--bootstrap-server", "x:1", "--list", "--verify"}, "Command must include exactly one action: --generate, --execute, --verify, --cancel, --list\n"},
		{[]string{"--list"}, "Please specify either --bootstrap-server or --bootstrap-controller\n"},
		{[]string{"--list", "--bootstrap-server", "x:1", "--bootstrap-controller", "y:1"}, "Please don't specify both --bootstrap-server and --bootstrap-controller\n"},
		{[]string{"--verify", "--bootstrap-server", "x:1"}, "Missing required argument \"[reassignment-json-file]\"\n"},
		{[]string{"--generate", "--bootstrap-server", "x:1", "--topics-to-move-json-file", "t.json"}, "Missing required argument \"[broker-list]\"\n"},
		{[]string{"--verify", "--bootstrap-server", "x:1", "--reassignment-json-file", "r.json", "--throttle", "10"}, "Option \"[throttle]\" can't be used with action \"[verify]\"\n"},
		{[]string{"--execute", "--bootstrap-controller", "x:1", "--reassignment-json-file", "r.json"}, "Option \"[bootstrap-controller]\" can't be used with action \"[execute]\"\n"},
	} {
		r := run(t, "", append([]string{"reassign-partitions"}, tc.args...)...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: exit %d stdout %q stderr %q, want %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}
