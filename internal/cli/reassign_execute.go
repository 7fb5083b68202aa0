package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/metadata"
)

// The throttle configs kafka-reassign-partitions.sh sets with --throttle
// and clears with --verify and --cancel. Spool accepts and stores them;
// it does not throttle replication yet.
var (
	brokerThrottles = []string{"leader.replication.throttled.rate", "follower.replication.throttled.rate",
		"replica.alter.log.dirs.io.max.bytes.per.second"}
	topicThrottles = []string{"leader.replication.throttled.replicas", "follower.replication.throttled.replicas"}
)

// execute is --execute.
func (r *reassignRun) execute(ctx context.Context) error {
	targets, err := readReassignmentJSON(r.o.reassignmentJSON)
	if err != nil {
		return err
	}
	if err := checkTargets(targets); err != nil {
		return err
	}
	cur, err := r.ongoing(ctx, nil)
	if err != nil {
		return err
	}
	if !r.o.additional && len(cur) > 0 {
		return &terseError{"Cannot execute because there is an existing partition assignment.  Use --additional to override this and " +
			"create a new partition assignment in addition to the existing one. The --additional flag can also be used to change " +
			"the throttle by resubmitting the current reassignment."}
	}
	if err := r.verifyBrokerIDs(ctx, targets); err != nil {
		return err
	}
	current, err := r.currentOf(ctx, targets)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.t.stdout, "Current partition replica assignment\n\n%s\n\nSave this to use as the --reassignment-json-file option during rollback\n",
		formatReassignmentJSON(current))
	if r.o.throttle >= 0 || r.o.logDirThrottle >= 0 {
		fmt.Fprintln(r.t.stdout, "Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.")
		if r.o.throttle >= 0 {
			if err := r.setThrottles(ctx, cur, targets, current); err != nil {
				return err
			}
		}
		if r.o.logDirThrottle >= 0 {
			// Only replicas moving between log dirs get this throttle, and
			// Spool moves none.
			fmt.Fprintf(r.t.stdout, "The replica-alter-dir throttle limit was set to %d B/s\n", r.o.logDirThrottle)
		}
	}
	failed, err := r.alter(ctx, targets)
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		var lines []string
		for _, tp := range sortedTPs(failed) {
			lines = append(lines, fmt.Sprintf("%s: %s", tp, errMessage(failed[tp])))
		}
		return &terseError{"Error reassigning partition(s):\n" + strings.Join(lines, "\n")}
	}
	tps := make([]string, 0, len(targets))
	for _, tp := range sortedTPs(current) {
		tps = append(tps, tp.String())
	}
	fmt.Fprintf(r.t.stdout, "Successfully started partition reassignment%s for %s\n", plural(len(tps)), strings.Join(tps, ","))
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// checkTargets is parseExecuteAssignmentArgs' validation.
func checkTargets(targets []partitionTarget) error {
	if len(targets) == 0 {
		return errors.New("Partition reassignment list cannot be empty")
	}
	var dupParts []string
	var dupReplicas []string
	seen := map[topicPartition]bool{}
	for _, t := range targets {
		if len(t.replicas) == 0 {
			return errors.New("Partition replica list cannot be empty")
		}
		if seen[t.tp] && !slices.Contains(dupParts, t.tp.String()) {
			dupParts = append(dupParts, t.tp.String())
		}
		seen[t.tp] = true
		var dups []string
		for i, id := range t.replicas {
			if slices.Contains(t.replicas[:i], id) && !slices.Contains(dups, strconv.Itoa(int(id))) {
				dups = append(dups, strconv.Itoa(int(id)))
			}
		}
		if len(dups) > 0 {
			dupReplicas = append(dupReplicas, fmt.Sprintf("%s contains multiple entries for %s", t.tp, strings.Join(dups, ",")))
		}
	}
	if len(dupParts) > 0 {
		return fmt.Errorf("Partition reassignment contains duplicate topic partitions: %s", strings.Join(dupParts, ","))
	}
	if len(dupReplicas) > 0 {
		return fmt.Errorf("Partition replica lists may not contain duplicate entries: %s", strings.Join(dupReplicas, ". "))
	}
	return nil
}

