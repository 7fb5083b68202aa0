package api

import (
	"context"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/network"
)

// QuorumDescriber describes the metadata quorum as this node sees it.
type QuorumDescriber interface {
	DescribeQuorum() QuorumDescription
}

// QuorumDescription is the metadata quorum's state for DescribeQuorum.
type QuorumDescription struct {
	LeaderID      int32 // -1 if unknown
	LeaderEpoch   int32
	HighWatermark int64
	Voters        []ReplicaState
	Observers     []ReplicaState
	// VoterAddrs are the voters' controller listener addresses.
	VoterAddrs map[int32]string
	// ListenerName is the controller listener's name.
	ListenerName string
}

// ReplicaState is one member's progress; -1 where unknown.
type ReplicaState struct {
	ID             int32
	LogEndOffset   int64
	LastFetchMs    int64
	LastCaughtUpMs int64
}

// metadataPartition names the metadata log in DescribeQuorum.
const metadataTopic = "__cluster_metadata"

func (h *Handler) describeQuorum(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.DescribeQuorumRequest)
	resp := req.ResponseKind().(*kmsg.DescribeQuorumResponse)
	if h.Quorum == nil {
		resp.ErrorCode = kerr.NotController.Code
		return respond(r, resp)
	}
	d := h.Quorum.DescribeQuorum()
	for _, t := range req.Topics {
		rt := kmsg.NewDescribeQuorumResponseTopic()
		rt.Topic = t.Topic
		for _, p := range t.Partitions {
			rp := kmsg.NewDescribeQuorumResponseTopicPartition()
			rp.Partition = p.Partition
			switch {
			case t.Topic != metadataTopic || p.Partition != 0:
				rp.ErrorCode = kerr.UnknownTopicOrPartition.Code
			case !h.controllerActive():
				// Only the leader knows the followers' progress.
				rp.ErrorCode = kerr.NotLeaderForPartition.Code
				rp.LeaderID, rp.LeaderEpoch = d.LeaderID, d.LeaderEpoch
			default:
				rp.LeaderID, rp.LeaderEpoch, rp.HighWatermark = d.LeaderID, d.LeaderEpoch, d.HighWatermark
				rp.CurrentVoters = replicaStates(d.Voters)
				rp.Observers = replicaStates(d.Observers)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	if r.Version >= 2 {
		for _, v := range d.Voters {
			n := kmsg.NewDescribeQuorumResponseNode()
			n.NodeID = v.ID
			if host, port, err := net.SplitHostPort(d.VoterAddrs[v.ID]); err == nil {
				l := kmsg.NewDescribeQuorumResponseNodeListener()
				p, _ := strconv.Atoi(port)
				l.Name, l.Host, l.Port = d.ListenerName, host, uint16(p)
				n.Listeners = append(n.Listeners, l)
			}
			resp.Nodes = append(resp.Nodes, n)
		}
	}
	return respond(r, resp)
}

func replicaStates(rs []ReplicaState) []kmsg.DescribeQuorumResponseTopicPartitionReplicaState {
	out := []kmsg.DescribeQuorumResponseTopicPartitionReplicaState{}
	for _, s := range rs {
		o := kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState()
		o.ReplicaID, o.LogEndOffset, o.LastFetchTimestamp, o.LastCaughtUpTimestamp = s.ID, s.LogEndOffset, s.LastFetchMs, s.LastCaughtUpMs
		out = append(out, o)
	}
	return out
}
