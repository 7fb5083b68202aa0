package faultproxy

import (
	"bufio"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echo starts a line echo server and returns its address.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// up makes and starts a proxy to node's target and waits until it
// listens.
func up(t *testing.T, n *Net, node int, target string) *Proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := n.Listen(node, addr, target)
	n.Up(node)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("proxy to node %d not listening: %v", node, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func roundTrip(c net.Conn, r *bufio.Reader, d time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(d))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write([]byte("ping\n")); err != nil {
		return "", err
	}
	return r.ReadString('\n')
}

// TestCutStallsAndHealResumes sends through a proxy, cuts the link (the
// bytes wait in the proxy), heals it and gets the answer on the same
// connection.
func TestCutStallsAndHealResumes(t *testing.T) {
	n := New()
	defer n.Close()
	n.SetPID(1, os.Getpid()) // this process is node 1
	p := up(t, n, 2, echo(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := roundTrip(c, r, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("before the cut: %q, %v", got, err)
	}

	n.Cut(1, 2)
	if got, err := roundTrip(c, r, 300*time.Millisecond); err == nil {
		t.Fatalf("answer %q through a cut link", got)
	}
	n.Heal()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); err != nil || got != "ping\n" {
		t.Fatalf("after healing: %q, %v", got, err)
	}
}

// TestIsolateCutsClientsAndOtherNodesOnly checks that the proxy tells a
// node's connections from a client's: isolating node 3 from everyone cuts
// a connection to node 2 only if it comes from node 3.
func TestIsolateCutsClientsAndOtherNodesOnly(t *testing.T) {
	n := New()
	defer n.Close()
	p := up(t, n, 2, echo(t))
	n.Isolate(3, 1, 2, Client)
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if got, err := roundTrip(c, r, 5*time.Second); err != nil || got != "ping\n" {
		t.Fatalf("a client's link to node 2 while node 3 is isolated: %q, %v", got, err)
	}

	n.SetPID(3, os.Getpid()) // now this process is node 3
	c3, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	r3 := bufio.NewReader(c3)
	if got, err := roundTrip(c3, r3, 300*time.Millisecond); err == nil {
		t.Fatalf("isolated node 3 reached node 2: %q", got)
	}
	n.Heal()
	c3.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r3.ReadString('\n'); err != nil || got != "ping\n" {
		t.Fatalf("after healing: %q, %v", got, err)
	}
}

// TestDownRefusesUpListensAgain checks that a proxy whose node is down
// refuses connections, and accepts them again once it is up.
func TestDownRefusesUpListensAgain(t *testing.T) {
	n := New()
	defer n.Close()
	p := up(t, n, 1, echo(t))
	n.Down(1)
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		c.Close()
		t.Fatal("a proxy of a node that is down accepted a connection")
	}
	up(t, n, 1, p.target)
}
