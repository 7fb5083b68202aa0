package network

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// echoHandler answers each frame with its own bytes; frames whose API key
// is 1 are answered later, after the next frame arrived, to prove replies
// keep request order.
type echoHandler struct {
	release chan struct{}
}

func (h *echoHandler) Handle(ctx context.Context, c *Conn, frame []byte) (Reply, error) {
	if binary.BigEndian.Uint16(frame) == 99 {
		return Reply{}, errors.New("bad request")
	}
	resp := frameResponse(append([]byte(nil), frame...))
	if binary.BigEndian.Uint16(frame) != 1 {
		return Reply{Ready: resp, FrameDone: true}, nil
	}
	ch := make(chan *Response, 1)
	go func() {
		<-h.release
		ch <- resp
	}()
	return Reply{Later: ch}, nil
}

func frameResponse(body []byte) *Response {
	head := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	return &Response{Head: append(head, body...)}
}

func startServer(t *testing.T, h Handler, cfg Config) net.Addr {
	t.Helper()
	if cfg.MaxRequestSize == 0 {
		cfg.MaxRequestSize = 1 << 20
	}
	s := NewServer(cfg, h, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	addr, err := s.Listen("PLAINTEXT", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return addr
}

func writeFrame(t *testing.T, c net.Conn, apiKey uint16, payload string) {
	t.Helper()
	body := binary.BigEndian.AppendUint16(nil, apiKey)
	body = append(body, 0, 0, 0, 0, 0, 0)
	body = append(body, payload...)
	if _, err := c.Write(binary.BigEndian.AppendUint32(nil, uint32(len(body)))); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(body); err != nil {
		t.Fatal(err)
	}
}

func readFrame(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		t.Fatal(err)
	}
	return string(body[8:])
}

func TestRepliesKeepRequestOrder(t *testing.T) {
	h := &echoHandler{release: make(chan struct{})}
	addr := startServer(t, h, Config{})
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeFrame(t, c, 1, "first")  // pending
	writeFrame(t, c, 0, "second") // ready at once
	// The ready reply must wait behind the pending one.
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatalf("got %d bytes before the first reply was ready", n)
	}
	close(h.release)
	if got := readFrame(t, c); got != "first" {
		t.Fatalf("first reply = %q", got)
	}
	if got := readFrame(t, c); got != "second" {
		t.Fatalf("second reply = %q", got)
	}
}

func TestOversizeFrameClosesConnection(t *testing.T) {
	addr := startServer(t, &echoHandler{}, Config{MaxRequestSize: 100})
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeFrame(t, c, 0, string(make([]byte, 200)))
	assertClosed(t, c)
}

func TestHandlerErrorClosesConnection(t *testing.T) {
	addr := startServer(t, &echoHandler{}, Config{})
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeFrame(t, c, 0, "ok")
	if got := readFrame(t, c); got != "ok" {
		t.Fatalf("reply = %q", got)
	}
	writeFrame(t, c, 99, "boom")
	assertClosed(t, c)
}

func assertClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.ReadFull(c, make([]byte, 4))
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection not closed: %v", err)
	}
}

// fileRange serves bytes from memory, recording how it was written.
type fileRange struct {
	data     []byte
	sent     bool
	released bool
}

func (f *fileRange) Len() int                { return len(f.data) }
func (f *fileRange) ReadInto(p []byte) error { copy(p, f.data); return nil }
func (f *fileRange) Release()                { f.released = true }
func (f *fileRange) SendTo(c syscall.Conn) error {
	f.sent = true
	_, err := c.(io.Writer).Write(f.data)
	return err
}

type rangeHandler struct{ ranges []*fileRange }

func (h *rangeHandler) Handle(ctx context.Context, c *Conn, frame []byte) (Reply, error) {
	small := &fileRange{data: bytes.Repeat([]byte("s"), 10)}
	large := &fileRange{data: bytes.Repeat([]byte("L"), sendfileThreshold*2)}
	h.ranges = append(h.ranges, small, large)
	body := len(frame[8:]) + small.Len() + large.Len() + 2
	head := binary.BigEndian.AppendUint32(nil, uint32(body+8))
	head = append(head, frame[:8]...)
	head = append(head, frame[8:]...)
	return Now(&Response{Head: head, Parts: []Part{{File: small, After: []byte("|")}, {File: large, After: []byte("|")}}}), nil
}

func TestFileRangesAreWrittenInPlace(t *testing.T) {
	h := &rangeHandler{}
	addr := startServer(t, h, Config{})
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	writeFrame(t, c, 0, "hdr")
	got := readFrame(t, c)
	want := "hdr" + string(bytes.Repeat([]byte("s"), 10)) + "|" + string(bytes.Repeat([]byte("L"), sendfileThreshold*2)) + "|"
	if got != want {
		t.Fatalf("response body mismatch: got %d bytes, want %d", len(got), len(want))
	}
	if h.ranges[0].sent || !h.ranges[1].sent {
		t.Fatalf("small range sent=%v, large range sent=%v; want copy then sendfile", h.ranges[0].sent, h.ranges[1].sent)
	}
}

type panicHandler struct{}

func (panicHandler) Handle(ctx context.Context, c *Conn, frame []byte) (Reply, error) {
	if binary.BigEndian.Uint16(frame) == 7 {
		panic("boom")
	}
	return Reply{Ready: frameResponse(append([]byte(nil), frame...))}, nil
}

func TestHandlerPanicClosesOnlyThatConnection(t *testing.T) {
	addr := startServer(t, panicHandler{}, Config{})
	bad, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	writeFrame(t, bad, 7, "explode")
	assertClosed(t, bad)
	good, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	writeFrame(t, good, 0, "fine")
	if got := readFrame(t, good); got != "fine" {
		t.Fatalf("reply after a panic elsewhere = %q", got)
	}
}

// waitHandler answers only when its context ends, like a long poll with no
// data.
type waitHandler struct{ cancelled chan struct{} }

func (h waitHandler) Handle(ctx context.Context, c *Conn, frame []byte) (Reply, error) {
	ch := make(chan *Response, 1)
	go func() {
		<-ctx.Done()
		close(h.cancelled)
		ch <- nil
	}()
	return Reply{Later: ch}, nil
}

func TestClientHangupEndsPendingReplies(t *testing.T) {
	h := waitHandler{cancelled: make(chan struct{})}
	addr := startServer(t, h, Config{})
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	writeFrame(t, c, 1, "wait")
	c.Close()
	select {
	case <-h.cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("a pending reply outlived the client that hung up")
	}
}
