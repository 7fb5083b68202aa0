package broker_test

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/testcluster"
)

// rawRequest frames a request header and body by hand.
func rawRequest(key, version int16, corrID int32, body []byte, flexible bool) []byte {
	b := make([]byte, 4, 64+len(body))
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(corrID))
	b = binary.BigEndian.AppendUint16(b, 4)
	b = append(b, "test"...)
	if flexible {
		b = append(b, 0)
	}
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	return b
}

func dial(t *testing.T, node *testcluster.Node) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", node.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse returns the body of the next response after its correlation
// id.
func readResponse(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var size [4]byte
	if _, err := io.ReadFull(c, size[:]); err != nil {
		t.Fatalf("read response: %v", err)
	}
	body := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c, body); err != nil {
		t.Fatal(err)
	}
	return body[4:]
}

func assertClosed(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.ReadFull(c, make([]byte, 1))
	if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection still open: %v", err)
	}
}

func TestMalformedRequestsCloseTheConnection(t *testing.T) {
	node := testcluster.Start(t, map[string]string{"socket.request.max.bytes": "1048576"})
	cases := map[string][]byte{
		"oversize frame":    binary.BigEndian.AppendUint32(nil, 2<<20),
		"negative size":     binary.BigEndian.AppendUint32(nil, 0xffffffff),
		"unknown api key":   rawRequest(9999, 0, 1, nil, false),
		"truncated header":  {0, 0, 0, 5, 0, 18, 0, 0, 0},
		"garbage body":      rawRequest(3, 9, 1, []byte{0xff, 0xff, 0xff, 0x7f, 1, 2}, true),
		"version above max": rawRequest(0, 99, 1, nil, false),
	}
	for name, frame := range cases {
		t.Run(name, func(t *testing.T) {
			c := dial(t, node)
			if _, err := c.Write(frame); err != nil {
				t.Fatal(err)
			}
			assertClosed(t, c)
		})
	}
	// The broker is unharmed.
	produceAll(t, node.Client(kgo.AllowAutoTopicCreation()), "after-garbage", 10)
	consumeAll(t, node, "after-garbage", 10)
}

func TestApiVersionsTooNewAnswersWithRanges(t *testing.T) {
	node := testcluster.Start(t, nil)
	c := dial(t, node)
	c.Write(rawRequest(18, 99, 7, nil, false))
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = 0
	if err := resp.ReadFrom(readResponse(t, c)); err != nil {
		t.Fatal(err)
	}
	if resp.ErrorCode != kerr.UnsupportedVersion.Code || len(resp.ApiKeys) == 0 {
		t.Fatalf("error %d with %d api keys", resp.ErrorCode, len(resp.ApiKeys))
	}
}

func TestOldProduceVersionsAreRefused(t *testing.T) {
	node := testcluster.Start(t, nil)
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = 2, 1, 1000
	topic := kmsg.NewProduceRequestTopic()
	topic.Topic = "old"
	part := kmsg.NewProduceRequestTopicPartition()
	topic.Partitions = append(topic.Partitions, part)
	req.Topics = append(req.Topics, topic)
	c := dial(t, node)
	c.Write(rawRequest(0, 2, 9, req.AppendTo(nil), false))
	resp := kmsg.NewPtrProduceResponse()
	resp.Version = 2
	if err := resp.ReadFrom(readResponse(t, c)); err != nil {
		t.Fatal(err)
	}
	if got := resp.Topics[0].Partitions[0].ErrorCode; got != kerr.UnsupportedVersion.Code {
		t.Fatalf("produce v2 answered with error %d, want UNSUPPORTED_VERSION", got)
	}
}
