package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"
)

// consoleConsumerOptions are kafka-console-consumer.sh's options. The
// --command-* and --formatter-property names are the ones newer Kafka
// releases prefer; both spellings work.
type consoleConsumerOptions struct {
	topic, include, bootstrap   string
	partition                   int
	offset                      string
	fromBeginning               bool
	maxMessages                 int
	timeoutMs                   int64
	skipOnError                 bool
	group, isolation            string
	propArgs, cmdProps          []string
	consumerConfig, cmdConfig   string
	formatter                   string
	fmtProps, fmtProps2         []string
	formatterConfig             string
	keyDeserializer, valueDeser string
	systestEvents               bool
	hasPartition                bool
}

func newConsoleConsumerCommand() *cobra.Command {
	return toolSpec{
		name:  "console-consumer",
		short: "Read records from topics and print them (kafka-console-consumer.sh)",
		about: "This tool helps to read data from Kafka topics and outputs it to standard output.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &consoleConsumerOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *consoleConsumerOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.topic, "topic", "String: topic", "", "The topic to consume on.")
	addString(fs, &o.include, "include", "String: Java regex (String)", "", "Regular expression specifying list of topics to include for consumption.")
	addInt(fs, &o.partition, "partition", "Integer: partition", 0, false, "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified.")
	addString(fs, &o.offset, "offset", "String: consume offset", "latest", "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end")
	addStrings(fs, &o.propArgs, "consumer-property", "String: consumer_prop", "A mechanism to pass user-defined properties in the form key=value to the consumer.")
	addStrings(fs, &o.cmdProps, "command-property", "String: consumer_prop", "The same as --consumer-property (its name in newer Kafka releases).")
	addString(fs, &o.consumerConfig, "consumer.config", "String: config file", "", "Consumer config properties file. Note that [consumer-property] takes precedence over this config.")
	addString(fs, &o.cmdConfig, "command-config", "String: config file", "", "The same as --consumer.config (its name in newer Kafka releases).")
	addString(fs, &o.formatter, "formatter", "String: class", defaultFormatterClass, "The name of a class to use for formatting kafka messages for display.")
	fmtHelp := "The properties to initialize the message formatter. Default properties include: \n print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n" +
		" print.epoch=true|false\n print.partition=true|false\n print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n" +
		" line.separator=<line.separator>\n headers.separator=<line.separator>\n null.literal=<null.literal>\n key.deserializer=<key.deserializer>\n" +
		" value.deserializer=<value.deserializer>\n header.deserializer=<header.deserializer>"
	addStrings(fs, &o.fmtProps, "property", "String: prop", fmtHelp)
	addStrings(fs, &o.fmtProps2, "formatter-property", "String: prop", "The same as --property (its name in newer Kafka releases).")
	addString(fs, &o.formatterConfig, "formatter-config", "String: config file", "", "Config properties file to initialize the message formatter. Note that [property] takes precedence over this config.")
	addBool(fs, &o.fromBeginning, "from-beginning", "If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.")
	addInt(fs, &o.maxMessages, "max-messages", "Integer: num_messages", 0, false, "The maximum number of messages to consume before exiting. If not set, consumption is continual.")
	addInt64(fs, &o.timeoutMs, "timeout-ms", "Long: timeout_ms", 0, false, "If specified, exit if no message is available for consumption for the specified interval.")
	addBool(fs, &o.skipOnError, "skip-message-on-error", "If there is an error when processing a message, skip it instead of halt.")
	addString(fs, &o.bootstrap, "bootstrap-server", "String: server to connect to", "", "REQUIRED: The server(s) to connect to.")
	addString(fs, &o.keyDeserializer, "key-deserializer", "String: deserializer for key", "", "")
	addString(fs, &o.valueDeser, "value-deserializer", "String: deserializer for values", "", "")
	addBool(fs, &o.systestEvents, "enable-systest-events", "Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)")
	addString(fs, &o.isolation, "isolation-level", "String", "read_uncommitted", "Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages.")
	addString(fs, &o.group, "group", "String: consumer group id", "", "The consumer group id of the consumer.")
}

const defaultFormatterClass = "org.apache.kafka.tools.consumer.DefaultMessageFormatter"

// consumePlan is what the options resolve to.
type consumePlan struct {
	cfg       *clientConfig
	group     string
	start     kgo.Offset // where --partition starts
	reset     kgo.Offset // where a partition without a usable offset starts
	formatter *messageFormatter
	noop      bool // NoOpMessageFormatter: count, print nothing
}

func (o *consoleConsumerOptions) run(ctx context.Context, t *toolEnv) error {
	plan, err := o.plan(t)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(o.clientOpts(plan)...)
	if err != nil {
		fmt.Fprintln(t.stderr, err)
		return exitCode(1)
	}
	n, err := o.consume(ctx, t, cl, plan)
	if plan.group != "" && plan.cfg.autoCommit {
		_ = cl.CommitUncommittedOffsets(context.WithoutCancel(ctx))
	}
	cl.Close()
	fmt.Fprintf(t.stderr, "Processed a total of %d messages\n", n)
	if err != nil {
		logError(t.stderr, "Unknown error when running consumer: ", "org.apache.kafka.tools.consumer.ConsoleConsumer", err)
		return exitCode(1)
	}
	return nil
}

// plan validates the options in Kafka's order and resolves them.
func (o *consoleConsumerOptions) plan(t *toolEnv) (*consumePlan, error) {
	if (o.topic != "") == (o.include != "") {
		return nil, t.usageErr("Exactly one of --include/--topic is required. ")
	}
	if t.changed("partition") {
		if o.topic == "" {
			return nil, t.usageErr("The topic is required when partition is specified.")
		}
		if o.fromBeginning && t.changed("offset") {
			return nil, t.usageErr("Options from-beginning and offset cannot be specified together.")
		}
	} else if t.changed("offset") {
		return nil, t.usageErr("The partition is required when offset is specified.")
	}
	if !t.changed("bootstrap-server") {
		return nil, t.usageErr(`Missing required argument "[bootstrap-server]"`)
	}
	o.hasPartition = t.changed("partition")
	p, err := o.consumerProps(t)
	if err != nil {
		return nil, err
	}
	reset, err := o.resetOffset(t, p)
	if err != nil {
		return nil, err
	}
	start, err := o.startOffset(t, reset)
	if err != nil {
		return nil, err
	}
	cfg, err := newClientConfig(roleConsumer, p, t.stderr)
	if err != nil {
		fmt.Fprintln(t.stderr, "org.apache.kafka.common.config.ConfigException: "+err.Error())
		return nil, exitCode(1)
	}
	plan := &consumePlan{cfg: cfg, group: cfg.groupID, start: start, reset: reset}
	if err := o.buildFormatter(t, plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// consumerProps merges the consumer config file, --consumer-property and
// the tool's options, and checks that a group is named consistently.
func (o *consoleConsumerOptions) consumerProps(t *toolEnv) (props, error) {
	file, err := loadPropsIf(o.consumerConfig)
	if err == nil && o.cmdConfig != "" {
		var more props
		more, err = loadProps(o.cmdConfig)
		file = file.merge(more)
	}
	if err != nil {
		fmt.Fprintln(t.stderr, err)
		return nil, exitCode(1)
	}
	extra := parseKeyValues(o.propArgs).merge(parseKeyValues(o.cmdProps))
	groups := map[string]bool{}
	for _, g := range []struct {
		v  string
		ok bool
	}{{o.group, t.changed("group")}, {file["group.id"], hasKey(file, "group.id")}, {extra["group.id"], hasKey(extra, "group.id")}} {
		if g.ok {
			groups[g.v] = true
		}
	}
	if len(groups) > 1 {
		var ids []string
		for g := range groups {
			ids = append(ids, "'"+g+"'")
		}
		sort.Strings(ids)
		return nil, t.usageErr("The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: %s", strings.Join(ids, ", "))
	}
	if len(groups) > 0 && t.changed("partition") {
		return nil, t.usageErr("Options group and partition cannot be specified together.")
	}
	p := file.merge(extra)
	p["bootstrap.servers"] = o.bootstrap
	if p["client.id"] == "" {
		p["client.id"] = "console-consumer"
	}
	if _, ok := p["isolation.level"]; t.changed("isolation-level") || !ok {
		p["isolation.level"] = o.isolation
	}
	for g := range groups {
		p["group.id"] = g
	}
	return p, nil
}

func hasKey(p props, k string) bool {
	_, ok := p[k]
	return ok
}

// resetOffset is auto.offset.reset, which --from-beginning sets to
// earliest and which defaults to latest.
func (o *consoleConsumerOptions) resetOffset(t *toolEnv, p props) (kgo.Offset, error) {
	reset, ok := p["auto.offset.reset"]
	if ok && o.fromBeginning && reset != "earliest" {
		fmt.Fprintf(t.stderr, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=%s', please remove one option\n", reset)
		return kgo.Offset{}, exitCode(1)
	}
	switch {
	case o.fromBeginning || reset == "earliest":
		return kgo.NewOffset().AtStart(), nil
	case reset == "none":
		return kgo.NoResetOffset(), nil
	}
	return kgo.NewOffset().AtEnd(), nil
}

// startOffset is where --partition starts: --offset, or the reset offset.
func (o *consoleConsumerOptions) startOffset(t *toolEnv, reset kgo.Offset) (kgo.Offset, error) {
	if !t.changed("offset") {
		if o.fromBeginning {
			return kgo.NewOffset().AtStart(), nil
		}
		return kgo.NewOffset().AtEnd(), nil
	}
	switch strings.ToLower(o.offset) {
	case "earliest":
		return kgo.NewOffset().AtStart(), nil
	case "latest":
		return kgo.NewOffset().AtEnd(), nil
	}
	n, err := strconv.ParseInt(o.offset, 10, 64)
	if err != nil || n < 0 {
		return kgo.Offset{}, t.usageErr("The provided offset value '%s' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.", o.offset)
	}
	return kgo.NewOffset().At(n), nil
}

func (o *consoleConsumerOptions) buildFormatter(t *toolEnv, plan *consumePlan) error {
	switch o.formatter {
	case defaultFormatterClass, "kafka.tools.DefaultMessageFormatter":
	case "org.apache.kafka.tools.consumer.NoOpMessageFormatter", "kafka.tools.NoOpMessageFormatter":
		plan.noop = true
	default:
		return t.usageErr("Formatter %s is not available in spool; use %s (configured with --property) or NoOpMessageFormatter.", o.formatter, defaultFormatterClass)
	}
	p, err := loadPropsIf(o.formatterConfig)
	if err != nil {
		return t.usageErr("%s", err.Error())
	}
	if o.keyDeserializer != "" {
		p["key.deserializer"] = o.keyDeserializer
	}
	if o.valueDeser != "" {
		p["value.deserializer"] = o.valueDeser
	}
	plan.formatter = newMessageFormatter(p.merge(parseKeyValues(o.fmtProps), parseKeyValues(o.fmtProps2)), t.stderr)
	return nil
}

func (o *consoleConsumerOptions) clientOpts(plan *consumePlan) []kgo.Opt {
	opts := plan.cfg.withOpts(kgo.ConsumeResetOffset(plan.reset))
	switch {
	case o.hasPartition:
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{o.topic: {int32(o.partition): plan.start}}))
	case o.topic != "":
		opts = append(opts, kgo.ConsumeTopics(o.topic))
	default:
		// Java's consumer matches the whole topic name; Go's regexp
		// matches anywhere unless anchored.
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics("^(?:"+o.include+")$"))
	}
	if plan.group != "" {
		opts = append(opts, kgo.ConsumerGroup(plan.group))
		if !plan.cfg.autoCommit {
			opts = append(opts, kgo.DisableAutoCommit())
		}
	}
	return opts
}

// consume prints records until --max-messages, --timeout-ms, an error or
// cancellation, and returns how many it processed.
func (o *consoleConsumerOptions) consume(ctx context.Context, t *toolEnv, cl *kgo.Client, plan *consumePlan) (int, error) {
	out := bufio.NewWriter(t.stdout)
	count := 0
	for o.maxMessages <= 0 || count < o.maxMessages {
		recs, err := o.poll(ctx, cl, plan, count)
		if err != nil {
			// Kafka logs why it stopped, then exits normally; a Ctrl-C
			// needs no explanation.
			if ctx.Err() == nil {
				logError(t.stderr, "Error processing message, terminating consumer process: ", "org.apache.kafka.tools.consumer.ConsoleConsumer", err)
			}
			break
		}
		for _, r := range recs {
			count++
			if plan.noop {
				continue
			}
			if err := plan.formatter.write(out, r); err != nil {
				if !o.skipOnError {
					out.Flush()
					return count, err
				}
				logError(t.stderr, "Error processing message, skipping this message: ", "org.apache.kafka.tools.consumer.ConsoleConsumer", err)
			}
		}
		if err := out.Flush(); err != nil {
			fmt.Fprintln(t.stderr, "Unable to write to standard out, closing consumer.")
			break
		}
	}
	return count, nil
}

// errConsumeTimeout is Kafka's TimeoutException for --timeout-ms.
var errConsumeTimeout = errors.New("org.apache.kafka.common.errors.TimeoutException")

// poll waits for the next records, at most as many as are still wanted, so
// that a group commit never covers records that were not printed.
func (o *consoleConsumerOptions) poll(ctx context.Context, cl *kgo.Client, plan *consumePlan, count int) ([]*kgo.Record, error) {
	pollCtx := ctx
	if o.timeoutMs > 0 {
		var cancel context.CancelFunc
		pollCtx, cancel = context.WithTimeout(ctx, time.Duration(o.timeoutMs)*time.Millisecond)
		defer cancel()
	}
	want := plan.cfg.maxPollRecords
	if o.maxMessages > 0 {
		want = min(want, o.maxMessages-count)
	}
	fetches := cl.PollRecords(pollCtx, want)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if pollCtx.Err() != nil && fetches.NumRecords() == 0 {
		return nil, errConsumeTimeout
	}
	for _, fe := range fetches.Errors() {
		if !errors.Is(fe.Err, context.DeadlineExceeded) && !errors.Is(fe.Err, context.Canceled) {
			return nil, fe.Err
		}
	}
	return fetches.Records(), nil
}

// logError prints an ERROR line the way Kafka's tools log them, followed by
// the exception.
func logError(w io.Writer, msg, class string, err error) {
	fmt.Fprintf(w, "[%s] ERROR %s (%s)\n%s\n", time.Now().Format("2006-01-02 15:04:05,000"), msg, class, javaExceptionLine(err))
}

// javaExceptionLine names err as a Java stack trace's first line would.
func javaExceptionLine(err error) string {
	if errors.Is(err, errConsumeTimeout) || strings.HasPrefix(err.Error(), "org.apache.kafka") || strings.HasPrefix(err.Error(), "java.") {
		return err.Error()
	}
	return exceptionString(err)
}
