package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newMetadataQuorumCommand is kafka-metadata-quorum.sh describe --status |
// --replication.
func newMetadataQuorumCommand() *cobra.Command {
	var bootstrap, commandConfig string
	cmd := &cobra.Command{
		Use:   "metadata-quorum --bootstrap-server B describe (--status | --replication)",
		Short: "Describe the metadata quorum (kafka-metadata-quorum.sh)",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&bootstrap, "bootstrap-server", "", "A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.")
	pf.StringVar(&commandConfig, "command-config", "", "Property file containing configs to be passed to Admin Client.")
	var status, replication, human bool
	describe := &cobra.Command{
		Use:   "describe",
		Short: "Describe the metadata quorum info",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if bootstrap == "" {
				return errors.New("must specify --bootstrap-server")
			}
			if status == replication {
				return errors.New("exactly one of --status or --replication must be given")
			}
			adm, err := connectAdmin(bootstrap, commandConfig, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer adm.Close()
			ctx, cancel := adm.cfg.withTimeout(cmd.Context())
			defer cancel()
			q, err := describeQuorum(ctx, adm)
			if err != nil {
				return err
			}
			if status {
				meta, err := adm.adm.BrokerMetadata(ctx)
				if err != nil {
					return err
				}
				return printQuorumStatus(cmd.OutOrStdout(), meta.Cluster, q)
			}
			return printQuorumReplication(cmd.OutOrStdout(), q, human)
		},
	}
	f := describe.Flags()
	f.BoolVar(&status, "status", false, "A short summary of the quorum status and the other provides detailed information about the status of replication.")
	f.BoolVar(&replication, "replication", false, "Detailed information about the status of replication")
	f.BoolVar(&human, "human-readable", false, "Used with --replication. Print relative times instead of timestamps")
	cmd.AddCommand(describe)
	return cmd
}

type quorumInfo struct {
	part  kmsg.DescribeQuorumResponseTopicPartition
	nodes map[int32][]string
}

func describeQuorum(ctx context.Context, adm *adminClient) (*quorumInfo, error) {
	req := kmsg.NewPtrDescribeQuorumRequest()
	t := kmsg.NewDescribeQuorumRequestTopic()
	t.Topic = "__cluster_metadata"
	t.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	req.Topics = append(req.Topics, t)
	resp, err := req.RequestWith(ctx, adm.cl)
	if err != nil {
		return nil, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, err
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return nil, errors.New("unexpected DescribeQuorum response")
	}
	p := resp.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
		return nil, err
	}
	q := &quorumInfo{part: p, nodes: map[int32][]string{}}
	for _, n := range resp.Nodes {
		for _, l := range n.Listeners {
			q.nodes[n.NodeID] = append(q.nodes[n.NodeID], fmt.Sprintf("%s://%s:%d", l.Name, l.Host, l.Port))
		}
	}
	return q, nil
}

func (q *quorumInfo) leader() kmsg.DescribeQuorumResponseTopicPartitionReplicaState {
	for _, v := range q.part.CurrentVoters {
		if v.ReplicaID == q.part.LeaderID {
			return v
		}
	}
	return kmsg.NewDescribeQuorumResponseTopicPartitionReplicaState()
}

// printQuorumStatus prints --status as Kafka's MetadataQuorumCommand does.
func printQuorumStatus(w io.Writer, clusterID string, q *quorumInfo) error {
	leader := q.leader()
	lag := leader
	for _, v := range q.part.CurrentVoters {
		if v.LogEndOffset < lag.LogEndOffset {
			lag = v
		}
	}
	lagTime := int64(0)
	if lag.ReplicaID != leader.ReplicaID {
		lagTime = -1
		if leader.LastCaughtUpTimestamp >= 0 && lag.LastCaughtUpTimestamp >= 0 {
			lagTime = leader.LastCaughtUpTimestamp - lag.LastCaughtUpTimestamp
		}
	}
	fmt.Fprintf(w, "ClusterId:              %s\n", clusterID)
	fmt.Fprintf(w, "LeaderId:               %d\n", q.part.LeaderID)
	fmt.Fprintf(w, "LeaderEpoch:            %d\n", q.part.LeaderEpoch)
	fmt.Fprintf(w, "HighWatermark:          %d\n", q.part.HighWatermark)
	fmt.Fprintf(w, "MaxFollowerLag:         %d\n", leader.LogEndOffset-lag.LogEndOffset)
	fmt.Fprintf(w, "MaxFollowerLagTimeMs:   %d\n", lagTime)
	fmt.Fprintf(w, "CurrentVoters:          %s\n", q.replicaList(q.part.CurrentVoters))
	fmt.Fprintf(w, "CurrentObservers:       %s\n", q.replicaList(q.part.Observers))
	return nil
}

func (q *quorumInfo) replicaList(rs []kmsg.DescribeQuorumResponseTopicPartitionReplicaState) string {
	var parts []string
	for _, r := range rs {
		s := fmt.Sprintf(`{"id": %d, "directoryId": null`, r.ReplicaID)
		if eps := q.nodes[r.ReplicaID]; len(eps) > 0 {
			s += `, "endpoints": ["` + strings.Join(eps, `", "`) + `"]`
		}
		parts = append(parts, s+"}")
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// printQuorumReplication prints --replication as Kafka does: the leader,
// the followers, then the observers.
func printQuorumReplication(w io.Writer, q *quorumInfo, human bool) error {
	leader := q.leader()
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	fmt.Fprintln(tw, "NodeId\tDirectoryId\tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus\t")
	row := func(r kmsg.DescribeQuorumResponseTopicPartitionReplicaState, status string) {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%s\t%s\t\n", r.ReplicaID, "AAAAAAAAAAAAAAAAAAAAAA", r.LogEndOffset,
			leader.LogEndOffset-r.LogEndOffset, stamp(r.LastFetchTimestamp, human), stamp(r.LastCaughtUpTimestamp, human), status)
	}
	row(leader, "Leader")
	for _, v := range q.part.CurrentVoters {
		if v.ReplicaID != leader.ReplicaID {
			row(v, "Follower")
		}
	}
	for _, o := range q.part.Observers {
		row(o, "Observer")
	}
	return tw.Flush()
}

func stamp(ms int64, human bool) string {
	if ms < 0 {
		return "-1"
	}
	if human {
		return fmt.Sprintf("%d ms ago", max(time.Now().UnixMilli()-ms, 0))
	}
	return fmt.Sprint(ms)
}
