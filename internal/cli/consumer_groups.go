package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// consumerGroupsOptions are kafka-consumer-groups.sh's options (Kafka 4.x's
// ConsumerGroupCommandOptions).
type consumerGroupsOptions struct {
	bootstrap, commandConfig string
	groups, topics           []string
	list, describe, del      bool
	resetOffsets, delOffsets bool
	allGroups, allTopics     bool
	timeoutMs                int64
	dryRun, execute, export  bool
	toOffset, shiftBy        int64
	fromFile, toDatetime     string
	byDuration               string
	toEarliest, toLatest     bool
	toCurrent                bool
	members, verbose         bool
	offsets                  bool
	state, groupType         string // optional values; optionBare when given alone
}

// optionBare is the value of an option whose value is optional when it is
// given without one.
const optionBare = "\x00"

const consumerGroupsAbout = "This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets."

func newConsumerGroupsCommand() *cobra.Command {
	return toolSpec{
		name:  "consumer-groups",
		short: "List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)",
		about: consumerGroupsAbout,
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &consumerGroupsOptions{}
			o.register(fs)
			return o.run
		},
	}.command()
}

func (o *consumerGroupsOptions) register(fs *pflag.FlagSet) {
	addString(fs, &o.bootstrap, "bootstrap-server", "String: server to connect to", "", "REQUIRED: The server(s) to connect to.")
	addStrings(fs, &o.groups, "group", "String: consumer group", "The consumer group we wish to act on.")
	addStrings(fs, &o.topics, "topic", "String: topic", "The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. "+
		"In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. "+
		"Reset-offsets also supports multiple topic inputs.")
	addBool(fs, &o.allTopics, "all-topics", "Consider all topics assigned to a group in the `reset-offsets` process.")
	addBool(fs, &o.list, "list", "List all consumer groups.")
	addBool(fs, &o.describe, "describe", "Describe consumer group and list offset lag (number of messages not yet processed) related to given group.")
	addBool(fs, &o.allGroups, "all-groups", "Apply to all consumer groups.")
	addBool(fs, &o.del, "delete", "Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2")
	addInt64(fs, &o.timeoutMs, "timeout", "Long: timeout (ms)", 5000, true, "The timeout that can be set for some use cases. For example, it can be used when describing the group "+
		"to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes).")
	addString(fs, &o.commandConfig, "command-config", "String: command config property file", "", "Property file containing configs to be passed to Admin Client and Consumer.")
	addBool(fs, &o.resetOffsets, "reset-offsets", "Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive\n"+
		"Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. "+
		"Additionally, the --export option is used to export the results to a CSV format.\n"+
		"You must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --from-file, --to-current, --to-offset.\n"+
		"To define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'.")
	addBool(fs, &o.delOffsets, "delete-offsets", "Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.")
	addBool(fs, &o.dryRun, "dry-run", "Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.")
	addBool(fs, &o.execute, "execute", "Execute operation. Supported operations: reset-offsets.")
	addBool(fs, &o.export, "export", "Export operation execution to a CSV file. Supported operations: reset-offsets.")
	addInt64(fs, &o.toOffset, "to-offset", "Long: offset", 0, false, "Reset offsets to a specific offset.")
	addString(fs, &o.fromFile, "from-file", "String: path to CSV file", "", "Reset offsets to values defined in CSV file.")
	addString(fs, &o.toDatetime, "to-datetime", "String: datetime", "", "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'")
	addString(fs, &o.byDuration, "by-duration", "String: duration", "", "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'")
	addBool(fs, &o.toEarliest, "to-earliest", "Reset offsets to earliest offset.")
	addBool(fs, &o.toLatest, "to-latest", "Reset offsets to latest offset.")
	addBool(fs, &o.toCurrent, "to-current", "Reset offsets to current offset.")
	addInt64(fs, &o.shiftBy, "shift-by", "Long: number-of-offsets", 0, false, "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.")
	addBool(fs, &o.members, "members", "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only.\n"+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --members")
	addBool(fs, &o.verbose, "verbose", "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only.\n"+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose")
	addBool(fs, &o.offsets, "offsets", "Describe the group and list all topic partitions in the group along with their offset lag. "+
		"This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only.\n"+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets")
	addOptional(fs, &o.state, "state", "String", "", optionBare, "When specified with '--describe', includes the state of the group.\n"+
		"Example: --bootstrap-server localhost:9092 --describe --group group1 --state\n"+
		"When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states.\n"+
		"Example: --bootstrap-server localhost:9092 --list --state stable,empty\n"+
		"This option may be used with '--describe', '--list' and '--bootstrap-server' options only.")
	addOptional(fs, &o.groupType, "type", "String", "", optionBare, "When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types.\n"+
		"Example: --bootstrap-server localhost:9092 --list --type classic,consumer\n"+
		"This option may be used with the '--list' option only.")
}

// Kafka names option sets in its messages in the iteration order of a Java
// HashSet of jopt-simple option specs, which is fixed by the options' names:
// these are those orders.
var (
	groupScopeOptions    = []string{"all-groups", "group"}
	deleteOffsetsOptions = []string{"topic", "group"}
	resetScenarios       = []string{"to-offset", "to-current", "to-datetime", "from-file", "by-duration", "to-earliest", "to-latest", "shift-by"}
)

// resetScenarioChecks is the order in which Kafka checks that at most one
// reset scenario is given.
var resetScenarioChecks = []string{"to-offset", "to-datetime", "by-duration", "to-earliest", "to-latest", "to-current", "shift-by", "from-file"}

func specs(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "[" + n + "]"
	}
	return strings.Join(out, ", ")
}

// check validates the options in the order ConsumerGroupCommandOptions
// does, so that the first mistake reported is Kafka's.
func (o *consumerGroupsOptions) check(t *toolEnv) error {
	if err := o.checkAvailable(t); err != nil {
		return err
	}
	if !t.changed("bootstrap-server") {
		return t.usageErr(`Missing required argument "[bootstrap-server]"`)
	}
	for _, check := range []func(*toolEnv) error{o.checkDescribe, o.checkDelete, o.checkReset, o.checkConflicts} {
		if err := check(t); err != nil {
			return err
		}
	}
	n := 0
	for _, action := range []bool{o.list, o.describe, o.del, o.resetOffsets, o.delOffsets} {
		if action {
			n++
		}
	}
	if n != 1 {
		return t.usageErr("Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets")
	}
	return nil
}

// checkAvailable is jopt-simple's availableIf: some options only make
// sense next to an action.
func (o *consumerGroupsOptions) checkAvailable(t *toolEnv) error {
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"members", o.describe}, {"verbose", o.describe}, {"offsets", o.describe},
		{"state", o.describe || o.list}, {"type", o.list},
	} {
		if t.changed(c.name) && !c.ok {
			return t.usageErr("Option(s) [%s] are unavailable given other options on the command line", c.name)
		}
	}
	return nil
}

