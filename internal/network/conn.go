package network

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"syscall"
	"time"
)

// Conn describes a client connection to the handler.
type Conn struct {
	ID       uint64
	Listener string
	Remote   net.Addr
	Local    net.Addr
}

// queued is a reply waiting its turn in the writer, with what the observer
// needs when it is written.
type queued struct {
	reply   Reply
	apiKey  int16
	started time.Time
	inBytes int
}

type conn struct {
	srv   *Server
	nc    net.Conn
	rd    io.Reader // nc, after any bytes divert read
	info  Conn
	log   *slog.Logger
	queue chan queued
}

// serve runs the connection until either side ends it.
func (c *conn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.writeLoop(ctx, cancel)
	}()
	err := c.readLoop(ctx)
	// The client is gone or broke the protocol: stop waits for its pending
	// replies (a long-polling fetch) rather than holding the socket until
	// they time out.
	cancel()
	close(c.queue)
	if err != nil && !isClosedErr(err) {
		c.log.Info("closing connection", "err", err)
	}
	<-done
	c.nc.Close()
}

func (c *conn) readLoop(ctx context.Context) error {
	r := bufio.NewReaderSize(c.rd, 64<<10)
	var sizeBuf [4]byte
	for {
		if c.srv.cfg.IdleTimeout > 0 {
			c.nc.SetReadDeadline(time.Now().Add(c.srv.cfg.IdleTimeout))
		}
		if _, err := io.ReadFull(r, sizeBuf[:]); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return fmt.Errorf("idle for %v (connections.max.idle.ms)", c.srv.cfg.IdleTimeout)
			}
			return err
		}
		size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
		if size < 8 || size > c.srv.cfg.MaxRequestSize {
			return fmt.Errorf("request size %d outside [8, %d] (socket.request.max.bytes)", size, c.srv.cfg.MaxRequestSize)
		}
		c.nc.SetReadDeadline(time.Time{})
		frame := c.srv.frames.get(int(size))
		if _, err := io.ReadFull(r, frame); err != nil {
			return fmt.Errorf("read request of %d bytes: %w", size, err)
		}
		started := time.Now()
		apiKey := int16(binary.BigEndian.Uint16(frame))
		reply, err := c.handle(ctx, frame)
		if err != nil {
			return fmt.Errorf("api key %d: %w", apiKey, err)
		}
		if reply.FrameDone {
			c.srv.frames.put(frame)
		}
		select {
		case c.queue <- queued{reply: reply, apiKey: apiKey, started: started, inBytes: int(size) + 4}:
		case <-ctx.Done():
			releaseReply(reply)
			return ctx.Err()
		}
	}
}

// divert reads the first bytes of a connection on a listener with a Divert
// and, if they are its prefix, hands the connection over and reports true.
// Otherwise the bytes read are put back in front of the reader.
func (c *conn) divert(d *Divert) bool {
	if d == nil {
		return false
	}
	head := make([]byte, len(d.Prefix))
	c.nc.SetReadDeadline(time.Now().Add(divertTimeout))
	n, err := io.ReadFull(c.nc, head)
	c.nc.SetReadDeadline(time.Time{})
	if err == nil && bytes.Equal(head, d.Prefix) {
		d.To(c.nc)
		return true
	}
	// A short read ends the connection in readLoop, as it would have.
	c.rd = io.MultiReader(bytes.NewReader(head[:n]), &errReader{err: err, r: c.nc})
	return false
}

// divertTimeout bounds how long a new connection on a diverting listener
// may stay silent before its first bytes.
const divertTimeout = 30 * time.Second

// errReader returns err once, if set, and then reads r.
type errReader struct {
	err error
	r   io.Reader
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.err != nil {
		err := e.err
		e.err = nil
		return 0, err
	}
	return e.r.Read(p)
}

// handle calls the handler, turning a panic into an error that closes this
// connection: one bad request must not take the broker down.
func (c *conn) handle(ctx context.Context, frame []byte) (reply Reply, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("request handler panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return c.srv.handler.Handle(ctx, &c.info, frame)
}

// writeLoop writes replies in request order. When writing fails it cancels
// the connection and keeps draining so pending replies are released.
func (c *conn) writeLoop(ctx context.Context, cancel context.CancelFunc) {
	w := bufio.NewWriterSize(c.nc, 64<<10)
	broken := false
	for q := range c.queue {
		resp := q.reply.Ready
		if q.reply.Later != nil {
			select {
			case resp = <-q.reply.Later:
			default:
				// Don't hold finished responses back while this one waits.
				if !broken && w.Buffered() > 0 {
					if err := w.Flush(); err != nil {
						broken = c.fail(err, cancel)
					}
				}
				resp = <-q.reply.Later
			}
		}
		if resp == nil {
			c.srv.observe(q.apiKey, q.started, q.inBytes, 0)
			continue
		}
		if !broken {
			if err := c.write(w, resp); err != nil {
				broken = c.fail(err, cancel)
			}
		}
		resp.Release()
		c.srv.observe(q.apiKey, q.started, q.inBytes, resp.Size())
	}
}

// fail ends the connection after a write error; it reports true so the
// caller can mark the writer broken.
func (c *conn) fail(err error, cancel context.CancelFunc) bool {
	if !isClosedErr(err) {
		c.log.Info("write response failed", "err", err)
	}
	cancel()
	c.nc.Close()
	return true
}

func (c *conn) write(w *bufio.Writer, resp *Response) error {
	if err := writeResponse(w, c.nc, resp); err != nil {
		return err
	}
	// Flush only when no further reply is queued, so that pipelined
	// responses share write calls; a queued reply that is still pending
	// flushes before it waits.
	if len(c.queue) == 0 {
		return w.Flush()
	}
	return nil
}

func releaseReply(r Reply) {
	if r.Ready != nil {
		r.Ready.Release()
	}
	if r.Later != nil {
		go func() {
			if resp := <-r.Later; resp != nil {
				resp.Release()
			}
		}()
	}
}

func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
