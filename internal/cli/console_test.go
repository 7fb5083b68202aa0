package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestConsoleProduceThenConsume(t *testing.T) {
	bs := newCluster(t, seed(1, "events"))
	input := "h1:v1,h2:v2\tk1\tfirst\nNULL\tk2\tsecond\r\nh3:x\tNULL\tNULL"
	mustRun(t, input, "console-producer", "--bootstrap-server", bs, "--topic", "events",
		"--property", "parse.key=true", "--property", "parse.headers=true", "--property", "null.marker=NULL",
		"--property", "headers.delimiter=\t", "--property", "ignore.error=false")

	r := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events", "--from-beginning",
		"--max-messages", "3", "--property", "print.key=true", "--property", "print.timestamp=true",
		"--property", "print.partition=true", "--property", "print.offset=true", "--property", "print.headers=true")
	got := lines(r.stdout)
	want := []*regexp.Regexp{
		regexp.MustCompile(`^CreateTime:\d+\tPartition:0\tOffset:0\th1:v1,h2:v2\tk1\tfirst$`),
		regexp.MustCompile(`^CreateTime:\d+\tPartition:0\tOffset:1\tNO_HEADERS\tk2\tsecond$`),
		regexp.MustCompile(`^CreateTime:\d+\tPartition:0\tOffset:2\th3:x\tnull\tnull$`),
	}
	if len(got) != len(want) {
		t.Fatalf("consumed %d lines:\n%s\nstderr:\n%s", len(got), r.stdout, r.stderr)
	}
	for i := range want {
		if !want[i].MatchString(got[i]) {
			t.Errorf("line %d = %q, want %v", i, got[i], want[i])
		}
	}
	if r.stderr != "Processed a total of 3 messages\n" {
		t.Fatalf("stderr = %q", r.stderr)
	}
}

func TestConsoleProducerHeaderError(t *testing.T) {
	bs := newCluster(t, seed(1, "events"))
	r := run(t, "ok\tvalue\nbroken\n", "console-producer", "--bootstrap-server", bs, "--topic", "events",
		"--property", "parse.key=true")
	if r.code != 1 || r.stderr != "org.apache.kafka.common.KafkaException: No key separator found on line number 2: 'broken'\n" {
		t.Fatalf("got %+v", r)
	}
	// The line before the bad one was still sent.
	r = mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "events", "--from-beginning",
		"--max-messages", "1", "--property", "print.key=true", "--property", "key.separator=|")
	if r.stdout != "ok|value\n" {
		t.Fatalf("consumed %q", r.stdout)
	}
}

func TestConsoleConsumerPartitionOffset(t *testing.T) {
	bs := newCluster(t, seed(1, "t1"))
	mustRun(t, "a\nb\nc\nd\n", "console-producer", "--bootstrap-server", bs, "--topic", "t1", "--sync", "--timeout", "0", "--compression-codec", "lz4")

	r := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "t1", "--partition", "0", "--offset", "2", "--max-messages", "2")
	if r.stdout != "c\nd\n" {
		t.Fatalf("from offset 2: %q", r.stdout)
	}
	r = mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "t1", "--partition", "0", "--offset", "earliest", "--timeout-ms", "300")
	if r.stdout != "a\nb\nc\nd\n" || !strings.Contains(r.stderr, "TimeoutException") || !strings.HasSuffix(r.stderr, "Processed a total of 4 messages\n") {
		t.Fatalf("earliest with timeout: %+v", r)
	}
}

// TestConsoleConsumerGroupResumes: a group remembers where it stopped.
func TestConsoleConsumerGroupResumes(t *testing.T) {
	bs := newGroupsCluster(t, seed(1, "t1"))
	mustRun(t, "a\nb\nc\nd\n", "console-producer", "--bootstrap-server", bs, "--topic", "t1")

	// A group remembers where it stopped.
	r := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "t1", "--group", "g1", "--from-beginning", "--max-messages", "3")
	if r.stdout != "a\nb\nc\n" {
		t.Fatalf("group first run: %q", r.stdout)
	}
	r = mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "t1", "--consumer-property", "group.id=g1", "--max-messages", "1")
	if r.stdout != "d\n" {
		t.Fatalf("group second run: %q (stderr %q)", r.stdout, r.stderr)
	}
}

func TestConsoleConsumerInclude(t *testing.T) {
	bs := newCluster(t, seed(1, "logs-a", "logs-b", "other"))
	for _, topic := range []string{"logs-a", "logs-b", "other"} {
		mustRun(t, topic+"\n", "console-producer", "--bootstrap-server", bs, "--topic", topic)
	}
	r := mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--include", "logs-.", "--from-beginning", "--timeout-ms", "500")
	got := lines(r.stdout)
	if len(got) != 2 || !strings.Contains(r.stdout, "logs-a\n") || !strings.Contains(r.stdout, "logs-b\n") {
		t.Fatalf("include consumed %q", got)
	}
}

func TestConsoleUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"console-consumer", "--bootstrap-server", "x:1"}, "Exactly one of --include/--topic is required."},
		{[]string{"console-consumer", "--bootstrap-server", "x:1", "--topic", "t", "--offset", "3"}, "The partition is required when offset is specified."},
		{[]string{"console-consumer", "--bootstrap-server", "x:1", "--topic", "t", "--partition", "0", "--offset", "-3"}, "The provided offset value '-3' is incorrect."},
		{[]string{"console-consumer", "--bootstrap-server", "x:1", "--topic", "t", "--partition", "0", "--group", "g"}, "Options group and partition cannot be specified together."},
		{[]string{"console-consumer", "--bootstrap-server", "x:1", "--topic", "t", "--group", "a", "--consumer-property", "group.id=b"}, "Detected group ids: 'a', 'b'"},
		{[]string{"console-consumer", "--topic", "t"}, `Missing required argument "[bootstrap-server]"`},
		{[]string{"console-consumer", "--bootstrap-server", "x:1", "--topic", "t", "--from-beginning", "--consumer-property", "auto.offset.reset=latest"}, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest'"},
		{[]string{"console-producer", "--bootstrap-server", "x:1"}, `Missing required argument "[topic]"`},
		{[]string{"console-producer", "--topic", "t"}, "Error while validating the bootstrap address"},
		{[]string{"console-producer", "--topic", "t", "--bootstrap-server", "nohost"}, "Please provide valid host:port"},
		{[]string{"console-producer", "--topic", "t", "--bootstrap-server", "x:1", "--property", "null.marker=\t", "--property", "parse.key=true"}, "null.marker and key.separator may not be equal"},
		{[]string{"console-producer", "--topic", "t", "--bootstrap-server", "x:1", "--producer-property", "acks=2"}, "Invalid value 2 for configuration acks"},
		{[]string{"console-producer", "--topic", "t", "--bootstrap-server", "x:1", "--request-required-acks", "1", "--producer-property", "enable.idempotence=true"}, "Must set acks to all in order to use the idempotent producer"},
		{[]string{"console-producer", "--topic", "t", "--broker-list", "x:1"}, "--broker-list option was removed in Kafka 4.0"},
	}
	for _, c := range cases {
		r := run(t, "", c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestConsoleProducerUnknownConfigWarns(t *testing.T) {
	bs := newCluster(t, seed(1, "t"))
	r := mustRun(t, "x\n", "console-producer", "--bootstrap-server", bs, "--topic", "t", "--producer-property", "no.such.key=1",
		"--producer-property", "linger.ms=0", "--compression-codec")
	if !strings.Contains(r.stderr, "WARN The configuration 'no.such.key' was supplied but isn't a known config.") {
		t.Fatalf("stderr = %q", r.stderr)
	}
}

// Kafka's producer asks the broker to create a topic it does not know,
// which a broker with auto.create.topics.enable=true (Kafka's default) does;
// a broker with it off leaves the topic unknown and the send fails.
func TestConsoleProducerAutoCreatesTopic(t *testing.T) {
	bs := newCluster(t)
	mustRun(t, "first\n", "console-producer", "--bootstrap-server", bs, "--topic", "fresh")
	r := mustRun(t, "", "topics", "--bootstrap-server", bs, "--list")
	if r.stdout != "fresh\n" {
		t.Fatalf("topics after producing: %q", r.stdout)
	}
	r = mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "fresh", "--from-beginning", "--max-messages", "1")
	if r.stdout != "first\n" {
		t.Fatalf("consumed %q", r.stdout)
	}

	bs = newSpoolNode(t, map[string]string{"auto.create.topics.enable": "false"}).Addr()
	r = run(t, "lost\n", "console-producer", "--bootstrap-server", bs, "--topic", "absent", "--max-block-ms", "300")
	if !strings.HasPrefix(r.stderr, "ERROR Error when sending message to topic absent with key: null, value: 4 bytes with error:") {
		t.Fatalf("producing to an absent topic without auto-creation: %+v", r)
	}
	if r = mustRun(t, "", "topics", "--bootstrap-server", bs, "--list"); r.stdout != "\n" {
		t.Fatalf("topic created with auto.create.topics.enable=false: %q", r.stdout)
	}
}

// Ctrl-C stops a consumer that has no end of its own; it reports its count
// and exits normally, as Kafka's does from its shutdown hook.
func TestConsoleConsumerInterrupted(t *testing.T) {
	bs := newCluster(t, seed(1, "live"))
	mustRun(t, "1\n2\n3\n", "console-producer", "--bootstrap-server", bs, "--topic", "live")
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"console-consumer", "--bootstrap-server", bs, "--topic", "live", "--from-beginning"}, strings.NewReader(""), &out, &errOut)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "3\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 || out.String() != "1\n2\n3\n" || errOut.String() != "Processed a total of 3 messages\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