// verifyBrokerIDs fails on a target broker the cluster does not list.
func (r *reassignRun) verifyBrokerIDs(ctx context.Context, targets []partitionTarget) error {
	bs, err := r.brokers(ctx)
	if err != nil {
		return err
	}
	for _, t := range targets {
		for _, id := range t.replicas {
			if !slices.ContainsFunc(bs, func(b *metadata.Broker) bool { return b.ID == id }) {
				return fmt.Errorf("Unknown broker id %d", id)
			}
		}
	}
	return nil
}

// currentOf returns the current replicas of the targets' partitions.
func (r *reassignRun) currentOf(ctx context.Context, targets []partitionTarget) (map[topicPartition][]int32, error) {
	tps := make([]topicPartition, len(targets))
	for i, t := range targets {
		tps[i] = t.tp
	}
	all, err := r.currentReplicas(ctx, topicsOf(tps))
	if err != nil {
		return nil, err
	}
	out := map[topicPartition][]int32{}
	var missing []string
	for _, tp := range tps {
		if reps, ok := all[tp]; ok {
			out[tp] = reps
		} else {
			missing = append(missing, tp.String())
		}
	}
	if len(missing) > 0 {
		return nil, &brokerError{err: kerr.UnknownTopicOrPartition, msg: "Unable to find partition: " + strings.Join(missing, ", ")}
	}
	return out, nil
}

// alter sends the targets (nil replicas cancel) and returns the partitions
// that failed.
func (r *reassignRun) alter(ctx context.Context, targets []partitionTarget) (map[topicPartition]error, error) {
	req := kmsg.NewPtrAlterPartitionAssignmentsRequest()
	req.TimeoutMillis = r.adm.timeoutMillis()
	for _, t := range targets {
		i := slices.IndexFunc(req.Topics, func(rt kmsg.AlterPartitionAssignmentsRequestTopic) bool { return rt.Topic == t.tp.topic })
		if i < 0 {
			rt := kmsg.NewAlterPartitionAssignmentsRequestTopic()
			rt.Topic = t.tp.topic
			req.Topics = append(req.Topics, rt)
			i = len(req.Topics) - 1
		}
		rp := kmsg.NewAlterPartitionAssignmentsRequestTopicPartition()
		rp.Partition, rp.Replicas = t.tp.partition, t.replicas
		req.Topics[i].Partitions = append(req.Topics[i].Partitions, rp)
	}
	resp, err := r.request(ctx, req)
	if err != nil {
		return nil, err
	}
	ar := resp.(*kmsg.AlterPartitionAssignmentsResponse)
	failed := map[topicPartition]error{}
	if err := codeErr(ar.ErrorCode, ar.ErrorMessage); err != nil {
		for _, t := range targets {
			failed[t.tp] = err
		}
		return failed, nil
	}
	for _, rt := range ar.Topics {
		for _, rp := range rt.Partitions {
			if err := codeErr(rp.ErrorCode, rp.ErrorMessage); err != nil {
				failed[topicPartition{rt.Topic, rp.Partition}] = err
			}
		}
	}
	return failed, nil
}

