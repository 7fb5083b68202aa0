package cli

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// resetPlan is the new offset of each partition, per group.
type resetPlan map[string]map[topicPartition]int64

// resetOffsets is --reset-offsets: plan new offsets for each inactive
// group, commit them with --execute, and print or --export the plan.
func (r *groupsRun) resetOffsets(ctx context.Context) error {
	names := r.o.groups
	if r.o.allGroups {
		var err error
		if names, err = r.listGroupNames(ctx); err != nil {
			return err
		}
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	described := r.describeGroups(ctx, names)
	plan := resetPlan{}
	for _, name := range names {
		d := described[name]
		switch {
		case d.err != nil && !errors.Is(d.err, kerr.GroupIDNotFound):
			s := groupExceptionString(d.err)
			return &groupsFailure{msg: "java.util.concurrent.ExecutionException: " + s,
				trace: "java.lang.RuntimeException: java.util.concurrent.ExecutionException: " + s}
		case d.err == nil && d.desc.state != "Empty" && d.desc.state != "Dead":
			printError(r.t, fmt.Sprintf("Assignments can only be reset if the group '%s' is inactive, but the current state is %s.", name, d.desc.state))
			plan[name] = map[topicPartition]int64{}
			continue
		}
		// An empty or dead group, or one that does not exist yet.
		offsets, err := r.resetGroup(ctx, name)
		if err != nil {
			return err
		}
		plan[name] = offsets
	}
	if r.o.export {
		fmt.Fprintln(r.t.stdout, exportPlan(plan, len(r.o.groups) == 1))
		return nil
	}
	printResetPlan(r.t, plan)
	return nil
}

// resetGroup plans one group's new offsets and, with --execute, commits
// them.
func (r *groupsRun) resetGroup(ctx context.Context, group string) (map[topicPartition]int64, error) {
	tps, err := r.partitionsToReset(ctx, group)
	if err != nil {
		return nil, err
	}
	offsets, err := r.prepareReset(ctx, group, tps)
	if err != nil || !r.o.execute {
		return offsets, err
	}
	commit := kadm.Offsets{}
	for tp, o := range offsets {
		commit.Add(kadm.Offset{Topic: tp.topic, Partition: tp.partition, At: o, LeaderEpoch: -1})
	}
	callCtx, cancel := r.call(ctx)
	defer cancel()
	resp, err := r.adm.adm.CommitOffsets(callCtx, group, commit)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return nil, thrown(err)
	}
	return offsets, nil
}

// thrown is a client error Kafka's tool rethrows as the cause itself, so
// that its message is the error's alone.
func thrown(err error) error {
	return &groupsFailure{msg: errMessage(err), trace: groupExceptionString(err)}
}

// partitionsToReset is the scope: --all-topics (what the group has
// committed), --topic (topics or topic:partitions), or nothing with
// --from-file.
func (r *groupsRun) partitionsToReset(ctx context.Context, group string) ([]topicPartition, error) {
	switch {
	case r.o.allTopics:
		committed, err := r.committedOffsets(ctx, group)
		if err != nil {
			return nil, runtimeFailure(err)
		}
		return slices.SortedFunc(maps.Keys(committed), compareTopicPartitions), nil
	case len(r.o.topics) > 0:
		return r.topicsToReset(ctx)
	case r.t.changed("from-file"):
		return nil, nil
	}
	return nil, usagef("One of the reset scopes should be defined: --all-topics, --topic.")
}

func (r *groupsRun) topicsToReset(ctx context.Context) ([]topicPartition, error) {
	var out, described []topicPartition
	var whole []string
	for _, arg := range r.o.topics {
		if !strings.Contains(arg, ":") {
			whole = append(whole, arg)
			continue
		}
		tps, err := parseTopicPartitions(arg)
		if err != nil {
			return nil, err
		}
		out = append(out, tps...)
	}
	if len(whole) > 0 {
		details, err := r.topicMetadata(ctx, whole)
		if err != nil {
			return nil, thrown(err)
		}
		for _, topic := range whole {
			td := details[topic]
			if td.Err != nil {
				return nil, thrown(td.Err)
			}
			for p := range td.Partitions {
				described = append(described, topicPartition{topic, p})
			}
		}
	}
	slices.SortFunc(described, compareTopicPartitions)
	out = append(out, described...)
	var unique []topicPartition
	for _, tp := range out {
		if !slices.Contains(unique, tp) {
			unique = append(unique, tp)
		}
	}
	return unique, nil
}

