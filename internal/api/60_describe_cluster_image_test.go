package api

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestDescribeClusterFencedBrokersAndListeners(t *testing.T) {
	img := clusterImage(t)
	ids := func(resp *kmsg.DescribeClusterResponse) (out []int32, fenced []bool) {
		for _, b := range resp.Brokers {
			out, fenced = append(out, b.NodeID), append(fenced, b.IsFenced)
		}
		return out, fenced
	}
	req := kmsg.NewPtrDescribeClusterRequest()
	req.Version = 2
	resp := call(t, img, "PLAINTEXT", req).(*kmsg.DescribeClusterResponse)
	if got, _ := ids(resp); len(got) != 1 || got[0] != 1 || resp.ControllerID != 1 || resp.ClusterID != "cluster-x" {
		t.Errorf("without fenced brokers: %v controller %d cluster %q", got, resp.ControllerID, resp.ClusterID)
	}
	req.IncludeFencedBrokers = true
	resp = call(t, img, "PLAINTEXT", req).(*kmsg.DescribeClusterResponse)
	if got, fenced := ids(resp); len(got) != 2 || got[1] != 2 || fenced[0] || !fenced[1] {
		t.Errorf("with fenced brokers: %v fenced %v", got, fenced)
	}
	// v1 has no include_fenced_brokers: fenced brokers stay hidden.
	req.Version = 1
	resp = call(t, img, "PLAINTEXT", req).(*kmsg.DescribeClusterResponse)
	if got, _ := ids(resp); len(got) != 1 {
		t.Errorf("v1 lists %v", got)
	}
	// On another listener only the brokers with an endpoint there are
	// listed; this node is not among them, so there is no controller.
	req.Version = 2
	resp = call(t, img, "INTERNAL", req).(*kmsg.DescribeClusterResponse)
	if got, _ := ids(resp); len(got) != 1 || got[0] != 3 || resp.Brokers[0].Host != "i" || resp.Brokers[0].Port != 9094 ||
		resp.ControllerID != -1 {
		t.Errorf("on INTERNAL: %+v controller %d", resp.Brokers, resp.ControllerID)
	}
}