// setThrottles is modifyReassignmentThrottle: every moving partition's
// sources become leader-throttled replicas and its new replicas
// follower-throttled ones, and every broker involved gets the rate.
func (r *reassignRun) setThrottles(ctx context.Context, cur map[topicPartition]kmsg.ListPartitionReassignmentsResponseTopicPartition,
	targets []partitionTarget, current map[topicPartition][]int32) error {
	type move struct{ sources, dests []int32 }
	moves := map[topicPartition]move{}
	for tp, p := range cur {
		moves[tp] = move{sources: withoutIDs(p.Replicas, p.AddingReplicas), dests: p.AddingReplicas}
	}
	for _, t := range targets {
		sources := current[t.tp]
		if m, ok := moves[t.tp]; ok {
			sources = m.sources
		}
		moves[t.tp] = move{sources: sources, dests: withoutIDs(t.replicas, sources)}
	}
	leader, follower := map[string][]string{}, map[string][]string{}
	var brokers []int32
	for _, tp := range sortedTPs(moves) {
		m := moves[tp]
		for _, s := range m.sources {
			leader[tp.topic] = appendUnique(leader[tp.topic], fmt.Sprintf("%d:%d", tp.partition, s))
			brokers = appendUniqueID(brokers, s)
		}
		for _, d := range m.dests {
			follower[tp.topic] = appendUnique(follower[tp.topic], fmt.Sprintf("%d:%d", tp.partition, d))
			brokers = appendUniqueID(brokers, d)
		}
		if _, ok := follower[tp.topic]; !ok {
			follower[tp.topic] = nil
		}
	}
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	for _, topic := range topicKeys(leader, follower) {
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, topic
		res.Configs = append(res.Configs, setConfig("leader.replication.throttled.replicas", sortedJoin(leader[topic])),
			setConfig("follower.replication.throttled.replicas", sortedJoin(follower[topic])))
		req.Resources = append(req.Resources, res)
	}
	if err := r.alterConfigs(ctx, req); err != nil {
		return err
	}
	slices.Sort(brokers)
	req = kmsg.NewPtrIncrementalAlterConfigsRequest()
	rate := strconv.FormatInt(r.o.throttle, 10)
	for _, b := range brokers {
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeBroker, strconv.Itoa(int(b))
		res.Configs = append(res.Configs, setConfig("leader.replication.throttled.rate", rate),
			setConfig("follower.replication.throttled.rate", rate))
		req.Resources = append(req.Resources, res)
	}
	if err := r.alterConfigs(ctx, req); err != nil {
		return err
	}
	fmt.Fprintf(r.t.stdout, "The inter-broker throttle limit was set to %d B/s\n", r.o.throttle)
	return nil
}

func setConfig(name, value string) kmsg.IncrementalAlterConfigsRequestResourceConfig {
	c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	c.Name, c.Op, c.Value = name, kmsg.IncrementalAlterConfigOpSet, &value
	return c
}

func deleteConfig(name string) kmsg.IncrementalAlterConfigsRequestResourceConfig {
	c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	c.Name, c.Op = name, kmsg.IncrementalAlterConfigOpDelete
	return c
}

// alterConfigs sends an IncrementalAlterConfigs request and fails on the
// first resource that failed.
func (r *reassignRun) alterConfigs(ctx context.Context, req *kmsg.IncrementalAlterConfigsRequest) error {
	if len(req.Resources) == 0 {
		return nil
	}
	resp, err := r.request(ctx, req)
	if err != nil {
		return err
	}
	for _, res := range resp.(*kmsg.IncrementalAlterConfigsResponse).Resources {
		if err := codeErr(res.ErrorCode, res.ErrorMessage); err != nil {
			return err
		}
	}
	return nil
}

// clearThrottles is clearAllThrottles: the throttle configs of every live
// broker and target broker, and of the targets' topics, are deleted.
func (r *reassignRun) clearThrottles(ctx context.Context, targets []partitionTarget) error {
	bs, err := r.brokers(ctx)
	if err != nil {
		return err
	}
	var brokers []int32
	for _, b := range bs {
		brokers = appendUniqueID(brokers, b.ID)
	}
	var topics []string
	for _, t := range targets {
		for _, id := range t.replicas {
			brokers = appendUniqueID(brokers, id)
		}
		topics = appendUnique(topics, t.tp.topic)
	}
	slices.Sort(brokers)
	slices.Sort(topics)
	fmt.Fprintf(r.t.stdout, "Clearing broker-level throttles on broker%s %s\n", plural(len(brokers)), joinIDs(brokers))
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	for _, b := range brokers {
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeBroker, strconv.Itoa(int(b))
		for _, name := range brokerThrottles {
			res.Configs = append(res.Configs, deleteConfig(name))
		}
		req.Resources = append(req.Resources, res)
	}
	if err := r.alterConfigs(ctx, req); err != nil {
		return err
	}
	fmt.Fprintf(r.t.stdout, "Clearing topic-level throttles on topic%s %s\n", plural(len(topics)), strings.Join(topics, ","))
	req = kmsg.NewPtrIncrementalAlterConfigsRequest()
	for _, topic := range topics {
		res := kmsg.NewIncrementalAlterConfigsRequestResource()
		res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, topic
		for _, name := range topicThrottles {
			res.Configs = append(res.Configs, deleteConfig(name))
		}
		req.Resources = append(req.Resources, res)
	}
	return r.alterConfigs(ctx, req)
}

