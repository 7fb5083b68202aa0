package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicInfo is one topic as --describe shows it.
type topicInfo struct {
	name       string
	id         [16]byte
	partitions []partitionInfo // sorted by partition
	configs    []kmsg.DescribeConfigsResponseResourceConfig
}

type partitionInfo struct {
	partition         int32
	leader            int32 // -1: none
	replicas, isr     []int32
	elr, lastKnownElr []int32
	hasElr            bool // false when the broker could not say (Metadata)
	adding, removing  []int32
	reassigning       bool
}

// topicUUID prints a topic ID as Kafka's Uuid#toString does.
func topicUUID(id [16]byte) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

func parseTopicUUID(s string) ([16]byte, error) {
	var id [16]byte
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) != 16 {
		return id, fmt.Errorf("Input string `%s` decoded as %d bytes, which is not equal to the expected 16 bytes of a base64-encoded UUID", s, len(b))
	}
	copy(id[:], b)
	return id, nil
}

func (o *topicsOptions) describeTopics(ctx context.Context, t *toolEnv, adm *adminClient) error {
	topics, err := o.describedTopics(ctx, adm)
	if err != nil || len(topics) == 0 {
		return err
	}
	if err := loadTopicConfigs(ctx, adm, topics); err != nil {
		return err
	}
	live, err := liveBrokers(ctx, adm)
	if err != nil {
		return err
	}
	if err := loadReassignments(ctx, adm, topics); err != nil {
		return err
	}
	for _, ti := range topics {
		o.printTopic(t.stdout, ti, live)
	}
	return nil
}

// describedTopics finds and describes the topics --topic or --topic-id
// select.
func (o *topicsOptions) describedTopics(ctx context.Context, adm *adminClient) ([]*topicInfo, error) {
	if o.topicID != "" {
		id, err := parseTopicUUID(o.topicID)
		if err != nil {
			return nil, err
		}
		if id != ([16]byte{}) {
			return o.describeByID(ctx, adm, id)
		}
	}
	names, err := o.matchingTopics(ctx, adm)
	if err != nil {
		return nil, err
	}
	if err := o.ensureTopicsExist(names); err != nil || len(names) == 0 {
		return nil, err
	}
	topics, err := describeTopicPartitions(ctx, adm, names, int32(o.partitionLimit))
	if unsupported(err) {
		return describeWithMetadata(ctx, adm, names)
	}
	return topics, err
}

func (o *topicsOptions) describeByID(ctx context.Context, adm *adminClient, id [16]byte) ([]*topicInfo, error) {
	details, err := adm.adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return nil, err
	}
	for _, td := range details.Sorted() {
		if td.ID == id && !(o.excludeInternal && isInternalTopic(td.Topic)) {
			// Kafka describes topics by ID through Metadata, which carries
			// no ELR information.
			return describeWithMetadata(ctx, adm, []string{td.Topic})
		}
	}
	if o.ifExists {
		return nil, nil
	}
	return nil, fmt.Errorf("TopicId '%s' does not exist as expected", topicUUID(id))
}

// describeTopicPartitions uses DescribeTopicPartitions (KIP-966), which also
// reports eligible leader replicas, following its cursor across pages.
func describeTopicPartitions(ctx context.Context, adm *adminClient, names []string, limit int32) ([]*topicInfo, error) {
	byName := map[string]*topicInfo{}
	var cursor *kmsg.DescribeTopicPartitionsRequestCursor
	for {
		req := kmsg.NewPtrDescribeTopicPartitionsRequest()
		req.ResponsePartitionLimit = limit
		req.Cursor = cursor
		for _, n := range names {
			rt := kmsg.NewDescribeTopicPartitionsRequestTopic()
			rt.Topic = n
			req.Topics = append(req.Topics, rt)
		}
		resp, err := req.RequestWith(ctx, adm.cl)
		if err != nil {
			return nil, err
		}
		for _, rt := range resp.Topics {
			if err := codeErr(rt.ErrorCode, nil); err != nil {
				return nil, err
			}
			if rt.Topic == nil {
				continue
			}
			ti := byName[*rt.Topic]
			if ti == nil {
				ti = &topicInfo{name: *rt.Topic, id: rt.TopicID}
				byName[ti.name] = ti
			}
			for _, p := range rt.Partitions {
				ti.partitions = append(ti.partitions, partitionInfo{
					partition: p.Partition, leader: p.LeaderID, replicas: p.Replicas, isr: p.ISR,
					elr: p.EligibleLeaderReplicas, lastKnownElr: p.LastKnownELR, hasElr: true,
				})
			}
		}
		if resp.NextCursor == nil {
			break
		}
		cursor = &kmsg.DescribeTopicPartitionsRequestCursor{Topic: resp.NextCursor.Topic, Partition: resp.NextCursor.Partition}
	}
	return sortedTopics(byName, names), nil
}

