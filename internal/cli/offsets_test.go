package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// produceLines writes lines to one partition of topic through the console
// producer.
func produceLines(t *testing.T, bs, topic string, lines ...string) {
	t.Helper()
	mustRun(t, strings.Join(lines, "\n")+"\n", "console-producer", "--bootstrap-server", bs, "--topic", topic)
}

func TestGetOffsets(t *testing.T) {
	bs := newCluster(t, seed(1, "a", "b"), seed(12, "many"))
	produceLines(t, bs, "a", "1", "2", "3")
	produceLines(t, bs, "b", "1")

	r := mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "a|b")
	if r.stdout != "a:0:3\nb:0:1\n" {
		t.Fatalf("latest: %q", r.stdout)
	}
	for _, time := range []string{"-2", "earliest"} {
		r = mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "a", "--time", time)
		if r.stdout != "a:0:0\n" {
			t.Fatalf("--time %s: %q", time, r.stdout)
		}
	}
	// Records produced within one millisecond share the max timestamp; any
	// of their offsets is a right answer.
	r = mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "a", "--time", "max-timestamp")
	if r.stdout != "a:0:0\n" && r.stdout != "a:0:1\n" && r.stdout != "a:0:2\n" {
		t.Fatalf("max-timestamp: %q", r.stdout)
	}
	// A timestamp after every record has no offset, so nothing is printed.
	r = mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "a", "--time", "99999999999999")
	if r.stdout != "" {
		t.Fatalf("future timestamp: %q", r.stdout)
	}

	// Kafka sorts by the text "topic-partition": many-10 before many-2.
	r = mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic-partitions", "many:1-3,many:10-")
	if r.stdout != "many:1:0\nmany:10:0\nmany:11:0\nmany:2:0\n" {
		t.Fatalf("topic-partitions: %q", r.stdout)
	}
	r = mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "many", "--partitions", "0,5")
	if r.stdout != "many:0:0\nmany:5:0\n" {
		t.Fatalf("partitions: %q", r.stdout)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--topic", "nothing-matches"}, "Error occurred: Could not match any topic-partitions with the specified filters\n"},
		{[]string{"--topic", "a", "--time", "yesterday"}, "Error occurred: Malformed time argument yesterday."},
		{[]string{"--topic-partitions", "a:0", "--topic", "a"}, "Error occurred: --topic-partitions cannot be used with --topic or --partitions\n"},
		{[]string{"--partitions", "x"}, "Error occurred: --partitions expects a comma separated list of numeric partition ids, but received: x\n"},
	} {
		r := run(t, "", append([]string{"get-offsets", "--bootstrap-server", bs}, c.args...)...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want prefix %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestDeleteRecords(t *testing.T) {
	bs := newCluster(t, seed(1, "d"))
	produceLines(t, bs, "d", "1", "2", "3", "4")
	file := filepath.Join(t.TempDir(), "offsets.json")
	json := `{"partitions": [{"topic": "d", "partition": 0, "offset": 2}, {"topic": "d", "partition": 7, "offset": 1}], "version": 1}`
	if err := os.WriteFile(file, []byte(json), 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, "", "delete-records", "--bootstrap-server", bs, "--offset-json-file", file)
	want := "Executing records delete operation\nRecords delete operation completed:\npartition: d-0\tlow_watermark: 2\npartition: d-7\terror: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: "
	if !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("delete-records:\n%s", r.stdout)
	}
	r = mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "d", "--time", "-2")
	if r.stdout != "d:0:2\n" {
		t.Fatalf("log start after delete: %q", r.stdout)
	}
	r = mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "d", "--from-beginning", "--max-messages", "2")
	if r.stdout != "3\n4\n" {
		t.Fatalf("consumed after delete: %q", r.stdout)
	}

	if err := os.WriteFile(file, []byte(`{"partitions": [{"topic": "d", "partition": 0, "offset": 1}, {"topic": "d", "partition": 0, "offset": 3}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run(t, "", "delete-records", "--bootstrap-server", bs, "--offset-json-file", file)
	if r.code != 1 || r.stderr != "Offset json file contains duplicate topic partitions: d-0\n" {
		t.Fatalf("duplicates: %+v", r)
	}
	r = run(t, "", "delete-records", "--bootstrap-server", bs)
	if r.code != 1 || !strings.HasPrefix(r.stderr, `Missing required argument "[offset-json-file]"`) {
		t.Fatalf("missing file option: %+v", r)
	}
}
