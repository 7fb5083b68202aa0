package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// deleteGroups is --delete: every group of --group or --all-groups, then
// which were deleted and why the others were not.
func (r *groupsRun) deleteGroups(ctx context.Context) error {
	names := r.o.groups
	if r.o.allGroups {
		var err error
		if names, err = r.listGroupNames(ctx); err != nil {
			return err
		}
	}
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	callCtx, cancel := r.call(ctx)
	defer cancel()
	resp, err := r.adm.adm.DeleteGroups(callCtx, names...)
	var deleted, failedNames []string
	reasons := map[string]error{}
	for _, name := range names {
		g, ok := resp[name]
		switch {
		case !ok && err != nil:
			reasons[name] = err
		case !ok:
			reasons[name] = kerr.GroupIDNotFound
		case g.Err != nil:
			reasons[name] = brokerErr(g.Err, g.ErrMessage)
		default:
			deleted = append(deleted, name)
			continue
		}
		failedNames = append(failedNames, name)
	}
	if len(failedNames) == 0 {
		fmt.Fprintf(r.t.stdout, "Deletion of requested consumer groups (%s) was successful.\n", quoteList(deleted))
		return nil
	}
	printError(r.t, "Deletion of some consumer groups failed:")
	for _, name := range failedNames {
		fmt.Fprintf(r.t.stdout, "* Group '%s' could not be deleted due to: %s\n", name, groupExceptionString(reasons[name]))
	}
	if len(deleted) > 0 {
		fmt.Fprintf(r.t.stdout, "\nThese consumer groups were deleted successfully: %s\n", quoteList(deleted))
	}
	return nil
}

func quoteList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return strings.Join(quoted, ", ")
}

// brokerErr is a kerr error with the message the broker sent with it.
func brokerErr(err error, msg string) error {
	var code *kerr.Error
	if errors.As(err, &code) {
		return codeErr(code.Code, nilIfEmpty(msg))
	}
	return err
}

// javaSplit is Java's String.split for a literal separator: trailing
// empty strings are dropped.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// parseTopicPartitions reads "topic:0,1,2".
func parseTopicPartitions(arg string) ([]topicPartition, error) {
	parts := javaSplit(arg, ":")
	if len(parts) != 2 {
		return nil, usagef("Invalid topic arg '%s', expected topic name and partitions", arg)
	}
	var out []topicPartition
	for _, p := range javaSplit(parts[1], ",") {
		n, err := strconv.ParseInt(p, 10, 32)
		if err != nil {
			return nil, usagef("Invalid partition '%s' specified in topic arg '%s''", p, arg)
		}
		out = append(out, topicPartition{parts[0], int32(n)})
	}
	return out, nil
}

// deleteOffsets is --delete-offsets: the committed offsets of the topics
// (or topic:partitions) of the first --group.
func (r *groupsRun) deleteOffsets(ctx context.Context) error {
	group := r.o.groups[0]
	results := map[topicPartition]error{}
	partitions, err := r.offsetsToDelete(ctx, results)
	if err != nil {
		return err
	}
	set := kadm.TopicsSet{}
	for _, tp := range partitions {
		set.Add(tp.topic, tp.partition)
	}
	callCtx, cancel := r.call(ctx)
	defer cancel()
	resp, topErr := r.adm.adm.DeleteOffsets(callCtx, group, set)
	for coordinatorRetriable(topErr) && sleepCtx(callCtx, 100*time.Millisecond) {
		resp, topErr = r.adm.adm.DeleteOffsets(callCtx, group, set)
	}
	for _, tp := range partitions {
		switch {
		case topErr != nil:
			results[tp] = topErr
		default:
			results[tp] = resp[tp.topic][tp.partition]
		}
	}
	if topErr == nil {
		for _, tp := range slices.SortedFunc(slices.Values(partitions), compareTopicPartitions) {
			if topErr = results[tp]; topErr != nil {
				break
			}
		}
	}
	r.printDeleteOffsetsOutcome(group, topErr)
	printDeleteOffsetsTable(r.t, results)
	return nil
}