func (o *consumerGroupsOptions) hasGroupScope(t *toolEnv) bool {
	return t.changed("group") || o.allGroups
}

func (o *consumerGroupsOptions) checkDescribe(t *toolEnv) error {
	if !o.describe {
		return nil
	}
	if !o.hasGroupScope(t) {
		return t.usageErr("Option [describe] takes one of these options: %s", specs(groupScopeOptions))
	}
	n := 0
	for _, name := range []string{"members", "offsets", "state"} {
		if t.changed(name) {
			n++
		}
	}
	if n > 1 {
		return t.usageErr("Option [describe] takes at most one of these options: [members], [offsets], [state]")
	}
	if t.changed("state") && o.state != optionBare {
		return t.usageErr("Option [describe] does not take a value for [state]")
	}
	return nil
}

func (o *consumerGroupsOptions) checkDelete(t *toolEnv) error {
	if o.del {
		if !o.hasGroupScope(t) {
			return t.usageErr("Option [delete] takes one of these options: %s", specs(groupScopeOptions))
		}
		if t.changed("topic") {
			return t.usageErr("The consumer does not support topic-specific offset deletion from a consumer group.")
		}
	}
	if o.delOffsets && (!t.changed("group") || !t.changed("topic")) {
		return t.usageErr("Option [delete-offsets] takes the following options: %s", specs(deleteOffsetsOptions))
	}
	return nil
}

func (o *consumerGroupsOptions) checkReset(t *toolEnv) error {
	if !o.resetOffsets {
		return nil
	}
	if o.dryRun && o.execute {
		return t.usageErr("Option [reset-offsets] only accepts one of [execute] and [dry-run]")
	}
	if !o.dryRun && !o.execute {
		fmt.Fprintln(t.stderr, "WARN: No action will be performed as the --execute option is missing."+
			"In a future major release, the default behavior of this command will be to prompt the user before "+
			"executing the reset rather than doing a dry run. You should add the --dry-run option explicitly "+
			"if you are scripting this command and want to keep the current default behavior without prompting.")
	}
	if !o.hasGroupScope(t) {
		return t.usageErr("Option [reset-offsets] takes one of these options: %s", specs(groupScopeOptions))
	}
	for _, used := range resetScenarioChecks {
		if !t.changed(used) {
			continue
		}
		for _, other := range resetScenarios {
			if other != used && t.changed(other) {
				return t.usageErr(`Option "[%s]" can't be used with option "[%s]"`, used, other)
			}
		}
	}
	return nil
}

