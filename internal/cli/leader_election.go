package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// leaderElectionOptions are kafka-leader-election.sh's options.
type leaderElectionOptions struct {
	bootstrap, adminConfig, jsonFile, topic, electionType string
	partition                                             int
	allTopicPartitions                                    bool
}

func newLeaderElectionCommand() *cobra.Command {
	return toolSpec{
		name:  "leader-election",
		short: "Elect preferred or unclean partition leaders (kafka-leader-election.sh)",
		about: "This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.",
		setup: func(fs *pflag.FlagSet) toolFunc {
			o := &leaderElectionOptions{}
			addString(fs, &o.bootstrap, "bootstrap-server", "String: host:port", "",
				"A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED.")
			addString(fs, &o.adminConfig, "admin.config", "String: config file", "",
				"Configuration properties files to pass to the admin client")
			addString(fs, &o.jsonFile, "path-to-json-file", "String: Path to JSON file", "",
				"The JSON file with the list  of partition for which leader elections should be performed. This is an example format. \n"+
					"{\"partitions\":\n\t[{\"topic\": \"foo\", \"partition\": 1},\n\t {\"topic\": \"foobar\", \"partition\": 2}]\n}\n"+
					"Not allowed if --all-topic-partitions or --topic flags are specified.")
			addString(fs, &o.topic, "topic", "String: topic name", "",
				"Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified.")
			addInt(fs, &o.partition, "partition", "Integer: partition id", 0, false,
				"Partition id for which to perform an election. REQUIRED if --topic is specified.")
			addBool(fs, &o.allTopicPartitions, "all-topic-partitions",
				"Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag). Not allowed if --topic or --path-to-json-file is specified.")
			addString(fs, &o.electionType, "election-type", "[PREFERRED,UNCLEAN]: election type", "",
				"Type of election to attempt. Possible values are \"preferred\" for preferred leader election or \"unclean\" for unclean leader election. "+
					"If preferred election is selection, the election is only performed if the current leader is not the preferred leader for the topic partition. "+
					"If unclean election is selected, the election is only performed if there are no leader for the topic partition. REQUIRED.")
			return o.run
		},
	}.command()
}

func (o *leaderElectionOptions) run(ctx context.Context, t *toolEnv) error {
	typ, err := o.validate(t)
	if err != nil {
		return plainErr(t, err.Error())
	}
	var partitions []topicPartition // nil: all
	switch {
	case o.jsonFile != "":
		if partitions, err = readElectionJSON(o.jsonFile); err != nil {
			return plainErr(t, err.Error())
		}
	case t.changed("topic"):
		partitions = []topicPartition{{o.topic, int32(o.partition)}}
	}
	adm, err := connectAdmin(o.bootstrap, o.adminConfig, t.stderr)
	if err != nil {
		return plainErr(t, err.Error())
	}
	defer adm.Close()
	ctx, cancel := adm.cfg.withTimeout(ctx)
	defer cancel()
	return electLeaders(ctx, t, adm, typ, partitions)
}

// validate checks the options as LeaderElectionCommandOptions.validate and
// returns the election type.
func (o *leaderElectionOptions) validate(t *toolEnv) (int8, error) {
	var missing []string
	for _, name := range []string{"bootstrap-server", "election-type"} {
		if !t.changed(name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return 0, fmt.Errorf("Missing required option(s): %s", strings.Join(missing, ", "))
	}
	var typ int8
	switch strings.ToUpper(o.electionType) {
	case "PREFERRED":
		typ = 0
	case "UNCLEAN":
		typ = 1
	default:
		return 0, fmt.Errorf("Cannot parse argument '%s' of option election-type", o.electionType)
	}
	n := 0
	for _, name := range []string{"topic", "all-topic-partitions", "path-to-json-file"} {
		if t.changed(name) {
			n++
		}
	}
	switch {
	case n != 1:
		return 0, errors.New("One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file")
	case t.changed("topic") && !t.changed("partition"):
		return 0, errors.New("Missing required option(s): partition")
	case !t.changed("topic") && t.changed("partition"):
		return 0, errors.New("Option partition is only allowed if topic is used")
	}
	return typ, nil
}

// readElectionJSON reads {"partitions": [{"topic": "foo", "partition": 1}]}.
func readElectionJSON(path string) ([]topicPartition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s (No such file or directory)", path)
	}
	var doc struct {
		Partitions *[]struct {
			Topic     *string `json:"topic"`
			Partition *int32  `json:"partition"`
		} `json:"partitions"`
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("Replica election data is empty")
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("Failed to parse the JSON file %s: %v", path, err)
	}
	if doc.Partitions == nil {
		return nil, errors.New("Replica election data is missing \"partitions\" field")
	}
	var out []topicPartition
	var dups []string
	for _, p := range *doc.Partitions {
		if p.Topic == nil {
			return nil, errors.New("No such field exists: `topic`")
		}
		if p.Partition == nil {
			return nil, errors.New("No such field exists: `partition`")
		}
		tp := topicPartition{*p.Topic, *p.Partition}
		if slices.Contains(out, tp) && !slices.Contains(dups, tp.String()) {
			dups = append(dups, tp.String())
		}
		out = append(out, tp)
	}
	if len(dups) > 0 {
		return nil, fmt.Errorf("Replica election data contains duplicate partitions: [%s]", strings.Join(dups, ", "))
	}
	return out, nil
}

