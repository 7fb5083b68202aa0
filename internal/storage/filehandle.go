package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
)

// fileHandle is one segment's .log file, shared by the appender, readers
// and flushes. Holders take a reference (retain) before using the file and
// drop it (release) after; the descriptor is opened on first use and closed
// when the last reference goes, so idle segments hold no descriptor. A
// deleted segment's file is renamed at once but unlinked only when it is
// both due and unreferenced, so a fetch that still holds it can finish.
type fileHandle struct {
	mu struct {
		sync.Mutex
		path    string
		f       *os.File
		refs    int
		deleted bool // renamed to .deleted; the log no longer lists it
		due     bool // file.delete.delay.ms has passed
		removed bool
	}
}

func newFileHandle(path string) *fileHandle {
	h := &fileHandle{}
	h.mu.path = path
	return h
}

func (h *fileHandle) path() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mu.path
}

// retain takes a reference; it does no I/O, so it may be called under the
// log's lock.
func (h *fileHandle) retain() {
	h.mu.Lock()
	h.mu.refs++
	h.mu.Unlock()
}

// release drops a reference, closing the descriptor with the last one and
// removing a deleted file that is due.
func (h *fileHandle) release() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mu.refs--
	if h.mu.refs < 0 {
		panic("storage: file handle released more often than retained")
	}
	if h.mu.refs > 0 {
		return nil
	}
	err := h.closeLocked()
	if h.mu.deleted && h.mu.due {
		err = errors.Join(err, h.removeLocked())
	}
	return err
}

func (h *fileHandle) closeLocked() error {
	if h.mu.f == nil {
		return nil
	}
	err := h.mu.f.Close()
	h.mu.f = nil
	return err
}

// file returns the open descriptor; the caller must hold a reference. With
// create, a missing file is created (a new segment's first write).
func (h *fileHandle) file(create bool) (*os.File, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.refs <= 0 {
		panic("storage: file used without a reference")
	}
	if h.mu.f != nil {
		return h.mu.f, nil
	}
	if h.mu.removed {
		return nil, fmt.Errorf("open %s: %w", h.mu.path, fs.ErrNotExist)
	}
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE
	}
	f, err := os.OpenFile(h.mu.path, flag, 0o644)
	if err != nil {
		return nil, err
	}
	h.mu.f = f
	return f, nil
}

// markDeleted renames the file to its .deleted name. The rename happens
// under the handle's lock so that a holder opening the file later finds it.
func (h *fileHandle) markDeleted() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.deleted {
		return nil
	}
	h.mu.deleted = true
	to := h.mu.path + deletedSuffix
	if err := os.Rename(h.mu.path, to); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	h.mu.path = to
	return nil
}

// rename moves the file to path, under the handle's lock so that a holder
// opening the file later finds it (a swapped-in segment losing its .swap
// suffix).
func (h *fileHandle) rename(path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mu.deleted || h.mu.path == path {
		return nil
	}
	if err := os.Rename(h.mu.path, path); err != nil {
		return err
	}
	h.mu.path = path
	return nil
}

// markDue says the deletion delay has passed: the file goes now if nobody
// holds it, else with the last release.
func (h *fileHandle) markDue() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mu.due = true
	if h.mu.refs > 0 {
		return nil
	}
	return h.removeLocked()
}

func (h *fileHandle) removeLocked() error {
	if h.mu.removed {
		return nil
	}
	h.mu.removed = true
	if err := os.Remove(h.mu.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// isOpen reports whether a descriptor is open (tests check laziness).
func (h *fileHandle) isOpen() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mu.f != nil
}

func (h *fileHandle) isDeleted() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mu.deleted
}
