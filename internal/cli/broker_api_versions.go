package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// brokerAPIVersionsOptions are kafka-broker-api-versions.sh's options.
type brokerAPIVersionsOptions struct {
	bootstrap, commandConfig string
}

func newBrokerAPIVersionsCommand() *cobra.Command {
	return toolSpec{
		name:  "broker-api-versions",
		short: "Print the API versions every broker supports (kafka-broker-api-versions.sh)",
		about: "This tool helps to retrieve broker version information.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &brokerAPIVersionsOptions{}
			addString(fs, &o.commandConfig, "command-config", "String: command config property file", "", "A property file containing configs to be passed to Admin Client.")
			addString(fs, &o.bootstrap, "bootstrap-server", "String: server(s) to use for bootstrapping", "", "REQUIRED: The server to connect to.")
			return o.run
		},
	}.command()
}

func (o *brokerAPIVersionsOptions) run(ctx context.Context, t *toolEnv) error {
	if !t.changed("bootstrap-server") {
		return t.usageErr(`Missing required argument "[bootstrap-server]"`)
	}
	adm, err := connectAdmin(o.bootstrap, o.commandConfig, t.stderr)
	if err != nil {
		return plainErr(t, err.Error())
	}
	defer adm.Close()
	ctx, cancel := adm.cfg.withTimeout(ctx)
	defer cancel()
	brokers, err := adm.adm.ListBrokers(ctx)
	if err != nil {
		return plainErr(t, errMessage(err))
	}
	sort.Slice(brokers, func(i, j int) bool { return brokers[i].NodeID < brokers[j].NodeID })
	for _, b := range brokers {
		rack := "null"
		if b.Rack != nil {
			rack = *b.Rack
		}
		fmt.Fprintf(t.stdout, "%s:%d (id: %d rack: %s isFenced: false) -> ", b.Host, b.Port, b.NodeID, rack)
		req := kmsg.NewPtrApiVersionsRequest()
		// v3+ brokers reject an ApiVersions request without these.
		req.ClientSoftwareName, req.ClientSoftwareVersion = "spool", softwareVersion(spoolVersion())
		resp, err := req.RequestWith(ctx, adm.cl.Broker(int(b.NodeID)))
		if err == nil {
			err = codeErr(resp.ErrorCode, nil)
		}
		if err != nil {
			fmt.Fprintf(t.stdout, "ERROR: %s\n", exceptionString(err))
			continue
		}
		writeAPIVersions(t.stdout, resp.ApiKeys)
	}
	return nil
}

// writeAPIVersions prints a broker's API versions as Kafka's
// NodeApiVersions#toString(true) does, with "usable" computed against the
// versions this client (franz-go) speaks.
func writeAPIVersions(w io.Writer, keys []kmsg.ApiVersionsResponseApiKey) {
	lines := map[int16]string{}
	for _, k := range keys {
		lines[k.ApiKey] = apiVersionText(k)
	}
	for _, key := range clientAPIKeys() {
		if _, ok := lines[key]; !ok {
			lines[key] = fmt.Sprintf("%s(%d): UNSUPPORTED", apiName(key), key)
		}
	}
	order := make([]int, 0, len(lines))
	for k := range lines {
		order = append(order, int(k))
	}
	sort.Ints(order)
	text := make([]string, len(order))
	for i, k := range order {
		text[i] = lines[int16(k)]
	}
	fmt.Fprintf(w, "(\n\t%s\n)\n", strings.Join(text, ",\n\t"))
}

func apiVersionText(k kmsg.ApiVersionsResponseApiKey) string {
	name := apiName(k.ApiKey)
	if name == "" {
		return fmt.Sprintf("UNKNOWN(%d): %s", k.ApiKey, versionRange(k.MinVersion, k.MaxVersion))
	}
	s := fmt.Sprintf("%s(%d): %s", name, k.ApiKey, versionRange(k.MinVersion, k.MaxVersion))
	req := kmsg.RequestForKey(k.ApiKey)
	if req == nil {
		return s
	}
	switch clientMax := req.MaxVersion(); {
	case clientMax < k.MinVersion:
		return s + " [unusable: node too new]"
	default:
		return s + fmt.Sprintf(" [usable: %d]", min(clientMax, k.MaxVersion))
	}
}

