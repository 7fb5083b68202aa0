package api_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func (tb *testBroker) describeCluster(v int16, endpointType int8, ops bool) *kmsg.DescribeClusterResponse {
	tb.t.Helper()
	req := kmsg.NewPtrDescribeClusterRequest()
	req.Version, req.EndpointType, req.IncludeClusterAuthorizedOperations = v, endpointType, ops
	req.IncludeFencedBrokers = v >= 2
	return tb.request(req).(*kmsg.DescribeClusterResponse)
}

func TestDescribeClusterBrokers(t *testing.T) {
	tb := startBroker(t, map[string]string{"broker.rack": "rack-a"})
	meta := kmsg.NewPtrMetadataRequest()
	meta.Version = 12
	clusterID := tb.request(meta).(*kmsg.MetadataResponse).ClusterID
	host, port, _ := net.SplitHostPort(tb.addr)
	for v := int16(0); v <= 2; v++ {
		resp := tb.describeCluster(v, 1, false)
		if resp.ErrorCode != 0 || resp.ErrorMessage != nil {
			t.Fatalf("v%d: error %d %q", v, resp.ErrorCode, str(resp.ErrorMessage))
		}
		if clusterID == nil || resp.ClusterID != *clusterID || resp.ControllerID != 1 {
			t.Errorf("v%d: cluster %q controller %d; metadata says cluster %q", v, resp.ClusterID, resp.ControllerID, str(clusterID))
		}
		if resp.ClusterAuthorizedOperations != -2147483648 {
			t.Errorf("v%d: authorized operations %d without asking", v, resp.ClusterAuthorizedOperations)
		}
		if len(resp.Brokers) != 1 {
			t.Fatalf("v%d: brokers %+v", v, resp.Brokers)
		}
		b := resp.Brokers[0]
		if b.NodeID != 1 || b.Host != host || strconv.Itoa(int(b.Port)) != port || str(b.Rack) != "rack-a" || b.IsFenced {
			t.Errorf("v%d: broker %d at %s:%d rack %q fenced %v; want 1 at %s rack-a", v, b.NodeID, b.Host, b.Port, str(b.Rack), b.IsFenced, tb.addr)
		}
		if v >= 1 && resp.EndpointType != 1 {
			t.Errorf("v%d: endpoint type %d", v, resp.EndpointType)
		}
	}
	// Without ACLs every cluster operation is allowed: ALTER (7) and
	// DESCRIBE (8) among them.
	if ops := tb.describeCluster(2, 1, true).ClusterAuthorizedOperations; ops&(1<<7) == 0 || ops&(1<<8) == 0 || ops < 0 {
		t.Errorf("cluster authorized operations %b", ops)
	}
}

func TestDescribeClusterEndpointTypes(t *testing.T) {
	tb := startBroker(t, nil)
	for _, tc := range []struct {
		endpoint int8
		code     int16
		message  string
	}{
		{2, kerr.MismatchedEndpointType.Code, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"},
		{0, kerr.UnsupportedEndpointType.Code, "Unsupported endpoint type 0"},
		{9, kerr.UnsupportedEndpointType.Code, "Unsupported endpoint type 9"},
	} {
		resp := tb.describeCluster(1, tc.endpoint, true)
		if resp.ErrorCode != tc.code || str(resp.ErrorMessage) != tc.message {
			t.Errorf("endpoint type %d: %d %q; want %d %q", tc.endpoint, resp.ErrorCode, str(resp.ErrorMessage), tc.code, tc.message)
		}
		if len(resp.Brokers) != 0 || resp.ClusterID != "" || resp.ControllerID != -1 {
			t.Errorf("endpoint type %d: the error response describes the cluster: %+v", tc.endpoint, resp)
		}
	}
}

func TestDescribeClusterWithFranzGo(t *testing.T) {
	tb := startBroker(t, nil)
	resp, err := kmsg.NewPtrDescribeClusterRequest().RequestWith(testCtx(t), tb.newClient())
	if err != nil {
		t.Fatal(err)
	}
	if resp.Version != 2 || resp.ErrorCode != 0 || len(resp.Brokers) != 1 || resp.ControllerID != 1 {
		t.Errorf("DescribeCluster v%d: %+v", resp.Version, resp)
	}
}
