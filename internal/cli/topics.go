package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicsOptions are kafka-topics.sh's options.
type topicsOptions struct {
	bootstrap, commandConfig           string
	list, create, del, alter, describe bool
	topic, topicID                     string
	configs, deleteConfigs             []string
	partitions, replicationFactor      int
	replicaAssignment                  string
	underReplicated, unavailable       bool
	underMinISR, atMinISR              bool
	withOverrides                      bool
	ifExists, ifNotExists              bool
	excludeInternal                    bool
	partitionLimit                     int
	// Whether --partitions and --replication-factor were given: Kafka
	// treats an absent value as "use the cluster default".
	hasPartitions, hasReplicationFactor bool
}

const alterConfigsHint = " (To alter topic configurations, the kafka-configs tool can be used.)"

func newTopicsCommand() *cobra.Command {
	return toolSpec{
		name:  "topics",
		short: "Create, delete, describe, or change a topic (kafka-topics.sh)",
		about: "Create, delete, describe, or change a topic.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &topicsOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *topicsOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.bootstrap, "bootstrap-server", "String: server to connect to", "", "REQUIRED: The Kafka server to connect to.")
	addString(fs, &o.commandConfig, "command-config", "String: command config property file", "", "Property file containing configs to be passed to Admin Client.")
	addBool(fs, &o.list, "list", "List all available topics.")
	addBool(fs, &o.create, "create", "Create a new topic.")
	addBool(fs, &o.del, "delete", "Delete a topic.")
	addBool(fs, &o.alter, "alter", "Alter the number of partitions and replica assignment."+alterConfigsHint)
	addBool(fs, &o.describe, "describe", "List details for the given topics.")
	addString(fs, &o.topic, "topic", "String: topic", "", "The topic to create, alter, describe or delete. It also accepts a regular expression, "+
		"except for --create option. Put topic name in double quotes and use the '\\' prefix to escape regular expression symbols; e.g. \"test\\.topic\".")
	addString(fs, &o.topicID, "topic-id", "String: topic-id", "", "The topic-id to describe.")
	addStrings(fs, &o.configs, "config", "String: name=value", "A topic configuration override for the topic being created. "+
		"See the Kafka documentation for full details on the topic configs. It is supported only in combination with --create."+alterConfigsHint)
	addStrings(fs, &o.deleteConfigs, "delete-config", "String: name", "This option is no longer supported and has been deprecated since 4.0")
	addInt(fs, &o.partitions, "partitions", "Integer: # of partitions", 0, false, "The number of partitions for the topic being created or altered. "+
		"If not supplied with --create, the topic uses the cluster default. (WARNING: If partitions are increased for a topic that has a key, "+
		"the partition logic or ordering of the messages will be affected).")
	addInt(fs, &o.replicationFactor, "replication-factor", "Integer: replication factor", 0, false, "The replication factor for each partition in the topic being created. "+
		"If not supplied, the topic uses the cluster default.")
	addString(fs, &o.replicaAssignment, "replica-assignment", "String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...", "",
		"A list of manual partition-to-broker assignments for the topic being created or altered.")
	addBool(fs, &o.underReplicated, "under-replicated-partitions", "If set when describing topics, only show under-replicated partitions.")
	addBool(fs, &o.unavailable, "unavailable-partitions", "If set when describing topics, only show partitions whose leader is not available.")
	addBool(fs, &o.underMinISR, "under-min-isr-partitions", "If set when describing topics, only show partitions whose isr count is less than the configured minimum.")
	addBool(fs, &o.atMinISR, "at-min-isr-partitions", "If set when describing topics, only show partitions whose isr count is equal to the configured minimum.")
	addBool(fs, &o.withOverrides, "topics-with-overrides", "If set when describing topics, only show topics that have overridden configs.")
	addBool(fs, &o.ifExists, "if-exists", "If set when altering or deleting or describing topics, the action will only execute if the topic exists.")
	addBool(fs, &o.ifNotExists, "if-not-exists", "If set when creating topics, the action will only execute if the topic does not already exist.")
	addBool(fs, &o.excludeInternal, "exclude-internal", "Exclude internal topics when listing or describing topics. By default, the internal topics are included.")
	addInt(fs, &o.partitionLimit, "partition-size-limit-per-response", "Integer: maximum number of partitions per response", 2000, false,
		"The maximum partition size to be included in one DescribeTopicPartitions response.")
}

func (o *topicsOptions) run(ctx context.Context, t *toolEnv) error {
	if err := o.check(t); err != nil {
		return err
	}
	o.hasPartitions, o.hasReplicationFactor = t.changed("partitions"), t.changed("replication-factor")
	adm, err := connectAdmin(o.bootstrap, o.commandConfig, t.stderr)
	if err != nil {
		fmt.Fprintln(t.stderr, err)
		return exitCode(1)
	}
	defer adm.Close()
	ctx, cancel := adm.cfg.withTimeout(ctx)
	defer cancel()
	if err := o.dispatch(ctx, t, adm); err != nil {
		// Kafka's TopicCommand reports failures on stdout.
		fmt.Fprintf(t.stdout, "Error while executing topic command : %s\n", errMessage(err))
		return exitCode(1)
	}
	return nil
}

func (o *topicsOptions) dispatch(ctx context.Context, t *toolEnv, adm *adminClient) error {
	switch {
	case o.create:
		return o.createTopic(ctx, t.stdout, adm)
	case o.alter:
		return o.alterTopic(ctx, t, adm)
	case o.list:
		return o.listTopics(ctx, t.stdout, adm)
	case o.describe:
		return o.describeTopics(ctx, t, adm)
	default:
		return o.deleteTopics(ctx, t, adm)
	}
}

// check validates the option combination as kafka-topics.sh does, in the
// same order, so the same mistakes get the same messages.
func (o *topicsOptions) check(t *toolEnv) error {
	actions := 0
	for _, a := range []bool{o.create, o.list, o.alter, o.describe, o.del} {
		if a {
			actions++
		}
	}
	if actions != 1 {
		return t.usageErr("Command must include exactly one action: --list, --describe, --create, --alter or --delete")
	}
	if t.changed("delete-config") {
		fmt.Fprintln(t.stderr, "delete-config option is no longer supported and deprecated since version 4.0. The config will be fully removed in future releases.")
	}
	if err := o.checkRequired(t); err != nil {
		return err
	}
	return o.checkInvalid(t)
}

func (o *topicsOptions) checkRequired(t *toolEnv) error {
	if !t.changed("bootstrap-server") {
		return &usageError{msg: "--bootstrap-server must be specified", noTable: true}
	}
	if o.describe && o.ifExists {
		if !t.changed("topic") && !t.changed("topic-id") {
			return t.usageErr("--topic or --topic-id is required to describe a topic")
		}
		if t.changed("topic") && t.changed("topic-id") {
			fmt.Fprintln(t.stdout, "Only topic id will be used when both --topic and --topic-id are specified and topicId is not Uuid.ZERO_UUID")
		}
	}
	if !o.list && !o.describe && !t.changed("topic") {
		return t.usageErr(`Missing required argument "[topic]"`)
	}
	if o.alter {
		if t.changed("config") {
			return t.usageErr(`Option combination "[bootstrap-server, config]" can't be used with option "[alter]"` + alterConfigsHint)
		}
		if !t.changed("partitions") {
			return t.usageErr(`Missing required argument "[partitions]"`)
		}
	}
	return nil
}

// argRule says that option used must not be given with any of invalid.
type argRule struct {
	used    string
	invalid []string
}

func (o *topicsOptions) checkInvalid(t *toolEnv) error {
	actions := []string{"alter", "create", "describe", "list", "delete"}
	except := func(keep ...string) []string {
		return slices.DeleteFunc(slices.Clone(actions), func(a string) bool { return slices.Contains(keep, a) })
	}
	reports := []string{"under-replicated-partitions", "under-min-isr-partitions", "at-min-isr-partitions", "unavailable-partitions"}
	rules := []argRule{
		{"config", except("alter", "create")},
		{"partitions", except("alter", "create")},
		{"replication-factor", except("create")},
		{"replica-assignment", except("alter", "create")},
	}
	if o.create {
		rules = append(rules, argRule{"replica-assignment", []string{"partitions", "replication-factor"}})
	}
	for _, r := range reports {
		rules = append(rules, argRule{r, append([]string{"topics-with-overrides"}, except("describe")...)})
	}
	rules = append(rules,
		argRule{"topics-with-overrides", append(slices.Clone(reports), except("describe")...)},
		argRule{"if-exists", except("alter", "delete", "describe")},
		argRule{"if-not-exists", except("create")},
		argRule{"exclude-internal", except("list", "describe")},
	)
	for _, r := range rules {
		if err := checkInvalidArgs(t, r.used, r.invalid...); err != nil {
			return err
		}
	}
	return nil
}

// checkInvalidArgs fails when used was given together with any of invalid,
// worded as Kafka's CommandLineUtils.checkInvalidArgs.
func checkInvalidArgs(t *toolEnv, used string, invalid ...string) error {
	if !t.changed(used) {
		return nil
	}
	for _, other := range invalid {
		if t.changed(other) {
			return t.usageErr(`Option "[%s]" can't be used with option "[%s]"`, used, other)
		}
	}
	return nil
}

func (o *topicsOptions) createTopic(ctx context.Context, out io.Writer, adm *adminClient) error {
	if strings.ContainsAny(o.topic, "._") {
		fmt.Fprintln(out, "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. "+
			"To avoid issues it is best to use either, but not both.")
	}
	assignment, err := parseReplicaAssignment(o.replicaAssignment)
	if err != nil {
		return err
	}
	configs, err := parseTopicConfigs(o.configs)
	if err != nil {
		return err
	}
	rt, err := o.newTopic(assignment, configs)
	if err != nil {
		return err
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = adm.timeoutMillis()
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, adm.cl)
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		err := codeErr(t.ErrorCode, t.ErrorMessage)
		if errors.Is(err, kerr.TopicAlreadyExists) && o.ifNotExists {
			return nil
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Created topic %s.\n", o.topic)
	return nil
}

// newTopic is the CreateTopics entry for --create: -1 partitions or
// replication factor asks for the cluster default.
func (o *topicsOptions) newTopic(assignment [][]int32, configs [][2]string) (kmsg.CreateTopicsRequestTopic, error) {
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = o.topic
	rt.NumPartitions, rt.ReplicationFactor = -1, -1
	if o.hasReplicationFactor {
		if o.replicationFactor < 1 || o.replicationFactor > 32767 {
			return rt, errors.New("The replication factor must be between 1 and 32767 inclusive")
		}
		rt.ReplicationFactor = int16(o.replicationFactor)
	}
	if o.hasPartitions {
		if o.partitions < 1 {
			return rt, errors.New("The partitions must be greater than 0")
		}
		rt.NumPartitions = int32(o.partitions)
	}
	for i, replicas := range assignment {
		ra := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
		ra.Partition, ra.Replicas = int32(i), replicas
		rt.ReplicaAssignment = append(rt.ReplicaAssignment, ra)
	}
	for _, kv := range configs {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		c.Name, c.Value = kv[0], kmsg.StringPtr(kv[1])
		rt.Configs = append(rt.Configs, c)
	}
	return rt, nil
}

// parseReplicaAssignment reads "1:2,2:3,3:1": one colon-separated broker
// list per partition, every list the same length.
func parseReplicaAssignment(s string) ([][]int32, error) {
	if s == "" {
		return nil, nil
	}
	var out [][]int32
	for i, part := range strings.Split(s, ",") {
		var brokers []int32
		seen := map[int32]bool{}
		var dups []string
		for _, b := range strings.Split(part, ":") {
			n, err := strconv.ParseInt(strings.TrimSpace(b), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("For input string: \"%s\"", strings.TrimSpace(b))
			}
			if seen[int32(n)] {
				dups = append(dups, strconv.Itoa(int(n)))
			}
			seen[int32(n)] = true
			brokers = append(brokers, int32(n))
		}
		if len(dups) > 0 {
			return nil, fmt.Errorf("Partition replica lists may not contain duplicate entries: %s", strings.Join(dups, ","))
		}
		if len(out) > 0 && len(brokers) != len(out[0]) {
			return nil, fmt.Errorf("Partition %d has different replication factor: %s", i, javaList(brokers))
		}
		out = append(out, brokers)
	}
	return out, nil
}

// parseTopicConfigs reads --config name=value options; like Kafka, a value
// holding another '=' or no value at all is refused.
func parseTopicConfigs(args []string) ([][2]string, error) {
	var out [][2]string
	for _, a := range args {
		parts := strings.Split(a, "=")
		for len(parts) > 1 && strings.TrimSpace(parts[len(parts)-1]) == "" {
			parts = parts[:len(parts)-1] // Java's split drops trailing empty strings
		}
		if len(parts) != 2 {
			return nil, errors.New(`requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".`)
		}
		out = append(out, [2]string{strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])})
	}
	return out, nil
}

