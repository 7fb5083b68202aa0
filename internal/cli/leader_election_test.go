package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLeaderElectionTool runs kafka-leader-election.sh's commands against
// a three-node cluster: node 1 comes back from a controlled shutdown, and a
// preferred election moves le-0 back to it; then the answers for
// partitions that need none, unknown partitions and bad options.
func TestLeaderElectionTool(t *testing.T) {
	c, bs := threeNodes(t, map[string]string{"auto.leader.rebalance.enable": "false"})
	createWithReplicas(t, c, "le", []int32{1, 2, 3}, []int32{2, 3, 1})
	waitPartitions(t, c, "le", preferredWithFullISR)
	c.Node(1).Shutdown()
	c.Node(1).Start()
	waitPartitions(t, c, "le", fullISRNotLedBy(1))

	r := mustRun(t, "", "leader-election", "--bootstrap-server", bs, "--election-type", "preferred", "--topic", "le", "--partition", "0")
	if r.stdout != "Successfully completed leader election (PREFERRED) for partitions le-0\n" {
		t.Fatalf("preferred election: %q", r.stdout)
	}
	waitPartitions(t, c, "le", preferredWithFullISR)

	file := filepath.Join(t.TempDir(), "election.json")
	if err := os.WriteFile(file, []byte(`{"partitions": [{"topic": "le", "partition": 1}, {"topic": "le", "partition": 0}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, "", "leader-election", "--bootstrap-server", bs, "--election-type", "PREFERRED", "--path-to-json-file", file)
	if r.stdout != "Valid replica already elected for partitions le-0, le-1\n" {
		t.Fatalf("json file: %q", r.stdout)
	}
	// All partitions: those needing no election are not reported at all.
	r = mustRun(t, "", "leader-election", "--bootstrap-server", bs, "--election-type", "unclean", "--all-topic-partitions")
	if r.stdout != "" {
		t.Fatalf("all partitions, unclean: %q", r.stdout)
	}

	r = run(t, "", "leader-election", "--bootstrap-server", bs, "--election-type", "preferred", "--topic", "nope", "--partition", "0")
	if r.code != 1 || r.stdout != "Error completing leader election (PREFERRED) for partition: nope-0: "+
		"org.apache.kafka.common.errors.UnknownTopicOrPartitionException: No such topic as nope\n" ||
		r.stderr != "1 replica(s) could not be elected\n" {
		t.Fatalf("unknown topic: %+v", r)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--bootstrap-server", bs, "--topic", "le", "--partition", "0"}, "Missing required option(s): election-type\n"},
		{[]string{"--election-type", "preferred", "--all-topic-partitions"}, "Missing required option(s): bootstrap-server\n"},
		{[]string{"--bootstrap-server", bs, "--election-type", "preferred", "--all-topic-partitions", "--topic", "le"},
			"One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file\n"},
		{[]string{"--bootstrap-server", bs, "--election-type", "preferred", "--topic", "le"}, "Missing required option(s): partition\n"},
		{[]string{"--bootstrap-server", bs, "--election-type", "preferred", "--all-topic-partitions", "--partition", "1"},
			"Option partition is only allowed if topic is used\n"},
		{[]string{"--bootstrap-server", bs, "--election-type", "dirty", "--all-topic-partitions"},
			"Cannot parse argument 'dirty' of option election-type\n"},
	} {
		r := run(t, "", append([]string{"leader-election"}, tc.args...)...)
		if r.code != 1 || r.stderr != tc.want || r.stdout != "" {
			t.Errorf("%v: exit %d stdout %q stderr %q, want %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}