// checkConflicts are the last of Kafka's checks: which scope and action
// options go together.
func (o *consumerGroupsOptions) checkConflicts(t *toolEnv) error {
	if t.changed("group") {
		if o.allGroups {
			return t.usageErr(`Option "[group]" can't be used with option "[all-groups]"`)
		}
		if o.list {
			return t.usageErr(`Option "[group]" can't be used with option "[list]"`)
		}
	}
	if t.changed("topic") {
		if o.describe {
			return t.usageErr(`Option "[topic]" can't be used with option "[describe]"`)
		}
		if o.list {
			return t.usageErr(`Option "[topic]" can't be used with option "[list]"`)
		}
	}
	return nil
}

// groupsRun is one run of the tool against a cluster.
type groupsRun struct {
	o   *consumerGroupsOptions
	t   *toolEnv
	adm *adminClient
}

func (o *consumerGroupsOptions) run(ctx context.Context, t *toolEnv) error {
	if err := o.check(t); err != nil {
		return err
	}
	r := &groupsRun{o: o, t: t}
	if err := validateBootstrap(o.bootstrap); err != nil {
		return r.report(&groupsFailure{msg: "Failed to create new KafkaAdminClient",
			trace: "org.apache.kafka.common.KafkaException: Failed to create new KafkaAdminClient"})
	}
	adm, err := connectAdmin(o.bootstrap, o.commandConfig, t.stderr)
	if err != nil {
		return r.report(&groupsFailure{msg: err.Error(), trace: "java.lang.RuntimeException: " + err.Error()})
	}
	defer adm.Close()
	r.adm = adm
	switch {
	case o.list:
		err = r.listGroups(ctx)
	case o.describe:
		err = r.describeGroupsCommand(ctx)
	case o.del:
		err = r.deleteGroups(ctx)
	case o.resetOffsets:
		err = r.resetOffsets(ctx)
	default:
		err = r.deleteOffsets(ctx)
	}
	return r.report(err)
}

// call bounds one admin operation by --timeout, as Kafka's tool sets
// timeoutMs on each admin call.
func (r *groupsRun) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, time.Duration(r.o.timeoutMs)*time.Millisecond)
}

// groupsUsageError is an IllegalArgumentException of the tool: Kafka
// prints its message with the option table and exits 1.
type groupsUsageError struct{ msg string }

func (e *groupsUsageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &groupsUsageError{msg: fmt.Sprintf(format, args...)}
}

// groupsFailure is any other failure: msg is what Java's getMessage would
// say, trace the first line of the stack trace Kafka prints.
type groupsFailure struct{ msg, trace string }

func (e *groupsFailure) Error() string { return e.msg }

// failed wraps a client error the way Kafka's tool meets it: through a
// KafkaFuture, as an ExecutionException whose message names the cause.
// The tool's own errors pass through.
func failed(err error) error {
	var f *groupsFailure
	var u *groupsUsageError
	if err == nil || errors.As(err, &f) || errors.As(err, &u) {
		return err
	}
	s := groupExceptionString(err)
	return &groupsFailure{msg: s, trace: "java.util.concurrent.ExecutionException: " + s}
}

// report ends the run the way ConsumerGroupCommand.run does: an
// IllegalArgumentException is a usage error (exit 1); any other failure is
// printed on stdout and the command still exits 0, as Kafka's does.
func (r *groupsRun) report(err error) error {
	var u *groupsUsageError
	var f *groupsFailure
	switch {
	case err == nil:
		return nil
	case errors.As(err, &u):
		return r.t.usageErr("%s", u.msg)
	case !errors.As(failed(err), &f):
		return err
	}
	printError(r.t, "Executing consumer group command failed due to "+f.msg)
	fmt.Fprintln(r.t.stderr, f.trace)
	return nil
}

// printError is ConsumerGroupCommand.printError: a blank line, then
// "Error: msg", on stdout.
func printError(t *toolEnv, msg string) {
	fmt.Fprintf(t.stdout, "\nError: %s\n", msg)
}
