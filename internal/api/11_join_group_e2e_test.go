package api_test

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestJoinGroupMetadataSurvivesPipelinedRequests sends a JoinGroup and, on
// the same connection before its answer, requests of the same size that the
// broker reads into recycled buffers. The coordinator works on the JoinGroup
// after its handler returned, so its protocol metadata must not live in a
// buffer the connection reuses: the leader's member list carries it back
// byte for byte. (Under -race a reused buffer is also reported as a race.)
func TestJoinGroupMetadataSurvivesPipelinedRequests(t *testing.T) {
	tb := startBroker(t, map[string]string{"group.initial.rebalance.delay.ms": "0"})
	// Create __consumer_offsets and wait for its coordinator to load.
	checkFor(t, 10*time.Second, func() error {
		find := kmsg.NewPtrFindCoordinatorRequest()
		find.CoordinatorKey = "pipelined"
		resp := tb.request(find).(*kmsg.FindCoordinatorResponse)
		return kerr.ErrorForCode(resp.ErrorCode)
	})

	metadata := bytes.Repeat([]byte{0xAB}, 3000)
	join := kmsg.NewPtrJoinGroupRequest()
	join.Version = 3
	join.Group = "pipelined"
	join.SessionTimeoutMillis = 10000
	join.RebalanceTimeoutMillis = 10000
	join.ProtocolType = "consumer"
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: metadata}}

	format := kmsg.NewRequestFormatter(kmsg.FormatterClientID("api-test"))
	frames := format.AppendRequest(nil, join, 1)
	const followers = 20
	for i := range followers {
		md := kmsg.NewPtrMetadataRequest()
		md.Version = 4
		// Topic names that fill a frame of about the JoinGroup's size with
		// other bytes.
		for range 12 {
			md.Topics = append(md.Topics, kmsg.MetadataRequestTopic{Topic: kmsg.StringPtr(string(bytes.Repeat([]byte{'z'}, 240)))})
		}
		// AppendRequest sizes the frame from the start of the buffer it is
		// given, so each gets its own.
		frames = append(frames, format.AppendRequest(nil, md, int32(2+i))...)
	}
	c, err := net.DialTimeout("tcp", tb.addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(frames); err != nil {
		t.Fatal(err)
	}
	body, err := readFrame(c)
	if err != nil {
		t.Fatal(err)
	}
	resp := kmsg.NewPtrJoinGroupResponse()
	resp.Version = 3
	if err := resp.ReadFrom(body[4:]); err != nil {
		t.Fatalf("decode JoinGroup response: %v", err)
	}
	if resp.ErrorCode != 0 || len(resp.Members) != 1 {
		t.Fatalf("JoinGroup: error %d, %d members; want a group of one led by us", resp.ErrorCode, len(resp.Members))
	}
	if got := resp.Members[0].ProtocolMetadata; !bytes.Equal(got, metadata) {
		t.Fatalf("the leader got member metadata of %d bytes that differs from the %d sent", len(got), len(metadata))
	}
	for range followers {
		if _, err := readFrame(c); err != nil {
			t.Fatalf("answer to a pipelined Metadata: %v", err)
		}
	}
}
