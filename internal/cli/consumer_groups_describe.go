package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// groupDescription is what Kafka's admin client makes of a group, from a
// ConsumerGroupDescribe answer (KIP-848 groups) or a DescribeGroups one
// (classic groups).
type groupDescription struct {
	name, state string
	coordinator kgo.BrokerMetadata
	assignor    string
	// groupEpoch and targetEpoch are -1 for a classic group, which has
	// none.
	groupEpoch, targetEpoch int32
	members                 []groupMember
}

type groupMember struct {
	id, instanceID, host, clientID string
	assigned, target               []topicPartition
	epoch                          int32 // -1 for a classic group's member
	memberType                     int8  // -1 unknown, 0 classic, 1 consumer
}

// describedGroup is one group's description or the error describing it.
type describedGroup struct {
	desc *groupDescription
	err  error
}

// describeGroups describes groups as Kafka's describeConsumerGroups does:
// with ConsumerGroupDescribe first, and with DescribeGroups for the groups
// it does not know as consumer groups (classic groups, missing groups) or
// when the broker does not serve it.
func (r *groupsRun) describeGroups(ctx context.Context, names []string) map[string]describedGroup {
	out := make(map[string]describedGroup, len(names))
	if len(names) == 0 {
		return out
	}
	ctx, cancel := r.call(ctx)
	defer cancel()
	classic := r.describeConsumerProtocol(ctx, names, out)
	described, err := r.adm.adm.DescribeGroups(ctx, classic...)
	for _, name := range classic {
		out[name] = classicGroup(described, name, err)
	}
	return out
}

// describeConsumerProtocol fills out with the KIP-848 groups of names and
// returns the groups left for DescribeGroups: those the broker does not
// know as consumer groups, and all of them when it does not serve
// ConsumerGroupDescribe (or cannot be reached; DescribeGroups then says
// why).
func (r *groupsRun) describeConsumerProtocol(ctx context.Context, names []string, out map[string]describedGroup) []string {
	req := kmsg.NewPtrConsumerGroupDescribeRequest()
	req.Groups = names
	topics := &topicNames{r: r}
	for _, shard := range r.adm.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			continue
		}
		for _, g := range shard.Resp.(*kmsg.ConsumerGroupDescribeResponse).Groups {
			switch g.ErrorCode {
			case 0:
				out[g.Group] = describedGroup{desc: fromConsumerGroup(ctx, g, shard.Meta, topics)}
			case kerr.GroupIDNotFound.Code, kerr.UnsupportedVersion.Code:
			default:
				out[g.Group] = describedGroup{err: codeErr(g.ErrorCode, g.ErrorMessage)}
			}
		}
	}
	var classic []string
	for _, name := range names {
		if _, ok := out[name]; !ok {
			classic = append(classic, name)
		}
	}
	return classic
}

func fromConsumerGroup(ctx context.Context, g kmsg.ConsumerGroupDescribeResponseGroup, coordinator kgo.BrokerMetadata, topics *topicNames) *groupDescription {
	d := &groupDescription{name: g.Group, state: groupStateName(g.State), coordinator: coordinator,
		assignor: g.AssignorName, groupEpoch: g.Epoch, targetEpoch: g.AssignmentEpoch}
	for _, m := range g.Members {
		d.members = append(d.members, groupMember{id: m.MemberID, instanceID: deref(m.InstanceID), host: m.ClientHost,
			clientID: m.ClientID, assigned: topics.partitions(ctx, m.Assignment), target: topics.partitions(ctx, m.TargetAssignment),
			epoch: m.MemberEpoch, memberType: m.MemberType})
	}
	return d
}

// topicNames names the topics of KIP-848 assignments, which a broker may
// send by topic ID alone.
type topicNames struct {
	r     *groupsRun
	byID  map[[16]byte]string
	asked bool
}

func (n *topicNames) partitions(ctx context.Context, a kmsg.Assignment) []topicPartition {
	var out []topicPartition
	for _, t := range a.TopicPartitions {
		name := t.Topic
		if name == "" {
			name = n.name(ctx, t.TopicID)
		}
		for _, p := range t.Partitions {
			out = append(out, topicPartition{name, p})
		}
	}
	slices.SortFunc(out, compareTopicPartitions)
	return out
}

func (n *topicNames) name(ctx context.Context, id [16]byte) string {
	if !n.asked {
		n.asked = true
		n.byID = map[[16]byte]string{}
		if m, err := n.r.adm.adm.Metadata(ctx); err == nil {
			for _, td := range m.Topics {
				n.byID[td.ID] = td.Topic
			}
		}
	}
	if name, ok := n.byID[id]; ok {
		return name
	}
	return kadm.TopicID(id).String()
}