// electLeaders asks for the elections and reports them as LeaderElectionCommand
// does: successes, partitions that needed none, then each failure, which
// fails the command.
func electLeaders(ctx context.Context, t *toolEnv, adm *adminClient, typ int8, partitions []topicPartition) error {
	name := [...]string{"PREFERRED", "UNCLEAN"}[typ]
	req := kmsg.NewPtrElectLeadersRequest()
	req.ElectionType, req.TimeoutMillis = typ, adm.timeoutMillis()
	if partitions != nil {
		req.Topics = []kmsg.ElectLeadersRequestTopic{}
		for _, tp := range partitions {
			i := slices.IndexFunc(req.Topics, func(rt kmsg.ElectLeadersRequestTopic) bool { return rt.Topic == tp.topic })
			if i < 0 {
				rt := kmsg.NewElectLeadersRequestTopic()
				rt.Topic = tp.topic
				req.Topics = append(req.Topics, rt)
				i = len(req.Topics) - 1
			}
			req.Topics[i].Partitions = append(req.Topics[i].Partitions, tp.partition)
		}
	}
	resp, err := req.RequestWith(ctx, adm.cl)
	if err == nil {
		err = codeErr(resp.ErrorCode, nil)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, kerr.RequestTimedOut) {
			fmt.Fprintln(t.stdout, "Timeout waiting for election results")
			return plainErr(t, "Timeout waiting for election results")
		}
		if errors.Is(err, kerr.ClusterAuthorizationFailed) {
			fmt.Fprintln(t.stdout, "Not authorized to perform leader election")
			return plainErr(t, "Not authorized to perform leader election")
		}
		return plainErr(t, exceptionString(err))
	}
	var succeeded, noop []topicPartition
	type failure struct {
		tp  topicPartition
		err error
	}
	var failed []failure
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			tp := topicPartition{rt.Topic, rp.Partition}
			switch err := codeErr(rp.ErrorCode, rp.ErrorMessage); {
			case err == nil:
				succeeded = append(succeeded, tp)
			case errors.Is(err, kerr.ElectionNotNeeded):
				noop = append(noop, tp)
			default:
				failed = append(failed, failure{tp, err})
			}
		}
	}
	slices.SortFunc(succeeded, compareTopicPartitions)
	slices.SortFunc(noop, compareTopicPartitions)
	slices.SortFunc(failed, func(a, b failure) int { return compareTopicPartitions(a.tp, b.tp) })
	if len(succeeded) > 0 {
		fmt.Fprintf(t.stdout, "Successfully completed leader election (%s) for partitions %s\n", name, joinTPs(succeeded))
	}
	if len(noop) > 0 {
		fmt.Fprintf(t.stdout, "Valid replica already elected for partitions %s\n", joinTPs(noop))
	}
	if len(failed) == 0 {
		return nil
	}
	for _, f := range failed {
		fmt.Fprintf(t.stdout, "Error completing leader election (%s) for partition: %s: %s\n", name, f.tp, exceptionString(f.err))
	}
	return plainErr(t, fmt.Sprintf("%d replica(s) could not be elected", len(failed)))
}

func joinTPs(tps []topicPartition) string {
	s := make([]string, len(tps))
	for i, tp := range tps {
		s[i] = tp.String()
	}
	return strings.Join(s, ", ")
}
