package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
)

// reassignOptions are kafka-reassign-partitions.sh's options.
type reassignOptions struct {
	bootstrap, bootstrapController, commandConfig  string
	reassignmentJSON, topicsToMoveJSON, brokerList string
	throttle, logDirThrottle, timeout              int64
	verify, generate, execute, cancel, list        bool
	disableRackAware, additional, preserve         bool
}

const reassignAbout = "This tool helps to move topic partitions between replicas."

func newReassignPartitionsCommand() *cobra.Command {
	return toolSpec{
		name:  "reassign-partitions",
		short: "Move partitions between brokers (kafka-reassign-partitions.sh)",
		about: reassignAbout,
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &reassignOptions{}
			addBool(fs, &o.verify, "verify", "Verify if the reassignment completed as specified by the --reassignment-json-file option. "+
				"If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed")
			addBool(fs, &o.generate, "generate", "Generate a candidate partition reassignment configuration. "+
				"Note that this only generates a candidate assignment, it does not execute it.")
			addBool(fs, &o.execute, "execute", "Kick off the reassignment as specified by the --reassignment-json-file option.")
			addBool(fs, &o.cancel, "cancel", "Cancel an active reassignment.")
			addBool(fs, &o.list, "list", "List all active partition reassignments.")
			addString(fs, &o.bootstrap, "bootstrap-server", "String: Server(s) to use for bootstrapping", "", "the server(s) to use for bootstrapping.")
			addString(fs, &o.bootstrapController, "bootstrap-controller", "String: bootstrap controller to connect to", "",
				"The controller to use for reassignment. By default, the tool will get the quorum controller. This option supports the actions --cancel and --list.")
			addString(fs, &o.commandConfig, "command-config", "String: Admin client property file", "", "Property file containing configs to be passed to Admin Client.")
			addString(fs, &o.reassignmentJSON, "reassignment-json-file", "String: manual assignment json file path", "",
				"The JSON file with the partition reassignment configurationThe format to use is - \n"+
					"{\"partitions\":\n\t[{\"topic\": \"foo\",\n\t  \"partition\": 1,\n\t  \"replicas\": [1,2,3],\n\t  \"log_dirs\": [\"dir1\",\"dir2\",\"dir3\"] }],\n\"version\":1\n}\n"+
					"Note that \"log_dirs\" is optional. When it is specified, its length must equal the length of the replicas list. The value in this list "+
					"can be either \"any\" or the absolution path of the log directory on the broker. If absolute log directory path is specified, the replica will be moved to the specified log directory on the broker.")
			addString(fs, &o.topicsToMoveJSON, "topics-to-move-json-file", "String: topics to reassign json file path", "",
				"Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - \n"+
					"{\"topics\":\n\t[{\"topic\": \"foo\"},{\"topic\": \"foo1\"}],\n\"version\":1\n}")
			addString(fs, &o.brokerList, "broker-list", "String: brokerlist", "",
				"The list of brokers to which the partitions need to be reassigned in the form \"0,1,2\". This is required if --topics-to-move-json-file is used to generate reassignment configuration")
			addBool(fs, &o.disableRackAware, "disable-rack-aware", "Disable rack aware replica assignment")
			addInt64(fs, &o.throttle, "throttle", "Long: throttle", -1, true,
				"The movement of partitions between brokers will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, "+
					"and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s.")
			addInt64(fs, &o.logDirThrottle, "replica-alter-log-dirs-throttle", "Long: replicaAlterLogDirsThrottle", -1, true,
				"The movement of replicas between log directories on the same broker will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, "+
					"and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s.")
			addInt64(fs, &o.timeout, "timeout", "Long: timeout", 10000, true, "The maximum time in ms to wait for log directory replica assignment to begin.")
			addBool(fs, &o.additional, "additional", "Execute this reassignment in addition to any other ongoing ones. This option can also be used to change the throttle of an ongoing reassignment.")
			addBool(fs, &o.preserve, "preserve-throttles", "Do not modify broker or topic throttles.")
			return o.run
		},
	}.command()
}

