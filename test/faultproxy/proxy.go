// Package faultproxy puts a TCP proxy in front of every listener of a
// cluster's nodes, so that tests can cut links between nodes and restore
// them.
//
// Every address a node is reached by (its advertised client listener, its
// controller listener in controller.quorum.voters) is a Proxy of one Net.
// A proxy knows which node it leads to; it learns which node a connection
// comes from by finding, through /proc, the process that owns the
// connection's other end (Linux only). Processes that are not nodes are
// clients (node Client). A cut link stalls: bytes already read wait in the
// proxy and nothing more is forwarded, in either direction, as when packets
// are dropped; when the link heals they flow again. Peers that time out
// close their connections themselves, as they would on a real network.
package faultproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Client is the node number of any process that is not a node: test
// clients, kcat, a python client.
const Client = 0

// Net is the set of proxies of one cluster and the links that are cut.
type Net struct {
	mu struct {
		sync.Mutex
		pids    map[int]int     // process id -> node
		cut     map[[2]int]bool // {from, to} -> no traffic either way
		proxies []*Proxy        // every proxy, to close them
		healed  chan struct{}   // closed and replaced whenever cuts change
		conns   map[*link]bool  // open proxied connections
		closed  bool
	}
}

// New returns a Net with no proxies and no cuts.
func New() *Net {
	n := &Net{}
	n.mu.pids = map[int]int{}
	n.mu.cut = map[[2]int]bool{}
	n.mu.healed = make(chan struct{})
	n.mu.conns = map[*link]bool{}
	return n
}

// SetPID records that process pid is node; the node's previous process, if
// any, is forgotten.
func (n *Net) SetPID(node, pid int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for p, id := range n.mu.pids {
		if id == node {
			delete(n.mu.pids, p)
		}
	}
	n.mu.pids[pid] = node
}

// Isolate cuts every link between node and each of others (nodes, or
// Client for every client).
func (n *Net) Isolate(node int, others ...int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, o := range others {
		if o != node {
			n.mu.cut[key(node, o)] = true
		}
	}
	n.changedLocked()
}

// Cut cuts the link between a and b (nodes or Client), both directions.
func (n *Net) Cut(a, b int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.mu.cut[key(a, b)] = true
	n.changedLocked()
}

// Heal restores every link.
func (n *Net) Heal() {
	n.mu.Lock()
	defer n.mu.Unlock()
	clear(n.mu.cut)
	n.changedLocked()
}

// Close closes every proxy and every connection through them.
func (n *Net) Close() {
	n.mu.Lock()
	n.mu.closed = true
	proxies := n.mu.proxies
	conns := n.mu.conns
	n.mu.conns = map[*link]bool{}
	n.mu.Unlock()
	for _, p := range proxies {
		p.bump(nil)
	}
	for l := range conns {
		l.close()
	}
	n.Heal() // wake stalled copies so that they see their closed sockets
}

func key(a, b int) [2]int {
	if a > b {
		a, b = b, a
	}
	return [2]int{a, b}
}

func (n *Net) changedLocked() {
	close(n.mu.healed)
	n.mu.healed = make(chan struct{})
}

// open reports whether traffic flows between from and to, and if not, a
// channel that is closed when that may have changed.
func (n *Net) open(from, to int) (bool, <-chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if from == to || !n.mu.cut[key(from, to)] {
		return true, nil
	}
	return false, n.mu.healed
}

func (n *Net) nodeOf(pid int) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	if id, ok := n.mu.pids[pid]; ok {
		return id
	}
	return Client
}

func (n *Net) pids() []int {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []int
	for p := range n.mu.pids {
		out = append(out, p)
	}
	return out
}

// Proxy forwards connections on its own loopback port to a node's
// listener. It listens only while its node is up (see Net.Up), so that a
// dial to a node that is down is refused, as it would be without a proxy,
// rather than accepted and reset.
type Proxy struct {
	net    *Net
	node   int
	addr   string // where it listens
	target string
	mu     struct {
		sync.Mutex
		ln  net.Listener // nil while down
		gen int          // bumped by every Up and Down
	}
}

// Listen makes a proxy on addr (host:port; pick a port no outgoing
// connection can be given, see spoolproc.FreePorts) that forwards to
// target, a listener of node. It starts down.
func (n *Net) Listen(node int, addr, target string) *Proxy {
	p := &Proxy{net: n, node: node, addr: addr, target: target}
	n.mu.Lock()
	n.mu.proxies = append(n.mu.proxies, p)
	n.mu.Unlock()
	return p
}

