package faultproxy

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ownerPID returns the process, among the Net's nodes, that owns the
// loopback socket with local port local connected to remote port remote,
// or 0 if none does (a client, or a socket already closed).
func (n *Net) ownerPID(local, remote int) int {
	inode := socketInode(local, remote)
	if inode == "" {
		return 0
	}
	want := "socket:[" + inode + "]"
	for _, pid := range n.pids() {
		dir := filepath.Join("/proc", strconv.Itoa(pid), "fd")
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(dir, fd.Name())); err == nil && target == want {
				return pid
			}
		}
	}
	return 0
}

// socketInode finds the inode of the TCP socket whose local port is local
// and remote port is remote in /proc/net/tcp and tcp6.
func socketInode(local, remote int) string {
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		if inode := findInode(file, local, remote); inode != "" {
			return inode
		}
	}
	return ""
}

func findInode(file string, local, remote int) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
		fields := strings.Fields(sc.Text())
		if len(fields) < 10 {
			continue
		}
		if hexPort(fields[1]) == local && hexPort(fields[2]) == remote {
			return fields[9]
		}
	}
	return ""
}

// hexPort returns the port of an address as /proc/net/tcp writes it
// ("0100007F:1F90").
func hexPort(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	if i < 0 {
		return -1
	}
	p, err := strconv.ParseUint(addr[i+1:], 16, 16)
	if err != nil {
		return -1
	}
	return int(p)
}