// reassignActions are the actions in Kafka's order, with the options each
// requires and permits besides.
var reassignActions = []struct {
	name               string
	required, permited []string
}{
	{"generate", []string{"topics-to-move-json-file", "broker-list"}, []string{"bootstrap-server", "command-config", "disable-rack-aware"}},
	{"execute", []string{"reassignment-json-file"}, []string{"additional", "bootstrap-server", "command-config", "throttle", "replica-alter-log-dirs-throttle", "timeout"}},
	{"verify", []string{"reassignment-json-file"}, []string{"bootstrap-server", "command-config", "preserve-throttles"}},
	{"cancel", []string{"reassignment-json-file"}, []string{"bootstrap", "command-config", "preserve-throttles", "timeout"}},
	{"list", nil, []string{"bootstrap", "command-config"}},
}

// validate is ReassignPartitionsCommand.validateAndParseArgs: it returns
// the action.
func (o *reassignOptions) validate(t *toolEnv) (string, error) {
	var chosen []int
	var names []string
	for i, a := range reassignActions {
		names = append(names, "--"+a.name)
		if t.changed(a.name) {
			chosen = append(chosen, i)
		}
	}
	if len(chosen) != 1 {
		return "", t.usageErr("Command must include exactly one action: %s", strings.Join(names, ", "))
	}
	switch server, ctrl := t.changed("bootstrap-server"), t.changed("bootstrap-controller"); {
	case server && ctrl:
		return "", t.usageErr("Please don't specify both --bootstrap-server and --bootstrap-controller")
	case !server && !ctrl:
		return "", t.usageErr("Please specify either --bootstrap-server or --bootstrap-controller")
	}
	a := reassignActions[chosen[0]]
	for _, r := range a.required {
		if !t.changed(r) {
			return "", t.usageErr(`Missing required argument "[%s]"`, r)
		}
	}
	bootstrap := "bootstrap-server"
	if t.changed("bootstrap-controller") {
		bootstrap = "bootstrap-controller"
	}
	var err error
	t.fs.Visit(func(f *pflag.Flag) {
		name := f.Name
		if err != nil || name == a.name || slices.Contains(a.required, name) || slices.Contains(a.permited, name) ||
			name == bootstrap && slices.Contains(a.permited, "bootstrap") {
			return
		}
		err = t.usageErr(`Option "[%s]" can't be used with action "[%s]"`, name, a.name)
	})
	return a.name, err
}

// terseError is a failure the tool reports with its message alone, on
// stdout (Kafka's TerseException); any other error prints as "Error: ...".
type terseError struct{ msg string }

func (e *terseError) Error() string { return e.msg }

func (o *reassignOptions) run(ctx context.Context, t *toolEnv) error {
	action, err := o.validate(t)
	if err != nil {
		return err
	}
	adm, err := connectAdmin(orDefault(o.bootstrap, o.bootstrapController), o.commandConfig, t.stderr)
	if err != nil {
		return reassignFailed(t, err)
	}
	defer adm.Close()
	ctx, cancel := adm.cfg.withTimeout(ctx)
	defer cancel()
	r := &reassignRun{o: o, t: t, adm: adm, viaController: o.bootstrapController != ""}
	switch action {
	case "generate":
		err = r.generate(ctx)
	case "execute":
		err = r.execute(ctx)
	case "verify":
		err = r.verify(ctx)
	case "cancel":
		err = r.cancel(ctx)
	case "list":
		err = r.listReassignments(ctx)
	}
	return reassignFailed(t, err)
}

// reassignFailed prints a failure as ReassignPartitionsCommand.main does,
// on stdout, and fails the command.
func reassignFailed(t *toolEnv, err error) error {
	var te *terseError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		fmt.Fprintln(t.stdout, te.msg)
	default:
		fmt.Fprintln(t.stdout, "Error: "+reassignErrMessage(err))
	}
	return exitCode(1)
}