// Addr is the proxy's host:port, to advertise in place of the target.
func (p *Proxy) Addr() string { return p.addr }

// Up starts node's proxies as soon as the listeners they lead to accept
// connections (a node being started opens them after a while).
func (n *Net) Up(node int) {
	for _, p := range n.proxiesOf(node) {
		gen := p.bump(nil)
		go p.up(gen)
	}
}

// Down stops node's proxies listening: new connections are refused.
// Connections through them go on until the node's side ends them.
func (n *Net) Down(node int) {
	for _, p := range n.proxiesOf(node) {
		p.bump(nil)
	}
}

func (n *Net) proxiesOf(node int) []*Proxy {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*Proxy
	for _, p := range n.mu.proxies {
		if p.node == node {
			out = append(out, p)
		}
	}
	return out
}

// bump closes the current listener, installs ln and returns the new
// generation.
func (p *Proxy) bump(ln net.Listener) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.ln != nil {
		p.mu.ln.Close()
	}
	p.mu.ln = ln
	p.mu.gen++
	return p.mu.gen
}

// up waits for the target to accept, then listens, unless another Up or
// Down came meanwhile or the Net closed.
func (p *Proxy) up(gen int) {
	for {
		if p.generation() != gen || p.net.closed() {
			return
		}
		c, err := net.DialTimeout("tcp", p.target, time.Second)
		if err == nil {
			c.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for {
		ln, err := net.Listen("tcp", p.addr)
		if err == nil {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.mu.gen != gen || p.net.closed() {
				ln.Close()
				return
			}
			p.mu.ln = ln
			go p.accept(ln)
			return
		}
		if p.generation() != gen || p.net.closed() {
			return
		}
		time.Sleep(20 * time.Millisecond) // the port is still held by a closing listener
	}
}

func (p *Proxy) generation() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.gen
}

func (n *Net) closed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mu.closed
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go p.serve(c.(*net.TCPConn), ln.Addr().(*net.TCPAddr).Port)
	}
}

// link is one proxied connection.
type link struct {
	from, to int
	in, out  *net.TCPConn
	once     sync.Once
}

func (l *link) close() {
	l.once.Do(func() {
		l.in.Close()
		if l.out != nil {
			l.out.Close()
		}
	})
}

func (p *Proxy) serve(in *net.TCPConn, port int) {
	from := p.net.nodeOf(p.net.ownerPID(in.RemoteAddr().(*net.TCPAddr).Port, port))
	l := &link{from: from, to: p.node, in: in}
	if !p.net.track(l) {
		in.Close()
		return
	}
	defer p.net.untrack(l)
	// A cut link does not even connect: the dial waits as a SYN would.
	if !p.net.wait(l) {
		l.close()
		return
	}
	out, err := net.Dial("tcp", p.target)
	if err != nil {
		// Refused, as far as a proxy can: a reset, not an orderly close,
		// which clients would take for a broker that hung up on purpose.
		in.SetLinger(0)
		l.close()
		return
	}
	l.out = out.(*net.TCPConn)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.net.copy(l, l.out, l.in) }()
	go func() { defer wg.Done(); p.net.copy(l, l.in, l.out) }()
	wg.Wait()
	l.close()
}

func (n *Net) track(l *link) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.mu.closed {
		return false
	}
	n.mu.conns[l] = true
	return true
}

func (n *Net) untrack(l *link) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.mu.conns, l)
}

// wait blocks while l's link is cut; false if the Net closed meanwhile.
func (n *Net) wait(l *link) bool {
	for {
		ok, changed := n.open(l.from, l.to)
		if ok {
			return n.isTracked(l)
		}
		<-changed
	}
}

func (n *Net) isTracked(l *link) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.mu.conns[l]
}

// copy forwards src to dst, holding each chunk while the link is cut. At
// the end of src it half-closes dst, so that either side's close reaches
// the other.
func (n *Net) copy(l *link, dst, src *net.TCPConn) {
	buf := make([]byte, 64<<10)
	for {
		k, err := src.Read(buf)
		if k > 0 {
			if !n.wait(l) {
				return
			}
			if _, werr := dst.Write(buf[:k]); werr != nil {
				l.close()
				return
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) && n.wait(l) {
				dst.CloseWrite()
				return
			}
			l.close()
			return
		}
	}
}
