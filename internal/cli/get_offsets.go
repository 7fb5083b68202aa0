package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// getOffsetsOptions are kafka-get-offsets.sh's options.
type getOffsetsOptions struct {
	bootstrap, topicPartitions, topic, partitions string
	time, commandConfig                           string
	excludeInternal                               bool
}

func newGetOffsetsCommand() *cobra.Command {
	return toolSpec{
		name:  "get-offsets",
		short: "Print the offsets of topic partitions (kafka-get-offsets.sh)",
		about: "An interactive shell for getting topic-partition offsets.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &getOffsetsOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *getOffsetsOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.bootstrap, "bootstrap-server", "String: HOST1:PORT1,...,HOST3:PORT3", "", "REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.")
	addString(fs, &o.topicPartitions, "topic-partitions", "String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3", "",
		"Comma separated list of topic-partition patterns to get the offsets for, with the format of '"+topicPartitionPattern+"'. "+
			"The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section after ':' describes a 'partition' pattern, "+
			"which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', "+
			"an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions.")
	addString(fs, &o.topic, "topic", "String: topic", "", "The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.")
	addString(fs, &o.partitions, "partitions", "String: partition ids", "", "Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.")
	addString(fs, &o.time, "time", "String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered", "latest",
		"timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]")
	addString(fs, &o.commandConfig, "command-config", "String: config file", "", "Property file containing configs to be passed to Admin Client.")
	addBool(fs, &o.excludeInternal, "exclude-internal-topics", "By default, internal topics are included. If specified, internal topics are excluded.")
}

const topicPartitionPattern = `([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?`

// terseErr is GetOffsetShell's TerseException: "Error occurred: msg".
func terseErr(t *toolEnv, msg string) error {
	fmt.Fprintln(t.stderr, "Error occurred: "+msg)
	return exitCode(1)
}

func (o *getOffsetsOptions) run(ctx context.Context, t *toolEnv) error {
	if !t.changed("bootstrap-server") {
		return t.usageErr(`Missing required argument "[bootstrap-server]"`)
	}
	if err := validateBootstrap(o.bootstrap); err != nil {
		return t.usageErr("%s", err.Error())
	}
	if t.changed("topic-partitions") && (t.changed("topic") || t.changed("partitions")) {
		return terseErr(t, "--topic-partitions cannot be used with --topic or --partitions")
	}
	timestamp, err := parseOffsetTime(o.time)
	if err != nil {
		return terseErr(t, err.Error())
	}
	filter, err := o.filter(t)
	if err != nil {
		return terseErr(t, err.Error())
	}
	adm, err := connectAdmin(o.bootstrap, o.commandConfig, t.stderr)
	if err != nil {
		return terseErr(t, err.Error())
	}
	defer adm.Close()
	ctx, cancel := adm.cfg.withTimeout(ctx)
	defer cancel()
	tps, err := o.partitionsToQuery(ctx, adm, filter)
	if err != nil {
		return terseErr(t, errMessage(err))
	}
	if len(tps) == 0 {
		return terseErr(t, "Could not match any topic-partitions with the specified filters")
	}
	offsets, err := listOffsets(ctx, adm.cl, tps, timestamp, t.stderr)
	if err != nil {
		return terseErr(t, errMessage(err))
	}
	for _, tp := range offsets {
		fmt.Fprintf(t.stdout, "%s:%d:%d\n", tp.topic, tp.partition, tp.offset)
	}
	return nil
}

// parseOffsetTime reads --time: a timestamp in milliseconds or one of the
// special negative timestamps ListOffsets understands, by number or name.
func parseOffsetTime(s string) (int64, error) {
	switch s {
	case "latest":
		return -1, nil
	case "earliest":
		return -2, nil
	case "max-timestamp":
		return -3, nil
	case "earliest-local":
		return -4, nil
	case "latest-tiered":
		return -5, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Malformed time argument %s. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp", s)
	}
	return n, nil
}

// partitionFilter selects topic partitions: any of its rules may match.
type partitionFilter []partitionRule

type partitionRule struct {
	topic  *topicPattern
	lo, hi int32          // partitions in [lo, hi)
	set    map[int32]bool // when not nil, exactly these partitions
}

func (f partitionFilter) topicAllowed(topic string) bool {
	for _, r := range f {
		if r.topic.allowed(topic, false) {
			return true
		}
	}
	return false
}

func (f partitionFilter) allowed(topic string, p int32) bool {
	for _, r := range f {
		if !r.topic.allowed(topic, false) {
			continue
		}
		if r.set != nil && (len(r.set) == 0 || r.set[p]) || r.set == nil && p >= r.lo && p < r.hi {
			return true
		}
	}
	return false
}

func (o *getOffsetsOptions) filter(t *toolEnv) (partitionFilter, error) {
	if t.changed("topic-partitions") {
		return parsePartitionRules(o.topicPartitions)
	}
	pattern := orDefault(o.topic, ".*")
	tp, err := newTopicPattern(pattern)
	if err != nil {
		return nil, err
	}
	set := map[int32]bool{}
	if o.partitions != "" {
		for _, s := range strings.Split(o.partitions, ",") {
			n, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("--partitions expects a comma separated list of numeric partition ids, but received: %s", o.partitions)
			}
			set[int32(n)] = true
		}
	}
	return partitionFilter{{topic: tp, set: set}}, nil
}

