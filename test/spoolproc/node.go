// Package spoolproc runs real `spool` processes for tests: it builds the
// binary, formats and starts nodes on 127.0.0.1 ports, and kills (-9),
// stops (SIGSTOP), continues, terminates (SIGTERM) and restarts them.
// Cluster forms several nodes into one cluster, optionally with every
// address reached through a faultproxy.Net so that links can be cut.
//
// Each node's directory holds its server.properties, its data and its
// server.log, appended to across restarts; on a failed test the
// directories are kept and the end of every log is printed.
package spoolproc

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles cmd/spool into dir and returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "spool")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/spoolhq/spool/cmd/spool").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build spool: %v\n%s", err, out)
	}
	return bin, nil
}

// Node is one spool process with its directory, ports and properties. A
// node keeps its directory and ports across restarts.
type Node struct {
	ID    int
	Dir   string
	Props map[string]string // server.properties, written at every start
	// Addr is the address clients are told (advertised.listeners).
	Addr string

	t       testing.TB
	bin     string
	onStart func(pid int) // after the process started
	onExit  func()        // after it exited
	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed once cmd has been waited for
	err     error         // cmd.Wait's result, set before exited closes
	log     *os.File
}

// Running reports whether the node's process is alive (stopped counts).
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// PID is the process id, or 0 when the node is down.
func (n *Node) PID() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return 0
	}
	return n.cmd.Process.Pid
}

func (n *Node) configPath() string { return filepath.Join(n.Dir, "server.properties") }

// LogPath is the node's server.log.
func (n *Node) LogPath() string { return filepath.Join(n.Dir, "server.log") }

// DataDir is the node's log.dirs.
func (n *Node) DataDir() string { return filepath.Join(n.Dir, "data") }

func (n *Node) writeConfig() error {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(n.Props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, n.Props[k])
	}
	return os.WriteFile(n.configPath(), []byte(b.String()), 0o644)
}

// Format runs `spool storage format` for the node.
func (n *Node) Format(clusterID string) error {
	if err := n.writeConfig(); err != nil {
		return err
	}
	out, err := exec.Command(n.bin, "storage", "format", "--config", n.configPath(),
		"--cluster-id", clusterID).CombinedOutput()
	if err != nil {
		return fmt.Errorf("format node %d: %v\n%s", n.ID, err, out)
	}
	return nil
}

// Start starts `spool server` on the node's properties; it does not wait
// for the node to serve.
func (n *Node) Start() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		select {
		case <-n.exited:
		default:
			return fmt.Errorf("node %d is already running", n.ID)
		}
	}
	if err := n.writeConfig(); err != nil {
		return err
	}
	log, err := os.OpenFile(n.LogPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "==== spoolproc: start node %d at %s ====\n", n.ID, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(n.bin, "server", n.configPath())
	cmd.Dir = n.Dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start node %d: %w", n.ID, err)
	}
	n.cmd, n.log, n.exited, n.err = cmd, log, make(chan struct{}), nil
	exited := n.exited
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		n.err = err
		n.mu.Unlock()
		log.Close()
		if n.onExit != nil {
			n.onExit()
		}
		close(exited)
	}()
	if n.onStart != nil {
		n.onStart(cmd.Process.Pid)
	}
	return nil
}

// note appends a line to the node's log, to line faults up with what the
// node logged.
func (n *Node) note(format string, args ...any) {
	f, err := os.OpenFile(n.LogPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "==== spoolproc: %s at %s ====\n", fmt.Sprintf(format, args...), time.Now().Format(time.RFC3339Nano))
}

func (n *Node) signal(sig syscall.Signal) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return fmt.Errorf("node %d is not running", n.ID)
	}
	return n.cmd.Process.Signal(sig)
}

// wait waits up to d for the process to exit and returns its exit error.
func (n *Node) wait(d time.Duration) error {
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	if exited == nil {
		return nil
	}
	select {
	case <-exited:
		n.mu.Lock()
		defer n.mu.Unlock()
		return n.err
	case <-time.After(d):
		return fmt.Errorf("node %d still running %v later", n.ID, d)
	}
}

// Kill sends SIGKILL (a stopped process dies too) and waits for the exit.
func (n *Node) Kill() {
	if !n.Running() {
		return
	}
	n.note("kill -9 node %d", n.ID)
	n.signal(syscall.SIGKILL)
	n.wait(time.Minute)
}

// Pause sends SIGSTOP: the process keeps its sockets but does nothing.
func (n *Node) Pause() error {
	n.note("SIGSTOP node %d", n.ID)
	return n.signal(syscall.SIGSTOP)
}

// Resume sends SIGCONT to a paused node.
func (n *Node) Resume() error {
	n.note("SIGCONT node %d", n.ID)
	return n.signal(syscall.SIGCONT)
}

// Terminate sends SIGTERM and waits up to timeout for a clean exit (status
// 0); a node still running then is killed and an error returned.
func (n *Node) Terminate(timeout time.Duration) error {
	if !n.Running() {
		return fmt.Errorf("node %d is not running", n.ID)
	}
	n.note("SIGTERM node %d", n.ID)
	if err := n.signal(syscall.SIGTERM); err != nil {
		return err
	}
	err := n.wait(timeout)
	if n.Running() {
		n.Kill()
		return fmt.Errorf("node %d did not exit within %v of SIGTERM; killed", n.ID, timeout)
	}
	if err != nil {
		return fmt.Errorf("node %d after SIGTERM: %w", n.ID, err)
	}
	return nil
}

// LogTail returns the last max bytes of the node's log.
func (n *Node) LogTail(max int) string {
	data, err := os.ReadFile(n.LogPath())
	if err != nil {
		return err.Error()
	}
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}

// WaitListening waits up to d for addr to accept connections.
func WaitListening(addr string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %v: %w", addr, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FreePorts returns n distinct TCP ports on 127.0.0.1 that nothing
// listens on. They are taken below the kernel's ephemeral range
// (net.ipv4.ip_local_port_range) when there is room, so that no outgoing
// connection is given one of them while a stopped node's port is free;
// otherwise the kernel picks them.
func FreePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	low := ephemeralLow()
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		addr := "127.0.0.1:0"
		if low > 12000 && tries < 100*n {
			addr = fmt.Sprintf("127.0.0.1:%d", low-10000+rand.IntN(10000))
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			if addr == "127.0.0.1:0" {
				return nil, err
			}
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// ephemeralLow is the lowest port the kernel gives outgoing connections,
// or 0 if unknown.
func ephemeralLow() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	var low, high int
	if _, err := fmt.Sscan(string(data), &low, &high); err != nil {
		return 0
	}
	return low
}
