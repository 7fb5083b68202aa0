//go:build linux

package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// preallocate reserves size bytes of blocks for f without changing its
// length (FALLOC_FL_KEEP_SIZE), so the file size stays the data size.
func preallocate(f *os.File, size int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	err = rc.Control(func(fd uintptr) {
		ferr = unix.Fallocate(int(fd), unix.FALLOC_FL_KEEP_SIZE, 0, size)
	})
	return errors.Join(err, ferr)
}

// maxSendfile bounds one sendfile call; Linux moves at most ~2 GiB a call.
const maxSendfile = 1 << 30

// sendFile copies size bytes of src at pos to dst with sendfile(2), passing
// the offset explicitly so that src's file offset is never used or moved
// and concurrent senders of the same file do not interfere. handled is false
// when dst cannot take sendfile; nothing was written then.
func sendFile(dst io.Writer, src *os.File, pos, size int64) (written int64, handled bool, err error) {
	sc, ok := dst.(syscall.Conn)
	if !ok {
		return 0, false, nil
	}
	dstRC, err := sc.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	srcRC, err := src.SyscallConn()
	if err != nil {
		return 0, false, nil
	}
	written, err = sendFileRaw(dstRC, srcRC, pos, size)
	return written, true, err
}

// sendFileRaw loops sendfile(2) until size bytes went, waiting for the
// socket to become writable when it is full.
func sendFileRaw(dst, src syscall.RawConn, pos, size int64) (int64, error) {
	var written int64
	var serr, werr error
	cerr := src.Control(func(sfd uintptr) {
		werr = dst.Write(func(dfd uintptr) bool {
			for written < size {
				off := pos + written
				n, err := unix.Sendfile(int(dfd), int(sfd), &off, int(min(size-written, maxSendfile)))
				if n > 0 {
					written += int64(n)
				}
				switch {
				case err == unix.EAGAIN:
					return false // wait until the socket is writable
				case err == unix.EINTR:
				case err != nil:
					serr = err
					return true
				case n == 0:
					serr = io.ErrUnexpectedEOF // the file shrank under us
					return true
				}
			}
			return true
		})
	})
	return written, errors.Join(cerr, werr, serr)
}

// lockDir takes an exclusive flock on dir/.lock, as Kafka does, so that two
// processes never share a log directory.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir+"/.lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: another process uses this log directory: %w", dir, err)
	}
	return f, nil
}

func unlockDir(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}