func parsePartitionRules(spec string) (partitionFilter, error) {
	re := regexp.MustCompile("^" + topicPartitionPattern + "$")
	var f partitionFilter
	for _, rule := range strings.Split(spec, ",") {
		m := re.FindStringSubmatch(rule)
		if m == nil {
			return nil, fmt.Errorf("Invalid rule specification: %s", rule)
		}
		tp, err := newTopicPattern(orDefault(m[1], ".*"))
		if err != nil {
			return nil, err
		}
		r := partitionRule{topic: tp, lo: 0, hi: math.MaxInt32}
		switch {
		case m[2] != "":
			n, err := parsePartition(m[2])
			if err != nil {
				return nil, err
			}
			r.lo, r.hi = n, n+1
		default:
			if m[3] != "" {
				if r.lo, err = parsePartition(m[3]); err != nil {
					return nil, err
				}
			}
			if m[4] != "" {
				if r.hi, err = parsePartition(m[4]); err != nil {
					return nil, err
				}
			}
		}
		f = append(f, r)
	}
	return f, nil
}

func parsePartition(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("For input string: \"%s\"", s)
	}
	return int32(n), nil
}

// topicPartitionOffset is one answer line.
type topicPartitionOffset struct {
	topic     string
	partition int32
	offset    int64
}

func (o *getOffsetsOptions) partitionsToQuery(ctx context.Context, adm *adminClient, f partitionFilter) ([]topicPartitionOffset, error) {
	details, err := adm.adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return nil, err
	}
	var out []topicPartitionOffset
	for _, td := range details {
		if o.excludeInternal && (td.IsInternal || isInternalTopic(td.Topic)) || !f.topicAllowed(td.Topic) {
			continue
		}
		for p := range td.Partitions {
			if f.allowed(td.Topic, p) {
				out = append(out, topicPartitionOffset{topic: td.Topic, partition: p})
			}
		}
	}
	return out, nil
}

// listOffsets asks each partition's leader for the offset at timestamp and
// returns the partitions that have one, ordered as Kafka prints them: by
// the text "topic-partition".
func listOffsets(ctx context.Context, cl *kgo.Client, tps []topicPartitionOffset, timestamp int64, warn io.Writer) ([]topicPartitionOffset, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	byTopic := map[string]int{}
	for _, tp := range tps {
		i, ok := byTopic[tp.topic]
		if !ok {
			i = len(req.Topics)
			byTopic[tp.topic] = i
			rt := kmsg.NewListOffsetsRequestTopic()
			rt.Topic = tp.topic
			req.Topics = append(req.Topics, rt)
		}
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = tp.partition, timestamp
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	var out []topicPartitionOffset
	for _, shard := range cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			if errors.Is(shard.Err, context.DeadlineExceeded) || errors.Is(shard.Err, context.Canceled) {
				return nil, shard.Err
			}
			for _, rt := range shard.Req.(*kmsg.ListOffsetsRequest).Topics {
				for _, rp := range rt.Partitions {
					fmt.Fprintf(warn, "Skip getting offsets for topic-partition %s-%d due to error: %s\n", rt.Topic, rp.Partition, exceptionString(shard.Err))
				}
			}
			continue
		}
		for _, rt := range shard.Resp.(*kmsg.ListOffsetsResponse).Topics {
			for _, rp := range rt.Partitions {
				if err := codeErr(rp.ErrorCode, nil); err != nil {
					fmt.Fprintf(warn, "Skip getting offsets for topic-partition %s-%d due to error: %s\n", rt.Topic, rp.Partition, exceptionString(err))
					continue
				}
				if rp.Offset != -1 {
					out = append(out, topicPartitionOffset{topic: rt.Topic, partition: rp.Partition, offset: rp.Offset})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return fmt.Sprintf("%s-%d", out[i].topic, out[i].partition) < fmt.Sprintf("%s-%d", out[j].topic, out[j].partition)
	})
	return out, nil
}