// verify is --verify.
func (r *reassignRun) verify(ctx context.Context) error {
	targets, err := readReassignmentJSON(r.o.reassignmentJSON)
	if err != nil {
		return err
	}
	cur, err := r.ongoing(ctx, nil)
	if err != nil {
		return err
	}
	var lookUp []topicPartition
	for _, t := range targets {
		if _, ok := cur[t.tp]; !ok {
			lookUp = append(lookUp, t.tp)
		}
	}
	replicas := map[topicPartition][]int32{}
	for _, topic := range topicsOf(lookUp) {
		reps, err := r.currentReplicas(ctx, []string{topic})
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			continue // a missing topic has no replicas
		}
		if err != nil {
			return err
		}
		for tp, rs := range reps {
			replicas[tp] = rs
		}
	}
	fmt.Fprintln(r.t.stdout, "Status of partition reassignment:")
	sorted := slices.Clone(targets)
	slices.SortFunc(sorted, func(a, b partitionTarget) int { return compareTopicPartitions(a.tp, b.tp) })
	for _, t := range sorted {
		switch reps, found := replicas[t.tp]; {
		case inProgress(cur, t.tp):
			fmt.Fprintf(r.t.stdout, "Reassignment of partition %s is still in progress.\n", t.tp)
		case found && slices.Equal(reps, t.replicas):
			fmt.Fprintf(r.t.stdout, "Reassignment of partition %s is completed.\n", t.tp)
		default:
			fmt.Fprintf(r.t.stdout, "There is no active reassignment of partition %s, but replica set is %s rather than %s.\n",
				t.tp, joinIDs(reps), joinIDs(t.replicas))
		}
	}
	fmt.Fprintln(r.t.stdout) // no replica moves between log dirs to report
	if len(cur) == 0 && !r.o.preserve {
		return r.clearThrottles(ctx, targets)
	}
	return nil
}

func inProgress(cur map[topicPartition]kmsg.ListPartitionReassignmentsResponseTopicPartition, tp topicPartition) bool {
	_, ok := cur[tp]
	return ok
}

// cancel is --cancel.
func (r *reassignRun) cancel(ctx context.Context) error {
	targets, err := readReassignmentJSON(r.o.reassignmentJSON)
	if err != nil {
		return err
	}
	tps := make([]topicPartition, len(targets))
	for i, t := range targets {
		tps[i] = t.tp
	}
	cur, err := r.ongoing(ctx, tps)
	if err != nil {
		return err
	}
	var cancels []partitionTarget
	for _, tp := range sortedTPs(cur) {
		// Kafka's condition, kept as it is.
		if p := cur[tp]; len(p.AddingReplicas) == 0 || len(p.RemovingReplicas) > 0 {
			cancels = append(cancels, partitionTarget{tp: tp})
		}
	}
	if len(cancels) > 0 {
		failed, err := r.alter(ctx, cancels)
		if err != nil {
			return err
		}
		if len(failed) > 0 {
			var lines []string
			for _, tp := range sortedTPs(failed) {
				lines = append(lines, fmt.Sprintf("%s: %s", tp, errMessage(failed[tp])))
			}
			return &terseError{fmt.Sprintf("Error cancelling partition reassignment%s for:\n%s", plural(len(failed)), strings.Join(lines, "\n"))}
		}
		names := make([]string, len(cancels))
		for i, c := range cancels {
			names[i] = c.tp.String()
		}
		fmt.Fprintf(r.t.stdout, "Successfully cancelled partition reassignment%s for: %s\n", plural(len(cancels)), strings.Join(names, ","))
	} else {
		fmt.Fprintln(r.t.stdout, "None of the specified partition reassignments are active.")
	}
	fmt.Fprint(r.t.stdout, "None of the specified partition moves are active.") // no newline, as Kafka prints it
	if !r.o.preserve {
		return r.clearThrottles(ctx, targets)
	}
	return nil
}

func withoutIDs(s, xs []int32) []int32 {
	var out []int32
	for _, v := range s {
		if !slices.Contains(xs, v) {
			out = append(out, v)
		}
	}
	return out
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func appendUniqueID(s []int32, v int32) []int32 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func sortedJoin(s []string) string {
	s = slices.Clone(s)
	slices.Sort(s)
	return strings.Join(s, ",")
}

func topicKeys(ms ...map[string][]string) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			out = appendUnique(out, k)
		}
	}
	slices.Sort(out)
	return out
}
