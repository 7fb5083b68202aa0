package storage

import (
	"errors"
	"os"
	"path/filepath"
)

// writeFileDurably replaces path with data by the one durability recipe:
// write a temporary file, fsync it, rename it over path, fsync the
// directory. A crash leaves either the old file or the new one (and perhaps
// a stray .tmp, which readers ignore and the next write replaces).
func writeFileDurably(path string, data []byte) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return errors.Join(err, f.Close())
	}
	if err = f.Sync(); err != nil {
		return errors.Join(err, f.Close())
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