// reassignErrMessage is Throwable#getMessage of what the Java tool throws:
// broker errors arrive wrapped in an ExecutionException, whose message is
// the cause's toString.
func reassignErrMessage(err error) string {
	var be *brokerError
	var ke *kerr.Error
	if errors.As(err, &be) || errors.As(err, &ke) {
		return exceptionString(err)
	}
	return err.Error()
}

type reassignRun struct {
	o             *reassignOptions
	t             *toolEnv
	adm           *adminClient
	viaController bool
}

// request sends an admin request: through the cluster's routing, or with
// --bootstrap-controller to the controller among the given ones that is
// active (the others answer NOT_CONTROLLER).
func (r *reassignRun) request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	if !r.viaController {
		return r.adm.cl.Request(ctx, req)
	}
	var last error = errors.New("no controller to connect to")
	for _, b := range r.adm.cl.SeedBrokers() {
		resp, err := b.Request(ctx, req)
		if err != nil {
			last = err
			continue
		}
		if code := topLevelCode(resp); code == kerr.NotController.Code {
			last = kerr.NotController
			continue
		}
		return resp, nil
	}
	return nil, last
}

func topLevelCode(resp kmsg.Response) int16 {
	switch resp := resp.(type) {
	case *kmsg.ListPartitionReassignmentsResponse:
		return resp.ErrorCode
	case *kmsg.AlterPartitionAssignmentsResponse:
		return resp.ErrorCode
	}
	return 0
}

// partitionTarget is one entry of a reassignment JSON file.
type partitionTarget struct {
	tp       topicPartition
	replicas []int32
}

// reassignmentJSON is the reassignment file's format, also what --generate
// prints (keys in Kafka's order).
type reassignmentJSON struct {
	Version    int                    `json:"version"`
	Partitions []reassignmentJSONPart `json:"partitions"`
}

type reassignmentJSONPart struct {
	Topic     string   `json:"topic"`
	Partition int32    `json:"partition"`
	Replicas  []int32  `json:"replicas"`
	LogDirs   []string `json:"log_dirs"`
}

