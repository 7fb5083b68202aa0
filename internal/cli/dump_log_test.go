package cli

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// segmentFixture writes a segment starting at offset 10: a plain batch of
// two records, a gzip batch from an idempotent producer, a transaction
// commit marker, and three bytes of a torn write. It also writes an index
// and a time index for it.
func segmentFixture(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	var log, index, timeIndex []byte
	add := func(b record.Batch) {
		index = binary.BigEndian.AppendUint32(index, uint32(b.LastOffset()-10))
		index = binary.BigEndian.AppendUint32(index, uint32(len(log)))
		timeIndex = binary.BigEndian.AppendUint64(timeIndex, uint64(b.MaxTimestamp()))
		timeIndex = binary.BigEndian.AppendUint32(timeIndex, uint32(b.LastOffset()-10))
		log = append(log, b...)
	}
	bl := record.NewBuilder()
	bl.BaseOffset = 10
	bl.Append(1700000000000, []byte("k1"), []byte("hello"), record.Header{Key: "h1", Value: []byte("x")}, record.Header{Key: "h2"})
	bl.Append(1700000000001, nil, []byte("world"))
	add(mustBuild(t, bl))

	bl = record.NewBuilder()
	bl.BaseOffset, bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence, bl.Codec = 12, 7, 0, 3, record.CodecGzip
	bl.Transactional = true
	bl.Append(1700000000005, []byte("k"), nil)
	add(mustBuild(t, bl))

	bl = record.NewBuilder()
	bl.BaseOffset, bl.ProducerID, bl.ProducerEpoch, bl.Control, bl.Transactional = 13, 7, 0, true, true
	bl.Append(1700000000006, []byte{0, 0, 0, 1}, []byte{0, 0, 0, 0, 0, 5})
	add(mustBuild(t, bl))

	log = append(log, 0, 0, 1)
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("00000000000000000010.log", log)
	write("00000000000000000010.index", index)
	write("00000000000000000010.timeindex", timeIndex)
	return dir
}