// runtimeFailure is a client error Kafka's tool wraps in a
// RuntimeException around the ExecutionException.
func runtimeFailure(err error) error {
	s := "java.util.concurrent.ExecutionException: " + groupExceptionString(err)
	return &groupsFailure{msg: s, trace: "java.lang.RuntimeException: " + s}
}

// prepareReset computes the new offsets of the reset scenario.
func (r *groupsRun) prepareReset(ctx context.Context, group string, tps []topicPartition) (map[topicPartition]int64, error) {
	if err := r.checkPartitionsValid(ctx, tps); err != nil {
		return nil, err
	}
	switch {
	case r.t.changed("to-offset"):
		want := map[topicPartition]int64{}
		for _, tp := range tps {
			want[tp] = r.o.toOffset
		}
		return r.clampToLog(ctx, want)
	case r.o.toEarliest:
		return r.logOffsetsOrUsage(ctx, tps, -2, "Error getting starting offset of topic partition: ")
	case r.o.toLatest:
		return r.logOffsetsOrUsage(ctx, tps, -1, "Error getting ending offset of topic partition: ")
	case r.t.changed("shift-by"):
		return r.shiftBy(ctx, group, tps)
	case r.t.changed("to-datetime"):
		ts, err := parseKafkaDateTime(r.o.toDatetime)
		if err != nil {
			msg := "java.text.ParseException: " + err.Error()
			return nil, &groupsFailure{msg: msg, trace: "java.lang.RuntimeException: " + msg}
		}
		return r.offsetsAtTime(ctx, tps, ts)
	case r.t.changed("by-duration"):
		ms, err := parseISODuration(r.o.byDuration)
		if err != nil {
			return nil, &groupsFailure{msg: err.Error(), trace: "java.time.format.DateTimeParseException: " + err.Error()}
		}
		return r.offsetsAtTime(ctx, tps, time.Now().UnixMilli()-ms)
	case r.t.changed("from-file"):
		return r.fromFile(ctx, group)
	case r.o.toCurrent:
		return r.toCurrent(ctx, group, tps)
	}
	return nil, usagef("Option '[reset-offsets]' requires one of the following scenarios: [%s]", specs(resetScenarios))
}

// logOffsetsOrUsage is each partition's log start (-2) or end (-1) offset.
func (r *groupsRun) logOffsetsOrUsage(ctx context.Context, tps []topicPartition, which int64, missing string) (map[topicPartition]int64, error) {
	offsets, err := r.listPartitionOffsets(ctx, tps, which)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	for _, tp := range tps {
		if _, ok := offsets[tp]; !ok {
			return nil, usagef("%s%s", missing, tp)
		}
	}
	return offsets, nil
}

func (r *groupsRun) shiftBy(ctx context.Context, group string, tps []topicPartition) (map[topicPartition]int64, error) {
	committed, err := r.committedOffsets(ctx, group)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	want := map[topicPartition]int64{}
	for _, tp := range tps {
		c, ok := committed[tp]
		if !ok {
			return nil, usagef("Cannot shift offset for partition %s since there is no current committed offset", tp)
		}
		want[tp] = c.At + r.o.shiftBy
	}
	return r.clampToLog(ctx, want)
}

