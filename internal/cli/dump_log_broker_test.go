package cli

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// dumpedBatch is what dump-log printed for one batch.
type dumpedBatch struct {
	base, last, pid, lastSeq, pos, size int64
	codec                               string
}

var batchLine = regexp.MustCompile(`^baseOffset: (\d+) lastOffset: (\d+) count: \d+ baseSequence: -?\d+ lastSequence: (-?\d+) producerId: (-?\d+) ` +
	`producerEpoch: 0 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty ` +
	`position: (\d+) CreateTime: \d+ size: (\d+) magic: 2 compresscodec: (\w+) crc: \d+ isvalid: true$`)

// TestDumpLogBrokerSegments dumps the files Spool's broker wrote for a
// partition: the segment, its indexes and the producer-state snapshot of a
// clean shutdown, and checks them against what was produced and each other.
func TestDumpLogBrokerSegments(t *testing.T) {
	// Index every batch after the first, as Kafka does with interval 0.
	node := newSpoolNode(t, map[string]string{"log.index.interval.bytes": "0"}, seed(1, "dl"))
	bs := node.Addr()
	// franz-go sends a batch uncompressed when compressing would not shrink
	// it, so the gzip batch needs a compressible value.
	long := strings.Repeat("spool", 40)
	mustRun(t, "k1\tv1\nk2\tv2\n", "console-producer", "--bootstrap-server", bs, "--topic", "dl", "--property", "parse.key=true")
	mustRun(t, long+"\n", "console-producer", "--bootstrap-server", bs, "--topic", "dl", "--compression-codec", "gzip")
	mustRun(t, "v4\nv5\n", "console-producer", "--bootstrap-server", bs, "--topic", "dl", "--sync", "--timeout", "0")
	node.Stop() // a clean shutdown writes the indexes and the snapshot
	dir := filepath.Join(node.Dir, "data", "dl-0")

	seg := filepath.Join(dir, "00000000000000000000.log")
	r := mustRun(t, "", "dump-log", "--files", seg, "--print-data-log")
	got := lines(r.stdout)
	records := []string{
		`^\| offset: 0 CreateTime: \d+ keySize: 2 valueSize: 2 sequence: 0 headerKeys: \[\] key: k1 payload: v1$`,
		`^\| offset: 1 CreateTime: \d+ keySize: 2 valueSize: 2 sequence: 1 headerKeys: \[\] key: k2 payload: v2$`,
		`^\| offset: 2 CreateTime: \d+ keySize: -1 valueSize: 200 sequence: 0 headerKeys: \[\] payload: ` + long + `$`,
		`^\| offset: 3 CreateTime: \d+ keySize: -1 valueSize: 2 sequence: 0 headerKeys: \[\] payload: v4$`,
		`^\| offset: 4 CreateTime: \d+ keySize: -1 valueSize: 2 sequence: 1 headerKeys: \[\] payload: v5$`,
	}
	if len(got) != 2+4+len(records) || got[0] != "Dumping "+seg || got[1] != "Log starting offset: 0" || r.stderr != "" {
		t.Fatalf("segment dump:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	var batches []dumpedBatch
	rec := 0
	for _, l := range got[2:] {
		if m := batchLine.FindStringSubmatch(l); m != nil {
			n := func(i int) int64 { v, _ := strconv.ParseInt(m[i], 10, 64); return v }
			batches = append(batches, dumpedBatch{base: n(1), last: n(2), lastSeq: n(3), pid: n(4), pos: n(5), size: n(6), codec: m[7]})
			continue
		}
		if rec == len(records) || !regexp.MustCompile(records[rec]).MatchString(l) {
			t.Fatalf("unexpected line %q in:\n%s", l, r.stdout)
		}
		rec++
	}
	// One batch per producer run, the --sync run one per line, each from
	// its own idempotent producer, laid out back to back.
	want := []dumpedBatch{{base: 0, last: 1, lastSeq: 1, codec: "none"}, {base: 2, last: 2, lastSeq: 0, codec: "gzip"},
		{base: 3, last: 3, lastSeq: 0, codec: "none"}, {base: 4, last: 4, lastSeq: 1, codec: "none"}}
	if len(batches) != len(want) {
		t.Fatalf("%d batches:\n%s", len(batches), r.stdout)
	}
	var pos int64
	for i, b := range batches {
		w := want[i]
		if b.base != w.base || b.last != w.last || b.lastSeq != w.lastSeq || b.codec != w.codec || b.pos != pos || b.pid < 0 {
			t.Fatalf("batch %d = %+v, want %+v at position %d:\n%s", i, b, w, pos, r.stdout)
		}
		pos += b.size
	}
	if p := batches; p[0].pid == p[1].pid || p[1].pid == p[2].pid || p[0].pid == p[2].pid || p[2].pid != p[3].pid {
		t.Fatalf("producer ids %d %d %d %d: want one per run", p[0].pid, p[1].pid, p[2].pid, p[3].pid)
	}

	checkBrokerIndexes(t, dir, batches)

	// The snapshot at the log end has each producer's last batch.
	snap := filepath.Join(dir, "00000000000000000005.snapshot")
	r = mustRun(t, "", "dump-log", "--files", snap)
	wantSnap := "Dumping " + snap + "\n"
	for _, b := range []dumpedBatch{batches[0], batches[1], batches[3]} {
		wantSnap += fmt.Sprintf(`producerId: %d producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: \d+ `+
			`firstSequence: %d lastSequence: %d lastOffset: %d offsetDelta: %d timestamp: \d+\n`, b.pid, b.lastSeq-(b.last-b.base), b.lastSeq, b.last, b.last-b.base)
	}
	if !regexp.MustCompile(`^` + wantSnap + `$`).MatchString(r.stdout) {
		t.Fatalf("snapshot dump:\n%s\nwant:\n%s", r.stdout, wantSnap)
	}
}

// checkBrokerIndexes checks that every offset and time index entry the
// broker wrote points at a batch of the segment, and that dump-log's own
// checks find nothing wrong.
func checkBrokerIndexes(t *testing.T, dir string, batches []dumpedBatch) {
	t.Helper()
	idx := filepath.Join(dir, "00000000000000000000.index")
	r := mustRun(t, "", "dump-log", "--files", idx)
	entries := lines(r.stdout)
	if len(entries) < 2 || entries[0] != "Dumping "+idx || r.stderr != "" {
		t.Fatalf("index dump:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	for _, e := range entries[1:] {
		var off, pos int64
		if _, err := fmt.Sscanf(e, "offset: %d position: %d", &off, &pos); err != nil {
			t.Fatalf("index line %q: %v", e, err)
		}
		found := false
		for _, b := range batches {
			found = found || b.pos == pos && off >= b.base && off <= b.last
		}
		if !found {
			t.Errorf("index entry %q points at no batch", e)
		}
	}
	tidx := filepath.Join(dir, "00000000000000000000.timeindex")
	for _, f := range []string{idx, tidx} {
		r = mustRun(t, "", "dump-log", "--files", f, "--verify-index-only")
		if r.stdout != "Dumping "+f+"\n" || r.stderr != "" {
			t.Errorf("verify %s: %+v", filepath.Base(f), r)
		}
		r = mustRun(t, "", "dump-log", "--files", f, "--index-sanity-check")
		if r.stdout != "Dumping "+f+"\n"+f+" passed sanity check.\n" {
			t.Errorf("sanity check %s: %+v", filepath.Base(f), r)
		}
	}
	r = mustRun(t, "", "dump-log", "--files", tidx)
	if l := lines(r.stdout); len(l) < 2 || !regexp.MustCompile(`^timestamp: \d+ offset: [34]$`).MatchString(l[len(l)-1]) {
		t.Fatalf("time index dump:\n%s", r.stdout)
	}
}

// TestDumpLogBrokerOffsetsTopic dumps, with --offsets-decoder, the
// __consumer_offsets segment Spool's group coordinator wrote while
// console-consumer --group joined, committed and left: each record as
// kafka-dump-log.sh prints it, JSON in the message schemas' field order.
func TestDumpLogBrokerOffsetsTopic(t *testing.T) {
	node := newSpoolNode(t, map[string]string{"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "1"}, seed(1, "one"))
	bs := node.Addr()
	produceTo(t, bs, "one", 0, now(5)...)
	mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "one", "--group", "c", "--from-beginning", "--max-messages", "3")
	node.Stop()
	seg := filepath.Join(node.Dir, "data", "__consumer_offsets-0", "00000000000000000000.log")
	r := mustRun(t, "", "dump-log", "--files", seg, "--offsets-decoder")
	var records []string
	for _, l := range lines(r.stdout)[2:] {
		if !strings.HasPrefix(l, "baseOffset: ") {
			records = append(records, l)
		}
	}

	// The group is stored empty when it is created (as Kafka 4's
	// coordinator does), with its one member and assignment after the
	// rebalance, and empty again, one generation on, once the member left.
	// The protocol is range, as for Java's console consumer (its default
	// strategies are range and cooperative-sticky). franz-go commits the member id as the offsets' metadata; a periodic
	// auto commit may come before the one on close.
	const head = `^\| offset: \d+ CreateTime: \d+ keySize: \d+ valueSize: \d+ sequence: -1 headerKeys: \[\] `
	member := `console-consumer-[0-9a-f-]{36}`
	group := head + `key: \{"type":"2","data":\{"group":"c"\}\} payload: \{"version":"3","data":`
	created := regexp.MustCompile(group + `\{"protocolType":"","generation":0,"protocol":null,"leader":null,"currentStateTimestamp":\d+,"members":\[\]\}\}$`)
	stable := regexp.MustCompile(group + `\{"protocolType":"consumer","generation":1,"protocol":"range","leader":"(` + member + `)","currentStateTimestamp":\d+,` +
		`"members":\[\{"memberId":"(` + member + `)","groupInstanceId":null,"clientId":"console-consumer","clientHost":"/127.0.0.1","rebalanceTimeout":60000,"sessionTimeout":45000,` +
		`"subscription":\{"topics":\["one"\],"userData":null,"ownedPartitions":\[\],"generationId":-1,"rackId":null\},` +
		`"assignment":\{"assignedPartitions":\[\{"topic":"one","partitions":\[0\]\}\],"userData":null\}\}\]\}\}$`)
	commit := regexp.MustCompile(head + `key: \{"type":"1","data":\{"group":"c","topic":"one","partition":0\}\} ` +
		`payload: \{"version":"3","data":\{"offset":(\d),"leaderEpoch":0,"metadata":"(` + member + `)","commitTimestamp":\d+\}\}$`)
	left := regexp.MustCompile(group + `\{"protocolType":"consumer","generation":2,"protocol":null,"leader":null,"currentStateTimestamp":\d+,"members":\[\]\}\}$`)

	n := len(records)
	if n < 4 || !created.MatchString(records[0]) || !stable.MatchString(records[1]) || !left.MatchString(records[n-1]) || r.stderr != "" {
		t.Fatalf("offsets topic dump:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	id := stable.FindStringSubmatch(records[1])
	if id[1] != id[2] {
		t.Errorf("leader %s is not the member %s", id[1], id[2])
	}
	for i, l := range records[2 : n-1] {
		m := commit.FindStringSubmatch(l)
		if m == nil || m[2] != id[1] || i == n-4 && m[1] != "3" {
			t.Fatalf("record %d is not a commit by %s (the last of offset 3):\n%s", i+2, id[1], r.stdout)
		}
	}
}

// TestDumpLogBrokerConsumerGroupRecords dumps the records a KIP-848
// consumer group (group.protocol=consumer) leaves in __consumer_offsets:
// every key version decodes into its schema's fields, as kafka-dump-log.sh
// prints them.
func TestDumpLogBrokerConsumerGroupRecords(t *testing.T) {
	node := newSpoolNode(t, map[string]string{"offsets.topic.num.partitions": "1"}, seed(1, "one"))
	bs := node.Addr()
	produceTo(t, bs, "one", 0, now(3)...)
	mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "one", "--group", "k", "--from-beginning",
		"--max-messages", "3", "--consumer-property", "group.protocol=consumer")
	node.Stop()
	seg := filepath.Join(node.Dir, "data", "__consumer_offsets-0", "00000000000000000000.log")
	r := mustRun(t, "", "dump-log", "--files", seg, "--offsets-decoder")
	if strings.Contains(r.stdout, "Unknown record type") || strings.Contains(r.stdout, "Error at offset") || r.stderr != "" {
		t.Fatalf("offsets topic dump:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	const uuid = `[A-Za-z0-9_-]{22}`
	member := `"groupId":"k","memberId":"[^"]+"`
	want := map[string]*regexp.Regexp{
		"group epoch":       regexp.MustCompile(`key: \{"type":"3","data":\{"groupId":"k"\}\} payload: \{"version":"0","data":\{"epoch":1(,"metadataHash":-?\d+)?\}\}`),
		"member":            regexp.MustCompile(`key: \{"type":"5","data":\{` + member + `\}\} payload: \{"version":"0","data":\{"instanceId":null,"rackId":null,"clientId":"console-consumer","clientHost":"/127.0.0.1","subscribedTopicNames":\["one"\],"subscribedTopicRegex":(null|""),"rebalanceTimeoutMs":\d+,"serverAssignor":(null|"uniform")\}\}`),
		"target epoch":      regexp.MustCompile(`key: \{"type":"6","data":\{"groupId":"k"\}\} payload: \{"version":"0","data":\{"assignmentEpoch":1\}\}`),
		"target assignment": regexp.MustCompile(`key: \{"type":"7","data":\{` + member + `\}\} payload: \{"version":"0","data":\{"topicPartitions":\[\{"topicId":"` + uuid + `","partitions":\[0\]\}\]\}\}`),
		"current assignment": regexp.MustCompile(`key: \{"type":"8","data":\{` + member + `\}\} payload: \{"version":"0","data":\{"memberEpoch":1,"previousMemberEpoch":0,"state":0,` +
			`"assignedPartitions":\[\{"topicId":"` + uuid + `","partitions":\[0\]\}\],"partitionsPendingRevocation":\[\]\}\}`),
		"member tombstone": regexp.MustCompile(`key: \{"type":"5","data":\{` + member + `\}\} payload: <DELETE>`),
	}
	for what, re := range want {
		if !re.MatchString(r.stdout) {
			t.Errorf("no %s record matching %s", what, re)
		}
	}
	if t.Failed() {
		t.Logf("offsets topic dump:\n%s", r.stdout)
	}
}