func mustBuild(t *testing.T, bl *record.Builder) record.Batch {
	t.Helper()
	b, err := bl.Build()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDumpLogSegment(t *testing.T) {
	dir := segmentFixture(t)
	seg := filepath.Join(dir, "00000000000000000010.log")
	r := mustRun(t, "", "dump-log", "--files", seg, "--print-data-log")
	got := lines(r.stdout)
	batch := `^baseOffset: %s lastOffset: %s count: %s baseSequence: %s lastSequence: %s producerId: %s producerEpoch: %s partitionLeaderEpoch: -1 ` +
		`isTransactional: %s isControl: %s deleteHorizonMs: OptionalLong.empty position: %s CreateTime: %s size: \d+ magic: 2 compresscodec: %s crc: \d+ isvalid: true$`
	want := []string{
		"^Dumping " + regexp.QuoteMeta(seg) + "$",
		"^Log starting offset: 10$",
		sprintf(batch, "10", "11", "2", "-1", "-1", "-1", "-1", "false", "false", "0", "1700000000001", "none"),
		`^\| offset: 10 CreateTime: 1700000000000 keySize: 2 valueSize: 5 sequence: -1 headerKeys: \[h1,h2\] key: k1 payload: hello$`,
		`^\| offset: 11 CreateTime: 1700000000001 keySize: -1 valueSize: 5 sequence: -1 headerKeys: \[\] payload: world$`,
		sprintf(batch, "12", "12", "1", "3", "3", "7", "0", "true", "false", `\d+`, "1700000000005", "gzip"),
		`^\| offset: 12 CreateTime: 1700000000005 keySize: 1 valueSize: -1 sequence: 3 headerKeys: \[\] key: k$`,
		sprintf(batch, "13", "13", "1", "-1", "-1", "7", "0", "true", "true", `\d+`, "1700000000006", "none"),
		`^\| offset: 13 CreateTime: 1700000000006 keySize: 4 valueSize: 6 sequence: -1 headerKeys: \[\] endTxnMarker: COMMIT coordinatorEpoch: 5$`,
		`^Found 3 invalid bytes at the end of 00000000000000000010.log$`,
	}
	if len(got) != len(want) {
		t.Fatalf("dump printed %d lines, want %d:\n%s", len(got), len(want), r.stdout)
	}
	for i := range want {
		if !regexp.MustCompile(want[i]).MatchString(got[i]) {
			t.Errorf("line %d:\n got %q\nwant %s", i, got[i], want[i])
		}
	}

	// Without --print-data-log or --deep-iteration only batches are shown.
	r = mustRun(t, "", "dump-log", "--files", seg)
	if strings.Contains(r.stdout, "| offset:") || strings.Count(r.stdout, "baseOffset:") != 3 {
		t.Fatalf("shallow dump:\n%s", r.stdout)
	}
	// Kafka prints the "|" only with metadata or a key; a keyless record's
	// line then starts with " payload:".
	r = mustRun(t, "", "dump-log", "--files", seg, "--deep-iteration", "--skip-record-metadata", "--print-data-log")
	if !strings.Contains(r.stdout, "\n| key: k1 payload: hello\n payload: world\n") {
		t.Fatalf("skip-record-metadata:\n%s", r.stdout)
	}
}

func sprintf(format string, args ...string) string {
	for _, a := range args {
		format = strings.Replace(format, "%s", a, 1)
	}
	return format
}

func TestDumpLogIndexes(t *testing.T) {
	dir := segmentFixture(t)
	idx := filepath.Join(dir, "00000000000000000010.index")
	tidx := filepath.Join(dir, "00000000000000000010.timeindex")
	r := mustRun(t, "", "dump-log", "--files", idx+","+tidx)
	want := "Dumping " + idx + "\noffset: 11 position: 0\noffset: 12 position: "
	if !strings.HasPrefix(r.stdout, want) || !strings.Contains(r.stdout, "Dumping "+tidx+"\ntimestamp: 1700000000001 offset: 11\ntimestamp: 1700000000005 offset: 12\n") {
		t.Fatalf("index dump:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	if r.stderr != "" {
		t.Fatalf("consistent indexes reported problems:\n%s", r.stderr)
	}
	r = mustRun(t, "", "dump-log", "--files", idx, "--index-sanity-check")
	if r.stdout != "Dumping "+idx+"\n"+idx+" passed sanity check.\n" {
		t.Fatalf("sanity check: %q", r.stdout)
	}

	// An index entry that points at the wrong batch is reported.
	data, _ := os.ReadFile(idx)
	binary.BigEndian.PutUint32(data, 5)
	if err := os.WriteFile(idx, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, "", "dump-log", "--files", idx, "--verify-index-only")
	if r.stdout != "Dumping "+idx+"\n" || !strings.Contains(r.stderr, "  Index offset: 15, log offset: 11\n") {
		t.Fatalf("verify: %+v", r)
	}
}

func TestDumpLogOffsetsDecoder(t *testing.T) {
	dir := t.TempDir()
	key := (&kmsg.OffsetCommitKey{Version: 1, Group: "g", Topic: "t", Partition: 3}).AppendTo(nil)
	value := (&kmsg.OffsetCommitValue{Version: 3, Offset: 42, LeaderEpoch: -1, Metadata: "", CommitTimestamp: 1700000000000}).AppendTo(nil)
	gkey := (&kmsg.GroupMetadataKey{Version: 2, Group: "g"}).AppendTo(nil)
	bl := record.NewBuilder()
	bl.Append(1, key, value)
	bl.Append(2, key, nil)
	bl.Append(3, gkey, nil)
	b := mustBuild(t, bl)
	seg := filepath.Join(dir, "00000000000000000000.log")
	if err := os.WriteFile(seg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, "", "dump-log", "--files", seg, "--offsets-decoder")
	for _, want := range []string{
		` key: {"type":"1","data":{"group":"g","topic":"t","partition":3}} payload: {"version":"3","data":{"offset":42,"leaderEpoch":-1,"metadata":"","commitTimestamp":1700000000000}}`,
		` key: {"type":"1","data":{"group":"g","topic":"t","partition":3}} payload: <DELETE>`,
		` key: {"type":"2","data":{"group":"g"}} payload: <DELETE>`,
	} {
		if !strings.Contains(r.stdout, want+"\n") {
			t.Errorf("missing %s in:\n%s", want, r.stdout)
		}
	}
}

func TestDumpLogUsage(t *testing.T) {
	r := run(t, "", "dump-log", "--print-data-log")
	if r.code != 1 || !strings.HasPrefix(r.stderr, `Missing required argument "[files]"`) {
		t.Fatalf("%+v", r)
	}
	r = run(t, "", "dump-log", "--files", "x.log", "--value-decoder-class", "com.example.Nope")
	if r.code != 1 || !strings.Contains(r.stderr, "ClassNotFoundException: com.example.Nope") {
		t.Fatalf("%+v", r)
	}
	r = run(t, "", "dump-log", "--files", "whatever.txt")
	if r.code != 0 || r.stderr != "Ignoring unknown file whatever.txt\n" {
		t.Fatalf("%+v", r)
	}
}

func TestDumpLogProducerSnapshot(t *testing.T) {
	dir := t.TempDir()
	bl := record.NewBuilder()
	bl.BaseOffset, bl.ProducerID, bl.ProducerEpoch, bl.BaseSequence = 4, 9, 2, 0
	bl.Append(1700000000000, nil, []byte("a"))
	bl.Append(1700000000003, nil, []byte("b"))
	state := producerstate.New(0)
	state.Append(mustBuild(t, bl))
	path, err := state.WriteSnapshot(dir, 6)
	if err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, "", "dump-log", "--files", path)
	want := "Dumping " + path + "\nproducerId: 9 producerEpoch: 2 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: 1700000000003 " +
		"firstSequence: 0 lastSequence: 1 lastOffset: 5 offsetDelta: 1 timestamp: 1700000000003\n"
	if r.stdout != want {
		t.Fatalf("got:\n%q\nwant:\n%q", r.stdout, want)
	}
}
