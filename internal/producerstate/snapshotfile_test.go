package producerstate

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// writeSnapshots writes a snapshot of an empty state at each offset.
func writeSnapshots(t *testing.T, dir string, offsets ...int64) {
	t.Helper()
	for _, o := range offsets {
		if _, err := New(o).WriteSnapshot(dir, o); err != nil {
			t.Fatal(err)
		}
	}
}

func listed(t *testing.T, dir string) []int64 {
	t.Helper()
	offsets, err := ListSnapshots(dir)
	if err != nil {
		t.Fatal(err)
	}
	return offsets
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSnapshotNamesAndListing(t *testing.T) {
	dir := t.TempDir()
	writeSnapshots(t, dir, 200, 0, 10)
	if got, want := SnapshotPath(dir, 10), filepath.Join(dir, "00000000000000000010.snapshot"); got != want {
		t.Fatalf("SnapshotPath = %s, want %s", got, want)
	}
	for _, name := range []string{"00000000000000000010.log", "x.snapshot", ".snapshot", "00000000000000000300.snapshot.tmp", "-1.snapshot"} {
		touch(t, filepath.Join(dir, name))
	}
	if err := os.Mkdir(filepath.Join(dir, "00000000000000000400.snapshot"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := listed(t, dir); !slices.Equal(got, []int64{0, 10, 200}) {
		t.Fatalf("ListSnapshots = %v, want [0 10 200]", got)
	}
	if got := listed(t, filepath.Join(dir, "missing")); got != nil {
		t.Fatalf("ListSnapshots of a missing directory = %v", got)
	}
}

func TestWriteSnapshotReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	live, end := generated(t, 200)
	writeSnapshots(t, dir, end)
	if _, err := live.WriteSnapshot(dir, end); err != nil {
		t.Fatal(err)
	}
	st, err := ReadSnapshot(SnapshotPath(dir, end))
	if err != nil || !reflect.DeepEqual(st.Producers(), live.Producers()) {
		t.Fatalf("read back a different state (%v)", err)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmps) != 0 {
		t.Fatalf("temporary files left: %v", tmps)
	}
}

func TestLoadLatestSnapshot(t *testing.T) {
	dir := t.TempDir()
	writeSnapshots(t, dir, 10, 20, 30)
	touch(t, SnapshotPath(dir, 40)+tmpSuffix)
	st, found, err := LoadLatestSnapshot(dir, 25)
	if err != nil || !found || st.EndOffset() != 20 {
		t.Fatalf("loaded %v at %d (%v), want the snapshot at 20", found, st.EndOffset(), err)
	}
	// Snapshots above the log end and temporary files are deleted.
	if got := listed(t, dir); !slices.Equal(got, []int64{10, 20}) {
		t.Fatalf("snapshots left: %v, want [10 20]", got)
	}
	if tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(tmps) != 0 {
		t.Fatalf("temporary files left: %v", tmps)
	}
}

func TestLoadLatestSnapshotSkipsCorrupt(t *testing.T) {
	for name, damage := range map[string]func(path string) error{
		"bit flip": func(path string) error {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			data[len(data)/2] ^= 0x40
			return os.WriteFile(path, data, 0o644)
		},
		"torn":  func(path string) error { return os.Truncate(path, 10) },
		"empty": func(path string) error { return os.Truncate(path, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			live, end := generated(t, 100)
			if _, err := live.WriteSnapshot(dir, end); err != nil {
				t.Fatal(err)
			}
			writeSnapshots(t, dir, end+5)
			if err := damage(SnapshotPath(dir, end+5)); err != nil {
				t.Fatal(err)
			}
			st, found, err := LoadLatestSnapshot(dir, end+5)
			if err != nil || !found || st.EndOffset() != end {
				t.Fatalf("loaded %v at %d (%v), want the snapshot at %d", found, st.EndOffset(), err, end)
			}
			if !reflect.DeepEqual(st.Producers(), live.Producers()) {
				t.Fatal("loaded a different state")
			}
			if got := listed(t, dir); !slices.Equal(got, []int64{end}) {
				t.Fatalf("snapshots left: %v, want only %d", got, end)
			}
		})
	}
}

func TestLoadLatestSnapshotWithNone(t *testing.T) {
	dir := t.TempDir()
	writeSnapshots(t, dir, 50)
	st, found, err := LoadLatestSnapshot(dir, 49)
	if err != nil || found || st.Len() != 0 || st.EndOffset() != 0 {
		t.Fatalf("found %v, %d producers at %d (%v); want nothing", found, st.Len(), st.EndOffset(), err)
	}
	if got := listed(t, dir); len(got) != 0 {
		t.Fatalf("snapshots left: %v", got)
	}
}

func TestDeleteSnapshots(t *testing.T) {
	tests := []struct {
		name string
		del  func(dir string) error
		want []int64
	}{
		{"before", func(dir string) error { return DeleteSnapshotsBefore(dir, 20) }, []int64{20, 30, 40}},
		{"after", func(dir string) error { return DeleteSnapshotsAfter(dir, 20) }, []int64{10, 20}},
		{"all", func(dir string) error { return DeleteSnapshotsAfter(dir, -1) }, nil},
		{"retain two", func(dir string) error { return RetainSnapshots(dir, 2) }, []int64{30, 40}},
		{"retain more than there are", func(dir string) error { return RetainSnapshots(dir, 9) }, []int64{10, 20, 30, 40}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSnapshots(t, dir, 10, 20, 30, 40)
			if err := tt.del(dir); err != nil {
				t.Fatal(err)
			}
			if got := listed(t, dir); !slices.Equal(got, tt.want) {
				t.Fatalf("left %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadSnapshotNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	writeSnapshots(t, dir, 7)
	path := SnapshotPath(dir, 7)
	if err := os.Truncate(path, 3); err != nil {
		t.Fatal(err)
	}
	_, err := ReadSnapshot(path)
	cerr, ok := errors.AsType[*CorruptSnapshotError](err)
	if !ok || cerr.Path != path || !strings.Contains(err.Error(), path+" at byte 0") {
		t.Fatalf("error %v does not name the file and byte", err)
	}
	if _, err := ReadSnapshot(filepath.Join(dir, "7.log")); err == nil {
		t.Fatal("read a file that is not named like a snapshot")
	}
}
