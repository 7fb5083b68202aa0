package quorum

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Preamble opens every Raft connection a Stream dials. Read as a Kafka
// request frame's size it is negative, which no Kafka client sends, so a
// listener can tell Raft traffic from Kafka requests by a connection's
// first four bytes and serve both on one port, as Kafka's controller
// listener does.
var Preamble = []byte{0xFF, 'S', 'R', 'F'}

// Stream is a raft.StreamLayer over connections that arrive on a Kafka
// listener: the listener hands over each connection that starts with
// Preamble (Handoff), and Raft accepts it from here. Outgoing connections
// are plain TCP that begin with the preamble.
type Stream struct {
	addr  net.Addr
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once

	mu     sync.Mutex
	handed map[*trackedConn]struct{} // accepted or waiting, closed on Close
}

// NewStream returns a stream layer advertising addr, the listener's
// address as the other voters know it (controller.quorum.voters).
func NewStream(addr net.Addr) *Stream {
	return &Stream{addr: addr, conns: make(chan net.Conn), done: make(chan struct{}), handed: map[*trackedConn]struct{}{}}
}

// Handoff gives Raft a connection whose preamble has been read. It returns
// once Raft has accepted it or the stream is closed (then the connection
// is closed).
func (s *Stream) Handoff(nc net.Conn) {
	c := &trackedConn{Conn: nc, s: s}
	s.mu.Lock()
	if s.handed == nil {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.handed[c] = struct{}{}
	s.mu.Unlock()
	select {
	case s.conns <- c:
	case <-s.done:
		c.Close()
	}
}

// Accept implements net.Listener.
func (s *Stream) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener: no more connections are accepted, and
// those handed over are closed.
func (s *Stream) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.mu.Lock()
		for c := range s.handed {
			c.Conn.Close()
		}
		s.handed = nil
		s.mu.Unlock()
	})
	return nil
}

// Addr implements net.Listener.
func (s *Stream) Addr() net.Addr { return s.addr }

// Dial implements raft.StreamLayer: it connects to a voter's listener and
// sends the preamble.
func (s *Stream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	select {
	case <-s.done:
		return nil, errors.New("raft stream closed")
	default:
	}
	c, err := net.DialTimeout("tcp", string(address), timeout)
	if err != nil {
		return nil, err
	}
	c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write(Preamble); err != nil {
		c.Close()
		return nil, fmt.Errorf("send raft preamble to %s: %w", address, err)
	}
	c.SetWriteDeadline(time.Time{})
	return c, nil
}

// trackedConn forgets itself in its stream when closed.
type trackedConn struct {
	net.Conn
	s *Stream
}

func (c *trackedConn) Close() error {
	c.s.mu.Lock()
	delete(c.s.handed, c)
	c.s.mu.Unlock()
	return c.Conn.Close()
}