// javaList formats numbers as Java's List#toString does: "[1, 2, 3]".
func javaList[T any](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// matchingTopics returns the cluster's topics that --topic selects, sorted,
// as TopicCommand's getTopics does.
func (o *topicsOptions) matchingTopics(ctx context.Context, adm *adminClient) ([]string, error) {
	all, err := adm.listTopicNames(ctx)
	if err != nil {
		return nil, err
	}
	pattern := ".*"
	if o.topic != "" {
		pattern = o.topic
	}
	p, err := newTopicPattern(pattern)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(t string) bool { return !p.allowed(t, o.excludeInternal) }), nil
}

// ensureTopicsExist fails when --topic named something that matched nothing,
// unless --if-exists allows that.
func (o *topicsOptions) ensureTopicsExist(found []string) error {
	if o.topic != "" && !o.ifExists && len(found) == 0 {
		return fmt.Errorf("Topic '%s' does not exist as expected", o.topic)
	}
	return nil
}

func (o *topicsOptions) listTopics(ctx context.Context, out io.Writer, adm *adminClient) error {
	topics, err := o.matchingTopics(ctx, adm)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, strings.Join(topics, "\n"))
	return nil
}

func (o *topicsOptions) deleteTopics(ctx context.Context, _ *toolEnv, adm *adminClient) error {
	topics, err := o.matchingTopics(ctx, adm)
	if err != nil {
		return err
	}
	if err := o.ensureTopicsExist(topics); err != nil {
		return err
	}
	if len(topics) == 0 {
		return nil
	}
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = adm.timeoutMillis()
	for _, name := range topics {
		rt := kmsg.NewDeleteTopicsRequestTopic()
		rt.Topic = kmsg.StringPtr(name)
		req.Topics = append(req.Topics, rt)
		req.TopicNames = append(req.TopicNames, name)
	}
	resp, err := req.RequestWith(ctx, adm.cl)
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		if err := codeErr(t.ErrorCode, t.ErrorMessage); err != nil {
			return err
		}
	}
	return nil
}

