package storage

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestOffsetCheckpointRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), RecoveryPointCheckpointFile)
	if got, err := ReadOffsetCheckpoint(path); err != nil || len(got) != 0 {
		t.Fatalf("missing file: %v %v", got, err)
	}
	want := map[TopicPartition]int64{
		{Topic: "a.b-c", Partition: 0}:              42,
		{Topic: "a.b-c", Partition: 11}:             7,
		{Topic: "__consumer_offsets", Partition: 3}: 1 << 40,
	}
	if err := WriteOffsetCheckpoint(path, want); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "0\n3\n__consumer_offsets 3 1099511627776\na.b-c 0 42\na.b-c 11 7\n" {
		t.Fatalf("file:\n%s", data)
	}
	got, err := ReadOffsetCheckpoint(path)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("read %v %v", got, err)
	}
	// A torn temporary file from a crashed write is ignored, and the next
	// write replaces it.
	if err := os.WriteFile(path+".tmp", []byte("0\n5\nfoo 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadOffsetCheckpoint(path); err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("read with a torn temp file: %v %v", got, err)
	}
	want[TopicPartition{Topic: "x", Partition: 1}] = 9
	if err := WriteOffsetCheckpoint(path, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadOffsetCheckpoint(path); !reflect.DeepEqual(got, want) {
		t.Fatalf("read %v", got)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Fatal("the temp file remains")
	}
}

func TestOffsetCheckpointRejectsDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp")
	for _, bad := range []string{"1\n0\n", "0\n2\na 0 1\n", "0\nx\n", "0\n1\na 0\n", "0\n1\na b 1\n"} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := ReadOffsetCheckpoint(path); err == nil {
			t.Fatalf("accepted %q", bad)
		}
	}
	for _, empty := range []string{"", "0\n"} {
		os.WriteFile(path, []byte(empty), 0o644)
		if got, err := ReadOffsetCheckpoint(path); err != nil || len(got) != 0 {
			t.Fatalf("%q: %v %v", empty, got, err)
		}
	}
}

func TestLeaderEpochCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), LeaderEpochCheckpointFile)
	c, err := OpenLeaderEpochCache(path)
	if err != nil {
		t.Fatal(err)
	}
	if e, off := c.EndOffsetFor(3, 100); e != UndefinedEpoch || off != UndefinedEpochOffset {
		t.Fatalf("empty cache: %d %d", e, off)
	}
	for _, e := range []EpochEntry{{1, 0}, {2, 10}, {4, 30}, {4, 35}} {
		if err := c.Assign(e.Epoch, e.StartOffset); err != nil {
			t.Fatal(err)
		}
	}
	want := []EpochEntry{{1, 0}, {2, 10}, {4, 30}}
	if got := c.Entries(); !reflect.DeepEqual(got, want) {
		t.Fatalf("entries %v", got)
	}
	data, _ := os.ReadFile(path)
	if string(data) != "0\n3\n1 0\n2 10\n4 30\n" {
		t.Fatalf("file:\n%s", data)
	}
	for _, c2 := range []struct {
		req, epoch int32
		off        int64
	}{{4, 4, 100}, {2, 2, 30}, {3, 2, 30}, {1, 1, 10}, {0, 0, 0}, {5, UndefinedEpoch, UndefinedEpochOffset}, {-1, UndefinedEpoch, UndefinedEpochOffset}} {
		if e, off := c.EndOffsetFor(c2.req, 100); e != c2.epoch || off != c2.off {
			t.Fatalf("end offset for %d: %d %d, want %d %d", c2.req, e, off, c2.epoch, c2.off)
		}
	}
	if e, ok := c.EpochForOffset(29); !ok || e != 2 {
		t.Fatalf("epoch for 29: %d %v", e, ok)
	}
	// A smaller epoch at a later offset replaces what it contradicts.
	if err := c.Assign(3, 20); err != nil {
		t.Fatal(err)
	}
	if got := c.Entries(); !reflect.DeepEqual(got, []EpochEntry{{1, 0}, {2, 10}, {3, 20}}) {
		t.Fatalf("entries %v", got)
	}
	c.TruncateFromEnd(20)
	c.TruncateFromStart(5)
	if got := c.Entries(); !reflect.DeepEqual(got, []EpochEntry{{1, 5}, {2, 10}}) {
		t.Fatalf("entries after truncation %v", got)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	c2, err := OpenLeaderEpochCache(path)
	if err != nil || !reflect.DeepEqual(c2.Entries(), []EpochEntry{{1, 5}, {2, 10}}) {
		t.Fatalf("reloaded %v %v", c2.Entries(), err)
	}
}

func TestEpochCheckpointWrittenBeforeRecoveryPointMoves(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, testConfig(), Options{})
	defer l.Close()
	if _, err := l.Append(makeBatch(batchSpec{base: 0, n: 1, epoch: 7})); err != nil {
		t.Fatal(err)
	}
	if lines, _ := readCheckpointLines(filepath.Join(dir, LeaderEpochCheckpointFile)); len(lines) != 0 {
		t.Fatal("the append path wrote the epoch checkpoint")
	}
	if err := l.Flush(); err != nil {
		t.Fatal(err)
	}
	lines, _ := readCheckpointLines(filepath.Join(dir, LeaderEpochCheckpointFile))
	if len(lines) != 1 || lines[0] != "7 0" || l.RecoveryPoint() != 1 {
		t.Fatalf("after flush: %q, recovery point %d", lines, l.RecoveryPoint())
	}
}