// describeWithMetadata is the fallback for brokers without
// DescribeTopicPartitions.
func describeWithMetadata(ctx context.Context, adm *adminClient, names []string) ([]*topicInfo, error) {
	details, err := adm.adm.ListTopicsWithInternal(ctx, names...)
	if err != nil {
		return nil, err
	}
	byName := map[string]*topicInfo{}
	for _, td := range details {
		if td.Err != nil {
			return nil, td.Err
		}
		ti := &topicInfo{name: td.Topic, id: td.ID}
		for _, p := range td.Partitions {
			ti.partitions = append(ti.partitions, partitionInfo{partition: p.Partition, leader: p.Leader, replicas: p.Replicas, isr: p.ISR})
		}
		byName[ti.name] = ti
	}
	return sortedTopics(byName, names), nil
}

func sortedTopics(byName map[string]*topicInfo, names []string) []*topicInfo {
	out := make([]*topicInfo, 0, len(byName))
	for _, n := range names {
		if ti := byName[n]; ti != nil {
			slices.SortFunc(ti.partitions, func(a, b partitionInfo) int { return int(a.partition - b.partition) })
			out = append(out, ti)
		}
	}
	return out
}

// loadTopicConfigs fetches every described topic's configs in one request.
func loadTopicConfigs(ctx context.Context, adm *adminClient, topics []*topicInfo) error {
	req := kmsg.NewPtrDescribeConfigsRequest()
	byName := map[string]*topicInfo{}
	for _, ti := range topics {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, ti.name
		req.Resources = append(req.Resources, r)
		byName[ti.name] = ti
	}
	resp, err := req.RequestWith(ctx, adm.cl)
	if err != nil {
		return err
	}
	for _, r := range resp.Resources {
		if err := codeErr(r.ErrorCode, r.ErrorMessage); err != nil {
			return err
		}
		if ti := byName[r.ResourceName]; ti != nil {
			ti.configs = r.Configs
		}
	}
	return nil
}

func liveBrokers(ctx context.Context, adm *adminClient) (map[int32]bool, error) {
	brokers, err := adm.adm.ListBrokers(ctx)
	if err != nil {
		return nil, err
	}
	live := map[int32]bool{}
	for _, b := range brokers {
		live[b.NodeID] = true
	}
	return live, nil
}

