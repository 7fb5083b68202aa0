package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// perfTotal is the summary line; a run shorter than a millisecond has
// Infinity rates, as Kafka's has.
var perfTotal = regexp.MustCompile(`^(\d+) records sent, ([\d.]+|Infinity) records/sec \(([\d.]+|Infinity) MB/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$`)

func TestProducerPerf(t *testing.T) {
	bs := newCluster(t, seed(3, "perf"))
	r := mustRun(t, "", "producer-perf-test", "--topic", "perf", "--num-records", "200", "--record-size", "100",
		"--throughput", "-1", "--producer-props", "bootstrap.servers="+bs, "acks=1", "linger.ms=1")
	got := lines(r.stdout)
	if m := perfTotal.FindStringSubmatch(got[len(got)-1]); m == nil || m[1] != "200" {
		t.Fatalf("summary line %q", got[len(got)-1])
	}

	// Throttled to 400 records/s with a 50 ms window: progress lines too.
	r = mustRun(t, "", "producer-perf-test", "--topic", "perf", "--num-records", "60", "--payload-monotonic",
		"--throughput", "400", "--bootstrap-server", bs, "--reporting-interval", "50", "--print-metrics")
	window := regexp.MustCompile(`(?m)^\d+ records sent, [\d.]+ records/sec \([\d.]+ MB/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency\.$`)
	if !window.MatchString(r.stdout) {
		t.Fatalf("no progress line:\n%s", r.stdout)
	}
	if !regexp.MustCompile(`(?m)^producer-metrics:record-send-total:\{client-id=perf-producer-client\} +: 60\.000$`).MatchString(r.stdout) {
		t.Fatalf("metrics:\n%s", r.stdout)
	}

	file := filepath.Join(t.TempDir(), "payloads.txt")
	if err := os.WriteFile(file, []byte("one|two|three"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, "", "producer-perf-test", "--topic", "perf", "--num-records", "10", "--payload-file", file,
		"--payload-delimiter", "|", "--throughput", "-1", "--producer-props", "bootstrap.servers="+bs)
	if !strings.Contains(r.stdout, "Reading payloads from: "+file+"\nNumber of messages read: 3\n") {
		t.Fatalf("payload file output:\n%s", r.stdout)
	}
}

// TestProducerPerfTransactions runs against kfake: Spool does not serve
// transactions (AddPartitionsToTxn, EndTxn, FindCoordinator for a
// transactional id) yet.
func TestProducerPerfTransactions(t *testing.T) {
	bs := newKfakeCluster(t, seed(1, "perf"))
	r := mustRun(t, "", "producer-perf-test", "--topic", "perf", "--num-records", "20", "--record-size", "10",
		"--throughput", "-1", "--bootstrap-server", bs, "--transaction-duration-ms", "5")
	if m := perfTotal.FindStringSubmatch(lines(r.stdout)[0]); m == nil || m[1] != "20" {
		t.Fatalf("output:\n%s", r.stdout)
	}
	r = mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "perf", "--from-beginning",
		"--isolation-level", "read_committed", "--max-messages", "20", "--property", "print.value=false", "--property", "print.offset=true")
	if len(lines(r.stdout)) != 20 {
		t.Fatalf("read %d committed records:\n%s", len(lines(r.stdout)), r.stdout)
	}
}

func TestProducerPerfUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--num-records", "1", "--throughput", "1", "--record-size", "1"}, "producer-performance: error: argument --topic is required"},
		{[]string{"--topic", "t", "--num-records", "1", "--throughput", "1"}, "one of the arguments --record-size --payload-file --payload-monotonic is required"},
		{[]string{"--topic", "t", "--num-records", "1", "--throughput", "1", "--record-size", "1", "--payload-monotonic"}, "argument --payload-monotonic: not allowed with argument --record-size"},
		{[]string{"--topic", "t", "--num-records", "0", "--throughput", "1", "--record-size", "1", "--bootstrap-server", "x:1"}, "--num-records should be greater than zero"},
		{[]string{"--topic", "t", "--num-records", "1", "--throughput", "1", "--record-size", "1"}, "Either --producer-props or --producer.config must be specified."},
	}
	for _, c := range cases {
		r := run(t, "", append([]string{"producer-perf-test"}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

// TestConsumerPerf: without --group the tool joins a random group
// ("perf-consumer-NNNNN"), as Kafka's does.
func TestConsumerPerf(t *testing.T) {
	bs := newGroupsCluster(t, seed(2, "perf"))
	mustRun(t, "", "producer-perf-test", "--topic", "perf", "--num-records", "100", "--record-size", "1000",
		"--throughput", "-1", "--producer-props", "bootstrap.servers="+bs)

	r := mustRun(t, "", "consumer-perf-test", "--bootstrap-server", bs, "--topic", "perf", "--messages", "100", "--print-metrics")
	got := lines(r.stdout)
	if got[0] != "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec" {
		t.Fatalf("header %q", got[0])
	}
	num := `(?:[\d.]+|Infinity|NaN)`
	date := `\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}`
	summary := regexp.MustCompile(`^` + date + `, ` + date + `, 0\.0954, ` + num + `, 100, ` + num + `, \d+, \d+, ` + num + `, ` + num + `$`)
	if !summary.MatchString(got[1]) {
		t.Fatalf("summary %q", got[1])
	}
	if !regexp.MustCompile(`(?m)^consumer-fetch-manager-metrics:records-consumed-total:\{client-id=perf-consumer-client\} +: 100\.000$`).MatchString(r.stdout) {
		t.Fatalf("metrics:\n%s", r.stdout)
	}

	// The run joined a group of its own and committed what it read.
	r = groups(t, bs, "--list")
	group := strings.TrimSuffix(r.stdout, "\n")
	if !regexp.MustCompile(`^perf-consumer-\d{1,5}$`).MatchString(group) {
		t.Fatalf("groups after a run without --group: %q", r.stdout)
	}
	r = groups(t, bs, "--describe", "--group", group)
	rows, committed := lines(r.stdout), 0
	for _, row := range rows[min(2, len(rows)):] {
		f := strings.Fields(row) // group topic partition current end lag - - -
		n, err := strconv.Atoi(f[3])
		if err != nil || f[4] != f[3] || f[5] != "0" {
			t.Fatalf("%s did not commit up to the end:\n%s", group, r.stdout)
		}
		committed += n
	}
	if len(rows) != 4 || committed != 100 {
		t.Fatalf("%s committed %d of 100 records:\n%s", group, committed, r.stdout)
	}

	// The timeout counts from the start, the group join included, as
	// Kafka's; another random group reads the 100 records again.
	r = mustRun(t, "", "consumer-perf-test", "--bootstrap-server", bs, "--topic", "perf", "--messages", "500", "--timeout", "1000", "--hide-header")
	if !strings.HasPrefix(r.stdout, "WARNING: Exiting before consuming the expected number of messages: timeout (1000 ms) exceeded.") {
		t.Fatalf("timeout run:\n%s", r.stdout)
	}
	if got := lines(r.stdout); len(got) != 2 || !strings.Contains(got[1], ", 100, ") {
		t.Fatalf("timeout run should report the 100 records it read:\n%s", r.stdout)
	}
}

// TestConsumerPerfGroup: with --group the tool joins the group and commits,
// so a second run of the same group finds nothing left to read.
func TestConsumerPerfGroup(t *testing.T) {
	bs := newGroupsCluster(t, seed(2, "perf"))
	mustRun(t, "", "producer-perf-test", "--topic", "perf", "--num-records", "50", "--record-size", "10",
		"--throughput", "-1", "--producer-props", "bootstrap.servers="+bs)
	r := mustRun(t, "", "consumer-perf-test", "--bootstrap-server", bs, "--topic", "perf", "--messages", "50", "--group", "g2", "--hide-header")
	if got := lines(r.stdout); len(got) != 1 || !strings.Contains(got[0], ", 50, ") {
		t.Fatalf("group run:\n%s", r.stdout)
	}
	r = mustRun(t, "", "consumer-perf-test", "--bootstrap-server", bs, "--topic", "perf", "--messages", "1", "--timeout", "300", "--group", "g2", "--hide-header")
	if !strings.HasPrefix(r.stdout, "WARNING: Exiting before consuming the expected number of messages: timeout (300 ms) exceeded.") {
		t.Fatalf("second group run:\n%s", r.stdout)
	}
}

func TestJavaDateFormat(t *testing.T) {
	ts, _ := parseTime("2024-03-05T07:08:09.012Z")
	if got := javaDateFormat("yyyy-MM-dd HH:mm:ss:SSS")(ts); got != "2024-03-05 07:08:09:012" {
		t.Fatalf("got %q", got)
	}
	if got := javaDateFormat("dd/MMM/yy h 'o''clock' a")(ts); got != "05/Mar/24 7 o'clock AM" {
		t.Fatalf("got %q", got)
	}
}