func classicGroup(described kadm.DescribedGroups, name string, err error) describedGroup {
	g, ok := described[name]
	switch {
	case !ok && err != nil:
		return describedGroup{err: err}
	case !ok:
		return describedGroup{err: kerr.GroupIDNotFound}
	case g.Err != nil:
		var code *kerr.Error
		if errors.As(g.Err, &code) {
			return describedGroup{err: codeErr(code.Code, nilIfEmpty(g.ErrMessage))}
		}
		return describedGroup{err: g.Err}
	case g.ProtocolType != "" && g.ProtocolType != "consumer":
		return describedGroup{err: &groupsFailure{
			msg:   fmt.Sprintf("java.lang.IllegalArgumentException: GroupId %s is not a consumer group (%s).", name, g.ProtocolType),
			trace: fmt.Sprintf("java.util.concurrent.ExecutionException: java.lang.IllegalArgumentException: GroupId %s is not a consumer group (%s).", name, g.ProtocolType),
		}}
	}
	d := &groupDescription{name: name, state: groupStateName(g.State), coordinator: g.Coordinator,
		assignor: g.Protocol, groupEpoch: -1, targetEpoch: -1}
	for _, m := range g.Members {
		gm := groupMember{id: m.MemberID, instanceID: deref(m.InstanceID), host: m.ClientHost, clientID: m.ClientID, epoch: -1, memberType: -1}
		if a, ok := m.Assigned.AsConsumer(); ok {
			for _, t := range a.Topics {
				for _, p := range t.Partitions {
					gm.assigned = append(gm.assigned, topicPartition{t.Topic, p})
				}
			}
		}
		d.members = append(d.members, gm)
	}
	return describedGroup{desc: d}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// groupStateName is Kafka's GroupState.parse(s).toString().
func groupStateName(s string) string {
	for _, v := range slices.Concat(consumerGroupStates, []string{"NotReady"}) {
		if strings.EqualFold(v, s) {
			return v
		}
	}
	return "Unknown"
}

// describeAll describes the groups of --group or --all-groups, failing as
// Kafka does on the first group that cannot be described.
func (r *groupsRun) describeAll(ctx context.Context) ([]*groupDescription, error) {
	names := slices.Clone(r.o.groups)
	if r.o.allGroups {
		var err error
		if names, err = r.listGroupNames(ctx); err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	described := r.describeGroups(ctx, names)
	out := make([]*groupDescription, 0, len(names))
	for _, name := range names {
		if err := described[name].err; err != nil {
			return nil, failed(groupNotFoundMessage(err, name))
		}
		out = append(out, described[name].desc)
	}
	return out, nil
}

// groupNotFoundMessage gives GROUP_ID_NOT_FOUND without a message from the
// broker the one Kafka's brokers send.
func groupNotFoundMessage(err error, group string) error {
	var be *brokerError
	if errors.Is(err, kerr.GroupIDNotFound) && !(errors.As(err, &be) && be.msg != "") {
		return codeErr(kerr.GroupIDNotFound.Code, kmsg.StringPtr(fmt.Sprintf("Group %s not found.", group)))
	}
	return err
}

// describeGroupsCommand is --describe: the offsets view by default, or
// --members or --state.
func (r *groupsRun) describeGroupsCommand(ctx context.Context) error {
	groups, err := r.describeAll(ctx)
	if err != nil {
		return err
	}
	switch {
	case r.o.members:
		for _, g := range groups {
			if err := r.printMembers(g); err != nil {
				return err
			}
		}
	case r.t.changed("state"):
		for _, g := range groups {
			if err := r.printState(g); err != nil {
				return err
			}
		}
	default:
		rows := make([][]offsetRow, len(groups))
		for i, g := range groups {
			if rows[i], err = r.offsetRows(ctx, g); err != nil {
				return failed(err)
			}
		}
		for i, g := range groups {
			if err := r.printOffsets(g, rows[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// shouldPrint says what the group's state means for its table, the way
// Kafka's shouldPrintMemberState does: a message for an empty, dead or
// rebalancing group, and a table only for a live group with rows.
func (r *groupsRun) shouldPrint(g *groupDescription, rows int) (bool, error) {
	switch g.state {
	case "Dead":
		printError(r.t, fmt.Sprintf("Consumer group '%s' does not exist.", g.name))
		return false, nil
	case "Empty":
		fmt.Fprintf(r.t.stderr, "\nConsumer group '%s' has no active members.\n", g.name)
	case "PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling":
		fmt.Fprintf(r.t.stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", g.name)
	case "Stable":
	default:
		msg := fmt.Sprintf("Expected a valid consumer group state, but found '%s'.", g.state)
		return false, &groupsFailure{msg: msg, trace: "org.apache.kafka.common.KafkaException: " + msg}
	}
	return rows > 0, nil
}

// table prints rows the way Kafka's printf loops do: a blank line, the
// header, the rows, each formatted by format.
func table(t *toolEnv, format string, rows [][]any) {
	fmt.Fprintln(t.stdout)
	for _, row := range rows {
		fmt.Fprintf(t.stdout, format+"\n", row...)
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// assignmentString is "topic1:0,1;topic2:0", topics sorted.
func assignmentString(tps []topicPartition) string {
	if len(tps) == 0 {
		return "-"
	}
	byTopic := map[string][]int32{}
	for _, tp := range tps {
		byTopic[tp.topic] = append(byTopic[tp.topic], tp.partition)
	}
	var parts []string
	for topic, ps := range byTopic {
		slices.Sort(ps)
		nums := make([]string, len(ps))
		for i, p := range ps {
			nums[i] = fmt.Sprint(p)
		}
		parts = append(parts, topic+":"+strings.Join(nums, ","))
	}
	slices.Sort(parts)
	return strings.Join(parts, ";")
}

func epochString(e int32) string {
	if e < 0 {
		return "-"
	}
	return fmt.Sprint(e)
}