func (o *topicsOptions) alterTopic(ctx context.Context, _ *toolEnv, adm *adminClient) error {
	assignment, err := parseReplicaAssignment(o.replicaAssignment)
	if err != nil {
		return err
	}
	topics, err := o.matchingTopics(ctx, adm)
	if err != nil {
		return err
	}
	if err := o.ensureTopicsExist(topics); err != nil {
		return err
	}
	if len(topics) == 0 {
		return nil
	}
	details, err := adm.adm.ListTopicsWithInternal(ctx, topics...)
	if err != nil {
		return err
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.TimeoutMillis = adm.timeoutMillis()
	for _, name := range topics {
		rt := kmsg.NewCreatePartitionsRequestTopic()
		rt.Topic, rt.Count = name, int32(o.partitions)
		// Only the partitions being added take an assignment: the entries
		// past the topic's current partition count.
		if existing := len(details[name].Partitions); len(assignment) > existing {
			for _, replicas := range assignment[existing:] {
				a := kmsg.NewCreatePartitionsRequestTopicAssignment()
				a.Replicas = replicas
				rt.Assignment = append(rt.Assignment, a)
			}
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, adm.cl)
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		if err := codeErr(t.ErrorCode, t.ErrorMessage); err != nil {
			return err
		}
	}
	return nil
}