// readReassignmentJSON parses a reassignment file as
// parsePartitionReassignmentData does. Moving replicas between log
// directories (log_dirs other than "any") is not something Spool does.
func readReassignmentJSON(path string) ([]partitionTarget, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s (No such file or directory)", path)
	}
	var doc struct {
		Version    *int `json:"version"`
		Partitions []struct {
			Topic     *string  `json:"topic"`
			Partition *int32   `json:"partition"`
			Replicas  *[]int32 `json:"replicas"`
			LogDirs   []string `json:"log_dirs"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("com.fasterxml.jackson.core.JsonParseException: %v", err)
	}
	if doc.Version != nil && *doc.Version != 1 {
		return nil, fmt.Errorf("Not supported version field value %d", *doc.Version)
	}
	var out []partitionTarget
	for _, p := range doc.Partitions {
		switch {
		case p.Topic == nil:
			return nil, errors.New("No such field exists: `topic`")
		case p.Partition == nil:
			return nil, errors.New("No such field exists: `partition`")
		case p.Replicas == nil:
			return nil, errors.New("No such field exists: `replicas`")
		}
		tp := topicPartition{*p.Topic, *p.Partition}
		if p.LogDirs != nil && len(p.LogDirs) != len(*p.Replicas) {
			return nil, fmt.Errorf("Size of replicas list %s is different from size of log dirs list %s for partition %s",
				javaList(*p.Replicas), javaList(p.LogDirs), tp)
		}
		for _, d := range p.LogDirs {
			if d != "any" {
				return nil, fmt.Errorf("Spool does not move replicas between log directories: log dir %s of partition %s must be \"any\"", d, tp)
			}
		}
		out = append(out, partitionTarget{tp: tp, replicas: *p.Replicas})
	}
	return out, nil
}

// formatReassignmentJSON is formatAsReassignmentJson: partitions sorted,
// every log dir "any".
func formatReassignmentJSON(assignment map[topicPartition][]int32) string {
	tps := make([]topicPartition, 0, len(assignment))
	for tp := range assignment {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, compareTopicPartitions)
	doc := reassignmentJSON{Version: 1, Partitions: []reassignmentJSONPart{}}
	for _, tp := range tps {
		dirs := make([]string, len(assignment[tp]))
		for i := range dirs {
			dirs[i] = "any"
		}
		doc.Partitions = append(doc.Partitions, reassignmentJSONPart{Topic: tp.topic, Partition: tp.partition, Replicas: assignment[tp], LogDirs: dirs})
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// ongoing lists reassignments in progress: all (nil) or of tps.
func (r *reassignRun) ongoing(ctx context.Context, tps []topicPartition) (map[topicPartition]kmsg.ListPartitionReassignmentsResponseTopicPartition, error) {
	req := kmsg.NewPtrListPartitionReassignmentsRequest()
	req.TimeoutMillis = r.adm.timeoutMillis()
	if tps != nil {
		req.Topics = []kmsg.ListPartitionReassignmentsRequestTopic{}
		for _, tp := range tps {
			i := slices.IndexFunc(req.Topics, func(rt kmsg.ListPartitionReassignmentsRequestTopic) bool { return rt.Topic == tp.topic })
			if i < 0 {
				rt := kmsg.NewListPartitionReassignmentsRequestTopic()
				rt.Topic = tp.topic
				req.Topics = append(req.Topics, rt)
				i = len(req.Topics) - 1
			}
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, tp.partition)
		}
	}
	resp, err := r.request(ctx, req)
	if err != nil {
		return nil, err
	}
	lr := resp.(*kmsg.ListPartitionReassignmentsResponse)
	if err := codeErr(lr.ErrorCode, lr.ErrorMessage); err != nil {
		return nil, err
	}
	out := map[topicPartition]kmsg.ListPartitionReassignmentsResponseTopicPartition{}
	for _, rt := range lr.Topics {
		for _, rp := range rt.Partitions {
			out[topicPartition{rt.Topic, rp.Partition}] = rp
		}
	}
	return out, nil
}

// listReassignments is --list.
func (r *reassignRun) listReassignments(ctx context.Context) error {
	cur, err := r.ongoing(ctx, nil)
	if err != nil {
		return err
	}
	tps := sortedTPs(cur)
	if len(tps) == 0 {
		fmt.Fprintln(r.t.stdout, "No partition reassignments found.")
		return nil
	}
	fmt.Fprintln(r.t.stdout, "Current partition reassignments:")
	for _, tp := range tps {
		p := cur[tp]
		line := fmt.Sprintf("%s: replicas: %s.", tp, joinIDs(p.Replicas))
		if len(p.AddingReplicas) > 0 {
			line += fmt.Sprintf(" adding: %s.", joinIDs(p.AddingReplicas))
		}
		if len(p.RemovingReplicas) > 0 {
			line += fmt.Sprintf(" removing: %s.", joinIDs(p.RemovingReplicas))
		}
		fmt.Fprintln(r.t.stdout, line)
	}
	return nil
}

func sortedTPs[V any](m map[topicPartition]V) []topicPartition {
	tps := make([]topicPartition, 0, len(m))
	for tp := range m {
		tps = append(tps, tp)
	}
	slices.SortFunc(tps, compareTopicPartitions)
	return tps
}

// currentReplicas returns the replicas of the partitions of topics, as
// Metadata reports them; a topic that does not exist is an
// UnknownTopicOrPartitionException naming it.
func (r *reassignRun) currentReplicas(ctx context.Context, topics []string) (map[topicPartition][]int32, error) {
	details, err := r.adm.adm.ListTopicsWithInternal(ctx, topics...)
	if err != nil {
		return nil, err
	}
	out := map[topicPartition][]int32{}
	for _, name := range topics {
		td, ok := details[name]
		if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
			return nil, &brokerError{err: kerr.UnknownTopicOrPartition, msg: "Topic " + name + " not found."}
		}
		if td.Err != nil {
			return nil, td.Err
		}
		for _, p := range td.Partitions {
			out[topicPartition{name, p.Partition}] = p.Replicas
		}
	}
	return out, nil
}

// brokers lists the live brokers' ids and racks.
func (r *reassignRun) brokers(ctx context.Context) ([]*metadata.Broker, error) {
	bs, err := r.adm.adm.ListBrokers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*metadata.Broker, 0, len(bs))
	for _, b := range bs {
		out = append(out, &metadata.Broker{ID: b.NodeID, Rack: b.Rack})
	}
	return out, nil
}

// generate is --generate: the current assignment of the topics and a
// proposal that spreads them over --broker-list, as topic creation would.
func (r *reassignRun) generate(ctx context.Context) error {
	var brokerIDs []int32
	var dupBrokers []string
	for _, s := range strings.Split(r.o.brokerList, ",") {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			return fmt.Errorf("For input string: \"%s\"", s)
		}
		if slices.Contains(brokerIDs, int32(n)) && !slices.Contains(dupBrokers, s) {
			dupBrokers = append(dupBrokers, s)
		}
		brokerIDs = append(brokerIDs, int32(n))
	}
	if len(dupBrokers) > 0 {
		return fmt.Errorf("Broker list contains duplicate entries: [%s]", strings.Join(dupBrokers, ", "))
	}
	topics, err := readTopicsToMove(r.o.topicsToMoveJSON)
	if err != nil {
		return err
	}
	current, err := r.currentReplicas(ctx, topics)
	if err != nil {
		return err
	}
	all, err := r.brokers(ctx)
	if err != nil {
		return err
	}
	var chosen []*metadata.Broker
	racked := 0
	for _, b := range all {
		if slices.Contains(brokerIDs, b.ID) {
			chosen = append(chosen, b)
			if b.Rack != nil {
				racked++
			}
		}
	}
	rackAware := !r.o.disableRackAware
	if rackAware && racked != 0 && racked != len(chosen) {
		return errors.New("Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.")
	}
	proposed := map[topicPartition][]int32{}
	rnd := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	for _, topic := range topics {
		count := int32(0)
		for tp := range current {
			if tp.topic == topic {
				count++
			}
		}
		rf := len(current[topicPartition{topic, 0}])
		if rf > len(chosen) {
			return fmt.Errorf("Replication factor: %d larger than available brokers: %d.", rf, len(chosen))
		}
		placed, err := controller.Assign(chosen, count, rf, rackAware, rnd)
		if err != nil {
			return err
		}
		for p, replicas := range placed {
			proposed[topicPartition{topic, int32(p)}] = replicas
		}
	}
	fmt.Fprintf(r.t.stdout, "Current partition replica assignment\n%s\n\n", formatReassignmentJSON(current))
	fmt.Fprintf(r.t.stdout, "Proposed partition reassignment configuration\n%s\n", formatReassignmentJSON(proposed))
	return nil
}

// readTopicsToMove parses {"topics": [{"topic": "foo"}], "version": 1}.
func readTopicsToMove(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s (No such file or directory)", path)
	}
	var doc struct {
		Version *int `json:"version"`
		Topics  []struct {
			Topic *string `json:"topic"`
		} `json:"topics"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, errors.New("The input string is not a valid JSON")
	}
	if doc.Version != nil && *doc.Version != 1 {
		return nil, fmt.Errorf("Not supported version field value %d", *doc.Version)
	}
	var topics, dups []string
	for _, t := range doc.Topics {
		if t.Topic == nil {
			return nil, errors.New("No such field exists: `topic`")
		}
		if slices.Contains(topics, *t.Topic) && !slices.Contains(dups, *t.Topic) {
			dups = append(dups, *t.Topic)
		}
		topics = append(topics, *t.Topic)
	}
	if len(dups) > 0 {
		return nil, fmt.Errorf("List of topics to reassign contains duplicate entries: [%s]", strings.Join(dups, ", "))
	}
	return topics, nil
}
