package storage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPartitionDirNames(t *testing.T) {
	for _, c := range []struct {
		name string
		tp   TopicPartition
		kind DirKind
		ok   bool
	}{
		{"orders-0", TopicPartition{"orders", 0}, DirLive, true},
		{"my-topic.v2-17", TopicPartition{"my-topic.v2", 17}, DirLive, true},
		{"a-b-c-3", TopicPartition{"a-b-c", 3}, DirLive, true},
		{"x-delete-2", TopicPartition{"x-delete", 2}, DirLive, true},
		{"my.topic-4.0123456789abcdef0123456789abcdef-delete", TopicPartition{"my.topic", 4}, DirDeleted, true},
		{"t-1.abc-future", TopicPartition{"t", 1}, DirFuture, true},
		{"t-1.abc-stray", TopicPartition{"t", 1}, DirStray, true},
		{"orders", TopicPartition{}, DirLive, false},
		{"orders-", TopicPartition{}, DirLive, false},
		{"-3", TopicPartition{}, DirLive, false},
		{"orders-x", TopicPartition{}, DirLive, false},
		{"orders-1-delete", TopicPartition{}, DirLive, false},
	} {
		tp, kind, err := ParsePartitionDir(c.name)
		if (err == nil) != c.ok || (c.ok && (tp != c.tp || kind != c.kind)) {
			t.Fatalf("%q: %v %v %v", c.name, tp, kind, err)
		}
	}
	tp := TopicPartition{Topic: strings.Repeat("t", 249), Partition: 12}
	name := DeletedDirName(tp, UUID{1})
	if len(name) != 255 || !strings.HasSuffix(name, "-12.01000000000000000000000000000000-delete") {
		t.Fatalf("deleted dir name %q (%d bytes)", name, len(name))
	}
	if got, kind, err := ParsePartitionDir(DeletedDirName(TopicPartition{"a.b", 3}, UUID{2})); err != nil || kind != DirDeleted || got != (TopicPartition{"a.b", 3}) {
		t.Fatalf("round trip: %v %v %v", got, kind, err)
	}
}

func TestPartitionMetadataFile(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadPartitionMetadata(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	id := UUID{0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if err := WritePartitionMetadata(dir, id); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, PartitionMetadataFile))
	if string(data) != "version: 0\ntopic_id: 3q2-7wECAwQFBgcICQoLDA" {
		t.Fatalf("file %q", data)
	}
	if got, err := ReadPartitionMetadata(dir); err != nil || got != id {
		t.Fatalf("read %v %v", got, err)
	}
	for _, bad := range []string{"version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA", "version 0\ntopic_id: 3q2-7wECAwQFBgcICQoLDA", "version: 0\n", "version: 0\ntopic_id: !!"} {
		os.WriteFile(filepath.Join(dir, PartitionMetadataFile), []byte(bad), 0o644)
		if _, err := ReadPartitionMetadata(dir); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	if err := WritePartitionMetadata(dir, UUID{}); err == nil {
		t.Fatal("wrote a zero topic id")
	}
}

func TestMetaProperties(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadMetaProperties(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	m := MetaProperties{Version: 1, ClusterID: "MkU3OEVBNTcwNTJENDM2Qk", NodeID: 3, DirectoryID: UUID{9, 8, 7}}
	if err := WriteMetaProperties(dir, m, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, MetaPropertiesFile))
	want := "cluster.id=MkU3OEVBNTcwNTJENDM2Qk\ndirectory.id=CQgHAAAAAAAAAAAAAAAAAA\nnode.id=3\nversion=1\n"
	if !strings.HasPrefix(string(data), "#\n#") || !strings.HasSuffix(string(data), want) {
		t.Fatalf("file:\n%s", data)
	}
	if got, err := ReadMetaProperties(dir); err != nil || got != m {
		t.Fatalf("read %+v %v", got, err)
	}
	// Kafka's own file, written by java.util.Properties.
	os.WriteFile(filepath.Join(dir, MetaPropertiesFile), []byte("#\n#Tue Jan 02 10:00:00 UTC 2024\nnode.id=1\nversion=1\ncluster.id=abc\n"), 0o644)
	if got, err := ReadMetaProperties(dir); err != nil || got.NodeID != 1 || got.ClusterID != "abc" {
		t.Fatalf("read Kafka's file: %+v %v", got, err)
	}
	os.WriteFile(filepath.Join(dir, MetaPropertiesFile), []byte("version=1\nnode.id=1\n"), 0o644)
	if _, err := ReadMetaProperties(dir); err == nil {
		t.Fatal("accepted version 1 without cluster.id")
	}
}

func TestCleanShutdownMarker(t *testing.T) {
	dir := t.TempDir()
	if clean, _, err := ConsumeCleanShutdownMarker(dir); clean || err != nil {
		t.Fatalf("no marker: %v %v", clean, err)
	}
	if err := WriteCleanShutdownMarker(dir, 42); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, CleanShutdownFile))
	if string(data) != `{"version":0,"brokerEpoch":42}` {
		t.Fatalf("marker %s", data)
	}
	clean, epoch, err := ConsumeCleanShutdownMarker(dir)
	if !clean || epoch != 42 || err != nil {
		t.Fatalf("consume: %v %d %v", clean, epoch, err)
	}
	if clean, _, _ := ConsumeCleanShutdownMarker(dir); clean {
		t.Fatal("the marker survived being consumed")
	}
}

