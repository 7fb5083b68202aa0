package tools

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestConsumerGroups drives bin/kafka-consumer-groups.sh against the spool
// process: a group that kafka-console-consumer.sh --group left with
// committed offsets is listed and described, its offsets are reset while it
// is inactive (a dry run first), the console consumer resumes from the
// reset, and the group is deleted.
func TestConsumerGroups(t *testing.T) {
	w := newWorkdir(t)
	srv := w.startServer(t)
	w.mustRun(t, "", "bin/kafka-topics.sh --create --topic orders --bootstrap-server localhost:9092 --partitions 1 --replication-factor 1")
	w.mustRun(t, "one\ntwo\nthree\nfour\nfive\n", "bin/kafka-console-producer.sh --topic orders --bootstrap-server localhost:9092")
	consume := "bin/kafka-console-consumer.sh --topic orders --group billing --bootstrap-server localhost:9092"
	r := w.mustRun(t, "", consume+" --from-beginning --max-messages 3")
	if r.stdout != "one\ntwo\nthree\n" {
		t.Fatalf("console consumer --group: %+v", r)
	}

	groups := "bin/kafka-consumer-groups.sh --bootstrap-server localhost:9092 "
	if r = w.mustRun(t, "", groups+"--list"); r.stdout != "billing\n" || r.stderr != "" {
		t.Fatalf("--list: %+v", r)
	}
	const noMembers = "\nConsumer group 'billing' has no active members.\n"
	offsets := func(current, lag int) string {
		return "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
			fmt.Sprintf("billing         orders          0          %-15d 5               %-15d -               -               -\n", current, lag)
	}
	if r = w.mustRun(t, "", groups+"--describe --group billing"); r.stdout != offsets(3, 2) || r.stderr != noMembers {
		t.Fatalf("--describe: %+v\nwant:\n%s", r, offsets(3, 2))
	}
	coordinator := fmt.Sprintf("localhost:%d  (%d)", w.port, w.node)
	state := regexp.MustCompile(`^\nGROUP +COORDINATOR \(ID\) +ASSIGNMENT-STRATEGY +STATE +#MEMBERS\nbilling +` +
		regexp.QuoteMeta(coordinator) + ` +- +Empty +0\n$`)
	if r = w.mustRun(t, "", groups+"--describe --group billing --state"); !state.MatchString(r.stdout) || r.stderr != noMembers {
		t.Fatalf("--describe --state: %+v", r)
	}

	plan := "\nGROUP           TOPIC           PARTITION  NEW-OFFSET\nbilling         orders          0          1\n"
	reset := groups + "--reset-offsets --group billing --topic orders --to-offset 1"
	if r = w.mustRun(t, "", reset+" --dry-run"); r.stdout != plan || r.stderr != "" {
		t.Fatalf("--reset-offsets --dry-run: %+v", r)
	}
	if r = w.mustRun(t, "", groups+"--describe --group billing"); r.stdout != offsets(3, 2) {
		t.Fatalf("a dry run changed the offsets: %+v", r)
	}
	if r = w.mustRun(t, "", reset+" --execute"); r.stdout != plan || r.stderr != "" {
		t.Fatalf("--reset-offsets --execute: %+v", r)
	}
	if r = w.mustRun(t, "", groups+"--describe --group billing"); r.stdout != offsets(1, 4) {
		t.Fatalf("after --execute: %+v", r)
	}
	// The group reads on from the reset offset, and commits again.
	if r = w.mustRun(t, "", consume+" --max-messages 2"); r.stdout != "two\nthree\n" {
		t.Fatalf("console consumer after the reset: %+v", r)
	}
	if r = w.mustRun(t, "", groups+"--describe --group billing"); r.stdout != offsets(3, 2) {
		t.Fatalf("after consuming again: %+v", r)
	}

	if r = w.mustRun(t, "", groups+"--delete --group billing"); r.stdout != "Deletion of requested consumer groups ('billing') was successful.\n" || r.stderr != "" {
		t.Fatalf("--delete: %+v", r)
	}
	if r = w.mustRun(t, "", groups+"--list"); r.stdout != "" {
		t.Fatalf("--list after --delete: %+v", r)
	}
	r = w.mustRun(t, "", groups+"--describe --group billing")
	if want := "\nError: Executing consumer group command failed due to org.apache.kafka.common.errors.GroupIdNotFoundException: Group billing not found.\n"; r.stdout != want ||
		!strings.HasPrefix(r.stderr, "java.util.concurrent.ExecutionException: org.apache.kafka.common.errors.GroupIdNotFoundException") {
		t.Fatalf("--describe of the deleted group: %+v", r)
	}
	srv.stop(t, w)
}
