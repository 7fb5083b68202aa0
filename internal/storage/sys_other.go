//go:build !linux

package storage

import (
	"io"
	"os"
)

func preallocate(f *os.File, size int64) error { return nil }

func sendFile(dst io.Writer, src *os.File, pos, size int64) (int64, bool, error) {
	return 0, false, nil
}

func lockDir(dir string) (*os.File, error) { return nil, nil }

func unlockDir(f *os.File) error { return nil }
