package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Handler handles one request frame: the request header and body without
// the size prefix. A returned error closes the connection; Kafka errors the
// client should act on belong in the reply instead.
type Handler interface {
	Handle(ctx context.Context, c *Conn, frame []byte) (Reply, error)
}

// Observer is told about every request once its response is written (or
// skipped, for requests that get none).
type Observer interface {
	RequestDone(apiKey int16, elapsed time.Duration, inBytes, outBytes int)
	ConnectionOpened(listener string)
	ConnectionClosed(listener string)
}

// Config holds the socket settings, named after their Kafka keys.
type Config struct {
	MaxRequestSize     int32         // socket.request.max.bytes
	IdleTimeout        time.Duration // connections.max.idle.ms; 0 = never
	MaxConnections     int           // max.connections; 0 = unlimited
	MaxInFlight        int           // replies queued per connection before reading pauses
	SendBufferBytes    int           // socket.send.buffer.bytes; <= 0 = OS default
	ReceiveBufferBytes int           // socket.receive.buffer.bytes; <= 0 = OS default
}

// Server accepts connections on any number of listeners.
type Server struct {
	cfg     Config
	handler Handler
	obs     Observer
	log     *slog.Logger
	frames  framePool
	nextID  atomic.Uint64
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu struct {
		sync.Mutex
		listeners []net.Listener
		conns     map[*conn]struct{}
		closed    bool
	}
}

// Divert takes connections of another protocol away from a listener: a
// connection whose first bytes are Prefix is handed to To, positioned just
// after the prefix, and the server forgets it. Prefix must be something no
// Kafka request can begin with (a negative frame size, say), so that Raft
// traffic can share the controller listener as it does in Kafka.
type Divert struct {
	Prefix []byte
	To     func(net.Conn)
}

// NewServer returns a server that passes requests to h. obs may be nil.
func NewServer(cfg Config, h Handler, obs Observer, log *slog.Logger) *Server {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 32
	}
	s := &Server{cfg: cfg, handler: h, obs: obs, log: log}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.conns = make(map[*conn]struct{})
	return s
}

// Listen starts accepting connections on addr for the named listener and
// returns the bound address (useful with port 0).
func (s *Server) Listen(name, addr string) (net.Addr, error) {
	return s.ListenDivert(name, addr, nil)
}

// ListenDivert is Listen with connections starting with d.Prefix handed to
// d.To; a nil d diverts nothing.
func (s *Server) ListenDivert(name, addr string, d *Divert) (net.Addr, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s on %s: %w", name, addr, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		ln.Close()
		return nil, errors.New("server is closed")
	}
	s.mu.listeners = append(s.mu.listeners, ln)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.acceptLoop(name, ln, d)
	}()
	s.log.Info("listening", "listener", name, "addr", ln.Addr().String())
	return ln.Addr(), nil
}

func (s *Server) acceptLoop(name string, ln net.Listener, d *Divert) {
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: pause rather than spin.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed", "listener", name, "err", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.startConn(name, nc, d)
	}
}

func (s *Server) startConn(name string, nc net.Conn, d *Divert) {
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
		if s.cfg.SendBufferBytes > 0 {
			tc.SetWriteBuffer(s.cfg.SendBufferBytes)
		}
		if s.cfg.ReceiveBufferBytes > 0 {
			tc.SetReadBuffer(s.cfg.ReceiveBufferBytes)
		}
	}
	c := &conn{
		srv:   s,
		nc:    nc,
		info:  Conn{ID: s.nextID.Add(1), Listener: name, Remote: nc.RemoteAddr(), Local: nc.LocalAddr()},
		rd:    nc,
		queue: make(chan queued, s.cfg.MaxInFlight),
	}
	c.log = s.log.With("listener", name, "remote", nc.RemoteAddr().String())
	s.mu.Lock()
	if s.mu.closed || (s.cfg.MaxConnections > 0 && len(s.mu.conns) >= s.cfg.MaxConnections) {
		closed := s.mu.closed
		s.mu.Unlock()
		if !closed {
			c.log.Warn("refusing connection: max.connections reached", "max", s.cfg.MaxConnections)
		}
		nc.Close()
		return
	}
	s.mu.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	if s.obs != nil {
		s.obs.ConnectionOpened(name)
	}
	go func() {
		defer s.wg.Done()
		if !c.divert(d) {
			c.serve(s.ctx)
		}
		s.mu.Lock()
		delete(s.mu.conns, c)
		s.mu.Unlock()
		if s.obs != nil {
			s.obs.ConnectionClosed(name)
		}
	}()
}

func (s *Server) observe(apiKey int16, started time.Time, in, out int) {
	if s.obs != nil {
		s.obs.RequestDone(apiKey, time.Since(started), in, out)
	}
}

// Close stops accepting, closes every connection and waits for their
// goroutines to finish.
func (s *Server) Close() error {
	s.mu.Lock()
	s.mu.closed = true
	for _, ln := range s.mu.listeners {
		ln.Close()
	}
	for c := range s.mu.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}