// offsetsAtTime is each partition's first offset at or after timestamp,
// or its log end when no record is that recent.
func (r *groupsRun) offsetsAtTime(ctx context.Context, tps []topicPartition, timestamp int64) (map[topicPartition]int64, error) {
	found, err := r.listPartitionOffsets(ctx, tps, timestamp)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	var empty []topicPartition
	for _, tp := range tps {
		if o, ok := found[tp]; ok && o == -1 {
			empty = append(empty, tp)
			delete(found, tp)
		}
	}
	slices.SortFunc(empty, compareTopicPartitions)
	for _, tp := range empty {
		fmt.Fprintf(r.t.stdout, "\nWarn: Partition %d from topic %s is empty. Falling back to latest known offset.\n", tp.partition, tp.topic)
	}
	ends, err := r.listPartitionOffsets(ctx, empty, -1)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	for tp, o := range ends {
		found[tp] = o
	}
	for _, tp := range tps {
		if _, ok := found[tp]; !ok {
			return nil, usagef("Error getting offset by timestamp of topic partition: %s", tp)
		}
	}
	return found, nil
}

// toCurrent keeps committed offsets; partitions without one get their log
// end.
func (r *groupsRun) toCurrent(ctx context.Context, group string, tps []topicPartition) (map[topicPartition]int64, error) {
	committed, err := r.committedOffsets(ctx, group)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	out := map[topicPartition]int64{}
	var uncommitted []topicPartition
	for _, tp := range tps {
		if c, ok := committed[tp]; ok {
			out[tp] = c.At
		} else {
			uncommitted = append(uncommitted, tp)
		}
	}
	ends, err := r.listPartitionOffsets(ctx, uncommitted, -1)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	for _, tp := range uncommitted {
		end, ok := ends[tp]
		if !ok {
			msg := "Error getting ending offset of topic partition: " + tp.String()
			return nil, &groupsFailure{msg: msg, trace: "java.lang.IllegalStateException: " + msg}
		}
		out[tp] = end
	}
	return out, nil
}

// clampToLog is Kafka's checkOffsetsRange: an offset past the log end
// becomes the log end, one before the log start the log start, each with a
// warning.
func (r *groupsRun) clampToLog(ctx context.Context, want map[topicPartition]int64) (map[topicPartition]int64, error) {
	tps := slices.SortedFunc(maps.Keys(want), compareTopicPartitions)
	starts, err := r.listPartitionOffsets(ctx, tps, -2)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	ends, err := r.listPartitionOffsets(ctx, tps, -1)
	if err != nil {
		return nil, runtimeFailure(err)
	}
	out := make(map[topicPartition]int64, len(want))
	for _, tp := range tps {
		o := want[tp]
		end, hasEnd := ends[tp]
		start, hasStart := starts[tp]
		switch {
		case hasEnd && o > end:
			r.warn(fmt.Sprintf("New offset (%d) is higher than latest offset for topic partition %s. Value will be set to %d.", o, tp, end))
			o = end
		case hasStart && o < start:
			r.warn(fmt.Sprintf("New offset (%d) is lower than earliest offset for topic partition %s. Value will be set to %d.", o, tp, start))
			o = start
		}
		out[tp] = o
	}
	return out, nil
}

// warn logs as Kafka's tools log a warning, on stderr.
func (r *groupsRun) warn(msg string) {
	fmt.Fprintf(r.t.stderr, "[%s] WARN %s (org.apache.kafka.tools.GroupOffsetsResetter)\n", time.Now().Format("2006-01-02 15:04:05,000"), msg)
}

// printResetPlan prints the plan as Kafka's printOffsetsToReset does.
func printResetPlan(t *toolEnv, plan resetPlan) {
	if len(plan) == 0 {
		fmt.Fprintln(t.stdout)
		return
	}
	gw, tw := 15, 15
	for group, offsets := range plan {
		gw = max(gw, len(group))
		for tp := range offsets {
			tw = max(tw, len(tp.topic))
		}
	}
	lines := [][]any{{"GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"}}
	for _, group := range sortedKeys(plan) {
		for _, tp := range slices.SortedFunc(maps.Keys(plan[group]), compareTopicPartitions) {
			lines = append(lines, []any{group, tp.topic, fmt.Sprint(tp.partition), fmt.Sprint(plan[group][tp])})
		}
	}
	table(t, fmt.Sprintf("%%-%ds %%-%ds %%-10s %%s", gw, tw), lines)
}
