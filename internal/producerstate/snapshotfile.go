package producerstate

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const (
	snapshotSuffix = ".snapshot"
	tmpSuffix      = ".tmp"
)

// SnapshotPath is the file of the snapshot at offset in a partition directory.
func SnapshotPath(dir string, offset int64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", offset, snapshotSuffix))
}

// snapshotOffset parses a snapshot file name; ok is false for other files.
func snapshotOffset(name string) (offset int64, ok bool) {
	digits, found := strings.CutSuffix(name, snapshotSuffix)
	if !found || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	offset, err := strconv.ParseInt(digits, 10, 64)
	return offset, err == nil
}

// ListSnapshots returns the offsets of the snapshots in dir, ascending. A
// missing directory has none.
func ListSnapshots(dir string) ([]int64, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list producer snapshots: %w", err)
	}
	var offsets []int64
	for _, ent := range ents {
		if o, ok := snapshotOffset(ent.Name()); ok && ent.Type().IsRegular() {
			offsets = append(offsets, o)
		}
	}
	slices.Sort(offsets)
	return offsets, nil
}

// WriteSnapshot encodes the state and writes it durably as the snapshot at
// offset, returning its path. It fsyncs: do not call it under the
// partition lock; use MarshalSnapshot there and WriteSnapshotFile after.
func (s *State) WriteSnapshot(dir string, offset int64) (string, error) {
	data, err := s.MarshalSnapshot(offset)
	if err != nil {
		return "", err
	}
	return WriteSnapshotFile(dir, offset, data)
}

// WriteSnapshotFile writes an encoded snapshot atomically: a temporary
// file, fsync, rename, fsync of the directory. An existing snapshot at the
// same offset is replaced.
func WriteSnapshotFile(dir string, offset int64, data []byte) (path string, err error) {
	path = SnapshotPath(dir, offset)
	tmp := path + tmpSuffix
	defer func() {
		if err != nil {
			os.Remove(tmp)
			err = fmt.Errorf("write producer snapshot %d: %w", offset, err)
		}
	}()
	if err := writeSynced(tmp, data); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return path, syncDir(dir)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// ReadSnapshot reads and decodes one snapshot file. A defect is a
// *CorruptSnapshotError; other errors are I/O errors.
func ReadSnapshot(path string) (*State, error) {
	offset, ok := snapshotOffset(filepath.Base(path))
	if !ok {
		return nil, fmt.Errorf("read producer snapshot %s: not a snapshot file name", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read producer snapshot: %w", err)
	}
	s, err := UnmarshalSnapshot(data, offset)
	if cerr, ok := errors.AsType[*CorruptSnapshotError](err); ok {
		cerr.Path = path
	}
	return s, err
}

// LoadLatestSnapshot loads the newest usable snapshot at or below maxOffset
// (the log end offset). As Kafka does, it deletes snapshots above
// maxOffset, which describe a log that was truncated, and corrupt ones,
// trying the next older; it also deletes temporary files left by a crash.
// found is false when no snapshot is usable; the state is then empty at
// offset 0 and must be rebuilt from the log start.
func LoadLatestSnapshot(dir string, maxOffset int64) (s *State, found bool, err error) {
	if err := removeTempFiles(dir); err != nil {
		return nil, false, err
	}
	if err := DeleteSnapshotsAfter(dir, maxOffset); err != nil {
		return nil, false, err
	}
	offsets, err := ListSnapshots(dir)
	if err != nil {
		return nil, false, err
	}
	for _, offset := range slices.Backward(offsets) {
		st, rerr := ReadSnapshot(SnapshotPath(dir, offset))
		if rerr == nil {
			return st, true, nil
		}
		if _, ok := errors.AsType[*CorruptSnapshotError](rerr); !ok {
			return nil, false, rerr
		}
		if err := deleteSnapshots(dir, []int64{offset}); err != nil {
			return nil, false, err
		}
	}
	return New(0), false, nil
}

func removeTempFiles(dir string) error {
	tmps, err := filepath.Glob(filepath.Join(dir, "*"+snapshotSuffix+tmpSuffix))
	if err != nil {
		return fmt.Errorf("find temporary producer snapshots: %w", err)
	}
	for _, tmp := range tmps {
		if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove temporary producer snapshot: %w", err)
		}
	}
	return nil
}

// DeleteSnapshotsBefore deletes the snapshots below offset: call it with
// the log start offset whenever that moves, since a rebuild replaying from
// such a snapshot would miss the deleted batches.
func DeleteSnapshotsBefore(dir string, offset int64) error {
	return deleteWhere(dir, func(o int64, _ int) bool { return o < offset })
}

// DeleteSnapshotsAfter deletes the snapshots above offset: call it when the
// log is truncated to offset. DeleteSnapshotsAfter(dir, -1) deletes all.
func DeleteSnapshotsAfter(dir string, offset int64) error {
	return deleteWhere(dir, func(o int64, _ int) bool { return o > offset })
}

// RetainSnapshots deletes all but the newest n snapshots.
func RetainSnapshots(dir string, n int) error {
	return deleteWhere(dir, func(_ int64, fromNewest int) bool { return fromNewest >= n })
}

// deleteWhere deletes the snapshots for which del, given the offset and the
// position counted from the newest (0), is true.
func deleteWhere(dir string, del func(offset int64, fromNewest int) bool) error {
	offsets, err := ListSnapshots(dir)
	if err != nil {
		return err
	}
	var doomed []int64
	for i, o := range offsets {
		if del(o, len(offsets)-1-i) {
			doomed = append(doomed, o)
		}
	}
	return deleteSnapshots(dir, doomed)
}

// deleteSnapshots removes files and then fsyncs the directory, so that a
// snapshot deleted for truncation cannot come back after a crash and be
// loaded against a log that has since grown past it again.
func deleteSnapshots(dir string, offsets []int64) error {
	if len(offsets) == 0 {
		return nil
	}
	for _, o := range offsets {
		if err := os.Remove(SnapshotPath(dir, o)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("delete producer snapshot %d: %w", o, err)
		}
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("delete producer snapshots: %w", err)
	}
	return nil
}