// loadReassignments marks partitions that are being reassigned. Like Kafka,
// a broker that cannot list reassignments (too old, or not authorized) just
// means none are shown.
func loadReassignments(ctx context.Context, adm *adminClient, topics []*topicInfo) error {
	req := kmsg.NewPtrListPartitionReassignmentsRequest()
	req.TimeoutMillis = adm.timeoutMillis()
	for _, ti := range topics {
		rt := kmsg.NewListPartitionReassignmentsRequestTopic()
		rt.Topic = ti.name
		for _, p := range ti.partitions {
			rt.Partitions = append(rt.Partitions, p.partition)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, adm.cl)
	if unsupported(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := codeErr(resp.ErrorCode, resp.ErrorMessage); err != nil {
		if unsupported(err) || resp.ErrorCode == 31 /* CLUSTER_AUTHORIZATION_FAILED */ {
			return nil
		}
		return err
	}
	byName := map[string]*topicInfo{}
	for _, ti := range topics {
		byName[ti.name] = ti
	}
	for _, rt := range resp.Topics {
		ti := byName[rt.Topic]
		if ti == nil {
			continue
		}
		for _, rp := range rt.Partitions {
			for i := range ti.partitions {
				if p := &ti.partitions[i]; p.partition == rp.Partition {
					p.adding, p.removing = rp.AddingReplicas, rp.RemovingReplicas
					p.reassigning = reassignmentInProgress(p.replicas, rp.AddingReplicas, rp.RemovingReplicas)
				}
			}
		}
	}
	return nil
}

// reassignmentInProgress reports whether any replica is still being added
// or removed; a reassignment may finish between the two requests.
func reassignmentInProgress(replicas, adding, removing []int32) bool {
	for _, r := range replicas {
		if slices.Contains(adding, r) || slices.Contains(removing, r) {
			return true
		}
	}
	return false
}

// replicationFactor leaves out replicas being added by a reassignment.
func (p partitionInfo) replicationFactor() int {
	if p.reassigning {
		return len(p.replicas) - len(p.adding)
	}
	return len(p.replicas)
}

func (o *topicsOptions) printTopic(w io.Writer, ti *topicInfo, live map[int32]bool) {
	reporting := o.underReplicated || o.unavailable || o.underMinISR || o.atMinISR
	minISR := topicMinISR(ti.configs)
	if !reporting && len(ti.partitions) > 0 && (!o.withOverrides || hasOverrides(ti.configs)) {
		fmt.Fprintf(w, "Topic: %s", ti.name)
		if ti.id != ([16]byte{}) {
			fmt.Fprintf(w, "\tTopicId: %s", topicUUID(ti.id))
		}
		fmt.Fprintf(w, "\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n",
			len(ti.partitions), ti.partitions[0].replicationFactor(), overridesString(ti.configs))
	}
	if o.withOverrides {
		return
	}
	for _, p := range ti.partitions {
		hasLeader := p.leader >= 0 && live[p.leader]
		show := !reporting ||
			o.underReplicated && p.replicationFactor() > len(p.isr) ||
			o.unavailable && !hasLeader ||
			o.underMinISR && (!hasLeader || len(p.isr) < minISR) ||
			o.atMinISR && len(p.isr) == minISR
		if show {
			printPartition(w, ti.name, p, hasLeader)
		}
	}
}

func printPartition(w io.Writer, topic string, p partitionInfo, hasLeader bool) {
	leader := "none"
	if hasLeader {
		leader = strconv.Itoa(int(p.leader))
	}
	fmt.Fprintf(w, "\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s",
		topic, p.partition, leader, joinIDs(p.replicas), joinIDs(p.isr))
	if p.reassigning || len(p.adding)+len(p.removing) > 0 {
		fmt.Fprintf(w, "\tAdding Replicas: %s\tRemoving Replicas: %s", joinIDs(p.adding), joinIDs(p.removing))
	}
	if p.hasElr {
		fmt.Fprintf(w, "\tElr: %s\tLastKnownElr: %s\n", joinIDs(p.elr), joinIDs(p.lastKnownElr))
	} else {
		fmt.Fprint(w, "\tElr: N/A\tLastKnownElr: N/A\n")
	}
}

func joinIDs(ids []int32) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(int(id))
	}
	return strings.Join(s, ",")
}

// isDefaultConfig is ConfigEntry#isDefault: only the built-in default
// counts; a value from the broker's own config file is shown as an override.
func isDefaultConfig(c kmsg.DescribeConfigsResponseResourceConfig) bool {
	return c.Source == kmsg.ConfigSourceDefaultConfig
}

func hasOverrides(configs []kmsg.DescribeConfigsResponseResourceConfig) bool {
	return slices.ContainsFunc(configs, func(c kmsg.DescribeConfigsResponseResourceConfig) bool { return !isDefaultConfig(c) })
}

func overridesString(configs []kmsg.DescribeConfigsResponseResourceConfig) string {
	var kv []string
	for _, c := range configs {
		if !isDefaultConfig(c) {
			kv = append(kv, c.Name+"="+configValue(c.Value))
		}
	}
	return strings.Join(kv, ",")
}

// configValue prints a config value as Java prints a possibly null string.
func configValue(v *string) string {
	if v == nil {
		return "null"
	}
	return *v
}

func topicMinISR(configs []kmsg.DescribeConfigsResponseResourceConfig) int {
	for _, c := range configs {
		if c.Name == "min.insync.replicas" && c.Value != nil {
			if n, err := strconv.Atoi(*c.Value); err == nil {
				return n
			}
		}
	}
	return 1
}
