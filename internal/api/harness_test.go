package api_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

// testBroker is one in-process single-node cluster (node id 1) on loopback
// ports, with a franz-go admin client and a raw connection for requests at
// exact versions.
type testBroker struct {
	t     *testing.T
	addr  string
	admin *kadm.Client

	mu   sync.Mutex
	conn net.Conn
	corr int32
}

// startBroker runs a node in a temporary directory; props override the
// defaults. It is closed when the test ends.
func startBroker(t *testing.T, props map[string]string) *testBroker {
	t.Helper()
	node := testcluster.Start(t, props)
	tb := &testBroker{t: t, addr: node.Addr()}
	t.Cleanup(func() {
		tb.mu.Lock()
		if tb.conn != nil {
			tb.conn.Close()
		}
		tb.mu.Unlock()
	})
	tb.admin = kadm.NewClient(tb.newClient())
	return tb
}

// newClient returns a franz-go client of the broker, closed with the test.
func (tb *testBroker) newClient(opts ...kgo.Opt) *kgo.Client {
	tb.t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(tb.addr)}, opts...)...)
	if err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Cleanup(cl.Close)
	return cl
}

// request sends req at exactly the version set on it and returns the
// decoded response. Clients negotiate versions; this does not, so tests
// can check every version's fields.
func (tb *testBroker) request(req kmsg.Request) kmsg.Response {
	tb.t.Helper()
	resp, err := tb.roundTrip(req)
	if err != nil {
		tb.t.Fatalf("%s v%d: %v", kmsg.NameForKey(req.Key()), req.GetVersion(), err)
	}
	return resp
}

func (tb *testBroker) roundTrip(req kmsg.Request) (kmsg.Response, error) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.conn == nil {
		c, err := net.DialTimeout("tcp", tb.addr, 5*time.Second)
		if err != nil {
			return nil, err
		}
		tb.conn = c
	}
	tb.corr++
	frame := kmsg.NewRequestFormatter(kmsg.FormatterClientID("api-test")).AppendRequest(nil, req, tb.corr)
	if err := tb.conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := tb.conn.Write(frame); err != nil {
		return nil, err
	}
	body, err := readFrame(tb.conn)
	if err != nil {
		return nil, err
	}
	if got := int32(binary.BigEndian.Uint32(body)); got != tb.corr {
		return nil, fmt.Errorf("correlation id %d, want %d", got, tb.corr)
	}
	body = body[4:]
	resp := req.ResponseKind()
	if resp.IsFlexible() && req.Key() != kmsg.ApiVersions.Int16() {
		body = body[1:] // no tagged fields in our response headers
	}
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("decode response: %w", err)
	}
	return resp, nil
}

func readFrame(c net.Conn) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	_, err := io.ReadFull(c, body)
	return body, err
}

// testCtx is a context that ends with the test or after 20 seconds.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// checkFor polls fn until it returns nil, failing the test with its last
// error after timeout.
func checkFor(t *testing.T, timeout time.Duration, fn func() error) {
	t.Helper()
	testcluster.CheckFor(t, timeout, fn)
}

func str(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