// offsetsToDelete resolves --topic into partitions; a topic that cannot be
// described gets a result of its own, under partition -1.
func (r *groupsRun) offsetsToDelete(ctx context.Context, results map[topicPartition]error) ([]topicPartition, error) {
	var partitions []topicPartition
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
		partitions = append(partitions, tps...)
	}
	if len(whole) > 0 {
		details, err := r.topicMetadata(ctx, whole)
		if err != nil {
			return nil, failed(err)
		}
		for _, topic := range whole {
			td, ok := details[topic]
			if !ok || td.Err != nil {
				results[topicPartition{topic, -1}] = cmpErr(td.Err, kerr.UnknownTopicOrPartition)
				continue
			}
			for p := range td.Partitions {
				partitions = append(partitions, topicPartition{topic, p})
			}
		}
	}
	slices.SortFunc(partitions, compareTopicPartitions)
	return slices.Compact(partitions), nil
}

// coordinatorRetriable reports the errors on which Kafka's admin client
// retries an OffsetDelete at the same coordinator, which franz-go retries
// for most group requests but not for this one. (NOT_COORDINATOR is not
// retried: franz-go would send the retry to the coordinator it cached.)
func coordinatorRetriable(err error) bool {
	return errors.Is(err, kerr.CoordinatorLoadInProgress) || errors.Is(err, kerr.CoordinatorNotAvailable)
}

// sleepCtx waits d, or less if ctx ends first, and reports whether ctx
// is still live.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func cmpErr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}

// printDeleteOffsetsOutcome says what happened to the request as a whole.
func (r *groupsRun) printDeleteOffsetsOutcome(group string, err error) {
	var code *kerr.Error
	if err == nil {
		fmt.Fprintf(r.t.stdout, "Request succeeded for deleting offsets from group %s.\n", group)
		return
	}
	if !errors.As(err, &code) {
		name := "UNKNOWN_SERVER_ERROR"
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			name = "REQUEST_TIMED_OUT"
		case unsupported(err):
			name = "UNSUPPORTED_VERSION"
		}
		printError(r.t, "Encountered some unknown error: "+name)
		return
	}
	switch code {
	case kerr.InvalidGroupID:
		printError(r.t, "The configured groupId is invalid.")
	case kerr.GroupAuthorizationFailed:
		printError(r.t, "Group authorization failed.")
	case kerr.GroupIDNotFound, kerr.NonEmptyGroup:
		printError(r.t, code.Description)
	case kerr.GroupSubscribedToTopic, kerr.TopicAuthorizationFailed, kerr.UnknownTopicOrPartition:
		printError(r.t, "Encountered some partition-level error, see the follow-up details.")
	default:
		printError(r.t, "Encountered some unknown error: "+code.Message)
	}
}

// printDeleteOffsetsTable lists every partition's outcome, ordered as
// Kafka orders them: by the topic name and partition number written
// together ("t10" before "t2").
func printDeleteOffsetsTable(t *toolEnv, results map[topicPartition]error) {
	tps := make([]topicPartition, 0, len(results))
	width := 15
	for tp := range results {
		tps = append(tps, tp)
		width = max(width, len(tp.topic))
	}
	key := func(tp topicPartition) string { return tp.topic + strconv.Itoa(int(tp.partition)) }
	slices.SortFunc(tps, func(a, b topicPartition) int { return strings.Compare(key(a), key(b)) })
	lines := [][]any{{"TOPIC", "PARTITION", "STATUS"}}
	for _, tp := range tps {
		partition, status := "-", "Successful"
		if tp.partition >= 0 {
			partition = strconv.Itoa(int(tp.partition))
		}
		if err := results[tp]; err != nil {
			status = "Error: " + groupExceptionString(err)
		}
		lines = append(lines, []any{tp.topic, partition, status})
	}
	table(t, fmt.Sprintf("%%-%ds %%-10s %%-15s", width), lines)
}
