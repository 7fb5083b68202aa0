package controller

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The decide functions are tested by testdata/*.txt files in the style of
// etcd-io/raft's interaction tests: each case is a command with arguments,
// input lines, a "----" line and the expected output, ended by a blank
// line. Lines starting with '#' between cases are comments. Run the tests
// with -rewrite to regenerate the expected outputs, then review the diff.

var rewrite = flag.Bool("rewrite", false, "rewrite the expected outputs of testdata files")

type testCase struct {
	line    int // of the command, for messages
	command string
	args    []string
	input   []string
	want    []string
	before  []string // comment and blank lines before the case, kept on rewrite
}

func parseCases(t *testing.T, path string) ([]*testCase, []string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []*testCase
	var pending []string
	var cur *testCase
	inWant := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && (line == "" || strings.HasPrefix(line, "#")):
			pending = append(pending, line)
		case cur == nil:
			fields := strings.Fields(line)
			cur = &testCase{line: n, command: fields[0], args: fields[1:], before: pending}
			pending = nil
		case !inWant && line == "----":
			inWant = true
		case !inWant:
			cur.input = append(cur.input, line)
		case line == "":
			cases = append(cases, cur)
			cur, inWant = nil, false
		default:
			cur.want = append(cur.want, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		cases = append(cases, cur)
	}
	return cases, pending
}

func writeCases(t *testing.T, path string, cases []*testCase, trailer []string) {
	var b strings.Builder
	for _, c := range cases {
		for _, l := range c.before {
			b.WriteString(l + "\n")
		}
		b.WriteString(strings.Join(append([]string{c.command}, c.args...), " ") + "\n")
		for _, l := range c.input {
			b.WriteString(l + "\n")
		}
		b.WriteString("----\n")
		for _, l := range c.want {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n")
	}
	for _, l := range trailer {
		b.WriteString(l + "\n")
	}
	if err := os.WriteFile(path, []byte(strings.TrimRight(b.String(), "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestDataDriven(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			cases, trailer := parseCases(t, path)
			h := newHarness(t)
			for _, c := range cases {
				got := h.run(c)
				if *rewrite {
					c.want = got
					continue
				}
				if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
					t.Errorf("%s:%d: %s %s\n got:\n%s\nwant:\n%s", path, c.line, c.command, strings.Join(c.args, " "),
						strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
			}
			if *rewrite {
				writeCases(t, path, cases, trailer)
			}
		})
	}
}

// errorNames are the Kafka error names the testdata shows for each error.
var errorNames = []struct {
	err  error
	name string
}{
	{ErrNotController, "NOT_CONTROLLER"},
	{ErrRequestTimedOut, "REQUEST_TIMED_OUT"},
	{ErrTopicAlreadyExists, "TOPIC_ALREADY_EXISTS"},
	{ErrInvalidTopic, "INVALID_TOPIC_EXCEPTION"},
	{ErrInvalidPartitions, "INVALID_PARTITIONS"},
	{ErrInvalidReplicationFactor, "INVALID_REPLICATION_FACTOR"},
	{ErrInvalidReplicaAssignment, "INVALID_REPLICA_ASSIGNMENT"},
	{ErrInvalidConfig, "INVALID_CONFIG"},
	{ErrInvalidRequest, "INVALID_REQUEST"},
	{ErrPolicyViolation, "POLICY_VIOLATION"},
	{ErrUnknownTopicOrPartition, "UNKNOWN_TOPIC_OR_PARTITION"},
	{ErrUnknownTopicID, "UNKNOWN_TOPIC_ID"},
	{ErrTopicDeletionDisabled, "TOPIC_DELETION_DISABLED"},
	{ErrBrokerIDNotRegistered, "BROKER_ID_NOT_REGISTERED"},
	{ErrStaleBrokerEpoch, "STALE_BROKER_EPOCH"},
	{ErrInconsistentClusterID, "INCONSISTENT_CLUSTER_ID"},
	{ErrUnknownServer, "UNKNOWN_SERVER_ERROR"},
	{ErrDuplicateBrokerRegistration, "DUPLICATE_BROKER_REGISTRATION"},
	{ErrFencedLeaderEpoch, "FENCED_LEADER_EPOCH"},
	{ErrInvalidUpdateVersion, "INVALID_UPDATE_VERSION"},
	{ErrNewLeaderElected, "NEW_LEADER_ELECTED"},
	{ErrIneligibleReplica, "INELIGIBLE_REPLICA"},
	{ErrOperationNotAttempted, "OPERATION_NOT_ATTEMPTED"},
	{ErrElectionNotNeeded, "ELECTION_NOT_NEEDED"},
	{ErrPreferredLeaderNotAvailable, "PREFERRED_LEADER_NOT_AVAILABLE"},
	{ErrEligibleLeadersNotAvailable, "ELIGIBLE_LEADERS_NOT_AVAILABLE"},
	{ErrNoReassignmentInProgress, "NO_REASSIGNMENT_IN_PROGRESS"},
}

func errorText(err error) string {
	if err == nil {
		return "ok"
	}
	for _, e := range errorNames {
		if errors.Is(err, e.err) {
			return fmt.Sprintf("%s: %s", e.name, err.Error())
		}
	}
	return "UNMAPPED: " + err.Error()
}