func TestLogDirLifecycle(t *testing.T) {
	root := t.TempDir()
	clock := newClock()
	opts := DirOptions{Now: clock.Now, Logger: quietLogger()}
	d, err := OpenLogDir(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenLogDir(root, opts); err == nil {
		t.Fatal("a second process could open the same log dir")
	}
	tps := []TopicPartition{{"orders", 0}, {"orders", 1}, {"a.b-c", 0}}
	for _, tp := range tps {
		l, err := d.Log(tp, testConfig())
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			if _, err := l.Append(makeBatch(batchSpec{base: int64(i), n: 1, valueSize: 100})); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := d.Log(tps[0], testConfig()); err != nil {
		t.Fatal(err)
	}
	l0, _ := d.Get(tps[0])
	if _, err := l0.DeleteRecordsBefore(5, 20); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(7); err != nil {
		t.Fatal(err)
	}
	rps, _ := ReadOffsetCheckpoint(filepath.Join(root, RecoveryPointCheckpointFile))
	starts, _ := ReadOffsetCheckpoint(filepath.Join(root, LogStartCheckpointFile))
	if rps[tps[1]] != 20 || starts[tps[0]] != 5 || len(rps) != 3 {
		t.Fatalf("checkpoints %v %v", rps, starts)
	}

	// A clean reopen opens nothing until asked, and trusts the files.
	d, err = OpenLogDir(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !d.HadCleanShutdown() || len(d.Partitions()) != 3 {
		t.Fatalf("clean %v, partitions %v", d.HadCleanShutdown(), d.Partitions())
	}
	if _, ok := d.Get(tps[0]); ok {
		t.Fatal("a log opened before it was asked for")
	}
	l, err := d.Log(tps[0], testConfig())
	if err != nil || l.LogStartOffset() != 5 || l.LogEndOffset() != 20 {
		t.Fatalf("reopened log: %v", err)
	}
	if err := d.DeleteLog(tps[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "a.b-c-0")); !os.IsNotExist(err) {
		t.Fatal("the deleted log's directory remains")
	}
	// Crash: no Close, so no marker; the lock goes with the process.
	unlockDir(d.lock)
	os.MkdirAll(filepath.Join(root, DeletedDirName(TopicPartition{"old", 0}, UUID{5})), 0o755)
	d, err = OpenLogDir(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if d.HadCleanShutdown() || len(d.Partitions()) != 2 {
		t.Fatalf("clean %v, partitions %v", d.HadCleanShutdown(), d.Partitions())
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), "-delete") {
			t.Fatal("a -delete directory survived the open")
		}
	}
	// Not every log was opened (recovered): no marker at close.
	if _, err := d.Log(tps[0], testConfig()); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, CleanShutdownFile)); !os.IsNotExist(err) {
		t.Fatal("marker written although a log was never recovered")
	}
	d, err = OpenLogDir(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.OpenAll(func(TopicPartition) Config { return testConfig() }); err != nil {
		t.Fatal(err)
	}
	if n, err := d.ApplyRetention(clock.Now(), func(TopicPartition) int64 { return 20 }); err != nil || n == 0 {
		t.Fatalf("retention: %d %v", n, err)
	}
	if err := d.Close(1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, CleanShutdownFile)); err != nil {
		t.Fatal("no marker after every log was recovered")
	}
}