func versionRange(lo, hi int16) string {
	if lo == hi {
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// clientAPIKeys are the APIs a Kafka 4 client may send to a broker; the ones
// a broker does not list are printed as UNSUPPORTED.
func clientAPIKeys() []int16 {
	var keys []int16
	add := func(lo, hi int16) {
		for k := lo; k <= hi; k++ {
			keys = append(keys, k)
		}
	}
	add(0, 3)
	add(8, 51)
	add(55, 55)
	add(57, 57)
	add(60, 61)
	add(64, 66)
	add(68, 69)
	add(71, 72)
	add(74, 81)
	add(83, 92)
	return keys
}

// apiName is Kafka's name for an API key (ApiKeys#name), "" if unknown.
func apiName(key int16) string {
	names := [...]string{
		"Produce", "Fetch", "ListOffsets", "Metadata", "LeaderAndIsr", "StopReplica", "UpdateMetadata", "ControlledShutdown",
		"OffsetCommit", "OffsetFetch", "FindCoordinator", "JoinGroup", "Heartbeat", "LeaveGroup", "SyncGroup", "DescribeGroups",
		"ListGroups", "SaslHandshake", "ApiVersions", "CreateTopics", "DeleteTopics", "DeleteRecords", "InitProducerId",
		"OffsetForLeaderEpoch", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn", "WriteTxnMarkers", "TxnOffsetCommit",
		"DescribeAcls", "CreateAcls", "DeleteAcls", "DescribeConfigs", "AlterConfigs", "AlterReplicaLogDirs", "DescribeLogDirs",
		"SaslAuthenticate", "CreatePartitions", "CreateDelegationToken", "RenewDelegationToken", "ExpireDelegationToken",
		"DescribeDelegationToken", "DeleteGroups", "ElectLeaders", "IncrementalAlterConfigs", "AlterPartitionReassignments",
		"ListPartitionReassignments", "OffsetDelete", "DescribeClientQuotas", "AlterClientQuotas", "DescribeUserScramCredentials",
		"AlterUserScramCredentials", "Vote", "BeginQuorumEpoch", "EndQuorumEpoch", "DescribeQuorum", "AlterPartition",
		"UpdateFeatures", "Envelope", "FetchSnapshot", "DescribeCluster", "DescribeProducers", "BrokerRegistration",
		"BrokerHeartbeat", "UnregisterBroker", "DescribeTransactions", "ListTransactions", "AllocateProducerIds",
		"ConsumerGroupHeartbeat", "ConsumerGroupDescribe", "ControllerRegistration", "GetTelemetrySubscriptions", "PushTelemetry",
		"AssignReplicasToDirs", "ListConfigResources", "DescribeTopicPartitions", "ShareGroupHeartbeat", "ShareGroupDescribe",
		"ShareFetch", "ShareAcknowledge", "AddRaftVoter", "RemoveRaftVoter", "UpdateRaftVoter", "InitializeShareGroupState",
		"ReadShareGroupState", "WriteShareGroupState", "DeleteShareGroupState", "ReadShareGroupStateSummary",
		"StreamsGroupHeartbeat", "StreamsGroupDescribe", "DescribeShareGroupOffsets", "AlterShareGroupOffsets",
		"DeleteShareGroupOffsets",
	}
	if key < 0 || int(key) >= len(names) {
		return ""
	}
	return names[key]
}

// softwareVersion keeps only the characters KIP-511 allows in a client
// software version.
func softwareVersion(v string) string {
	b := []byte(v)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), "-.")
}
