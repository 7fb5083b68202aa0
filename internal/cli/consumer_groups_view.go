package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
)

// offsetRow is one line of the offsets view, every column as printed.
type offsetRow struct {
	topic, partition, epoch, offset, end, lag string
	consumer, host, client                    string
}

// offsetRows builds the offsets view of a group: the partitions of each
// member with an assignment (largest assignment first), then the
// partitions the group has committed offsets for but nobody consumes.
func (r *groupsRun) offsetRows(ctx context.Context, g *groupDescription) ([]offsetRow, error) {
	committed, err := r.committedOffsets(ctx, g.name)
	if err != nil {
		return nil, err
	}
	members, unassigned := splitByMember(g, committed)
	all := slices.Clone(unassigned)
	for _, m := range members {
		all = append(all, m.assigned...)
	}
	ends, err := r.logEndOffsets(ctx, all)
	if err != nil {
		return nil, err
	}
	var rows []offsetRow
	for _, m := range members {
		for _, tp := range m.assigned {
			rows = append(rows, newOffsetRow(tp, committed, ends, m.id, m.host, m.clientID))
		}
	}
	for _, tp := range unassigned {
		rows = append(rows, newOffsetRow(tp, committed, ends, "-", "-", "-"))
	}
	return rows, nil
}

// splitByMember returns the members with an assignment, largest first,
// each assignment sorted, and the committed partitions nobody is assigned.
func splitByMember(g *groupDescription, committed map[topicPartition]kadm.Offset) ([]groupMember, []topicPartition) {
	var members []groupMember
	assigned := map[topicPartition]bool{}
	for _, m := range g.members {
		if len(m.assigned) == 0 {
			continue
		}
		m.assigned = slices.SortedFunc(slices.Values(m.assigned), compareTopicPartitions)
		for _, tp := range m.assigned {
			assigned[tp] = true
		}
		members = append(members, m)
	}
	slices.SortStableFunc(members, func(a, b groupMember) int { return len(b.assigned) - len(a.assigned) })
	var unassigned []topicPartition
	for tp := range committed {
		if !assigned[tp] {
			unassigned = append(unassigned, tp)
		}
	}
	slices.SortFunc(unassigned, compareTopicPartitions)
	return members, unassigned
}

func newOffsetRow(tp topicPartition, committed map[topicPartition]kadm.Offset, ends map[topicPartition]int64, consumer, host, client string) offsetRow {
	o := offsetRow{topic: tp.topic, partition: strconv.Itoa(int(tp.partition)), epoch: "-", offset: "-", end: "-", lag: "-",
		consumer: consumer, host: host, client: client}
	c, hasOffset := committed[tp]
	end, hasEnd := ends[tp]
	if hasOffset {
		o.offset = strconv.FormatInt(c.At, 10)
		o.epoch = epochString(c.LeaderEpoch)
	}
	if hasEnd {
		o.end = strconv.FormatInt(end, 10)
	}
	if hasOffset && hasEnd {
		o.lag = strconv.FormatInt(end-c.At, 10)
	}
	return o
}

// logEndOffsets are the log end offsets of the partitions that have a
// leader; the others are unknown.
func (r *groupsRun) logEndOffsets(ctx context.Context, tps []topicPartition) (map[topicPartition]int64, error) {
	if len(tps) == 0 {
		return nil, nil
	}
	leaderless, err := r.partitionsWithoutLeader(ctx, tps)
	if err != nil {
		return nil, err
	}
	led := slices.DeleteFunc(slices.Clone(tps), func(tp topicPartition) bool { return leaderless[tp] })
	return r.listPartitionOffsets(ctx, led, -1)
}

// printOffsets is the default --describe view.
func (r *groupsRun) printOffsets(g *groupDescription, rows []offsetRow) error {
	if ok, err := r.shouldPrint(g, len(rows)); !ok {
		return err
	}
	gw, tw, cw, hw := max(15, len(g.name)), 15, 15, 15
	for _, row := range rows {
		tw, cw, hw = max(tw, len(row.topic)), max(cw, len(row.consumer)), max(hw, len(row.host))
	}
	head := []any{"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"}
	format := fmt.Sprintf("%%-%ds %%-%ds %%-10s %%-15s %%-15s %%-15s %%-%ds %%-%ds %%s", gw, tw, cw, hw)
	if r.o.verbose {
		head = slices.Insert(head, 3, any("LEADER-EPOCH"))
		format = fmt.Sprintf("%%-%ds %%-%ds %%-10s %%-15s %%-15s %%-15s %%-15s %%-%ds %%-%ds %%s", gw, tw, cw, hw)
	}
	lines := [][]any{head}
	for _, o := range rows {
		line := []any{g.name, o.topic, o.partition, o.offset, o.end, o.lag, o.consumer, o.host, o.client}
		if r.o.verbose {
			line = slices.Insert(line, 3, any(o.epoch))
		}
		lines = append(lines, line)
	}
	table(r.t, format, lines)
	return nil
}

// printMembers is --describe --members [--verbose]. Kafka prints the
// header even when the group has no members to list.
func (r *groupsRun) printMembers(g *groupDescription) error {
	ok, err := r.shouldPrint(g, len(g.members))
	if err != nil {
		return err
	}
	gw, mw, iw, hw, cw, aw, tw := 15, 15, 17, 15, 15, 20, 20
	withInstance, classic, consumer := false, false, false
	if ok {
		gw = max(gw, len(g.name))
		for _, m := range g.members {
			mw, iw, hw, cw = max(mw, len(m.id)), max(iw, len(m.instanceID)), max(hw, len(m.host)), max(cw, len(m.clientID))
			aw, tw = max(aw, len(assignmentString(m.assigned))), max(tw, len(assignmentString(m.target)))
			withInstance = withInstance || m.instanceID != ""
			classic, consumer = classic || m.memberType == 0, consumer || m.memberType == 1
		}
	}
	base := fmt.Sprintf("%%-%ds %%-%ds %%-%ds %%-%ds %%-15s ", gw, mw, hw, cw)
	head := []any{"GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"}
	if withInstance {
		base = fmt.Sprintf("%%-%ds %%-%ds %%-%ds %%-%ds %%-%ds %%-15s ", gw, mw, iw, hw, cw)
		head = slices.Insert(head, 2, any("GROUP-INSTANCE-ID"))
	}
	format := base
	migrating := classic && consumer
	if r.o.verbose {
		format += fmt.Sprintf("%%-15s %%-%ds %%-15s %%-%ds", aw, tw)
		head = append(head, "CURRENT-EPOCH", "CURRENT-ASSIGNMENT", "TARGET-EPOCH", "TARGET-ASSIGNMENT")
		if migrating {
			format += " %s"
			head = append(head, "UPGRADED")
		}
	}
	lines := [][]any{head}
	for _, m := range g.members {
		line := []any{g.name, m.id, m.host, m.clientID, strconv.Itoa(len(m.assigned))}
		if withInstance {
			line = slices.Insert(line, 2, any(m.instanceID))
		}
		if r.o.verbose {
			line = append(line, epochString(m.epoch), assignmentString(m.assigned), epochString(g.targetEpoch), assignmentString(m.target))
			if migrating {
				line = append(line, upgradedString(m.memberType))
			}
		}
		lines = append(lines, line)
	}
	table(r.t, format, lines)
	return nil
}

func upgradedString(memberType int8) string {
	switch memberType {
	case 0:
		return "false"
	case 1:
		return "true"
	}
	return "-"
}

// printState is --describe --state [--verbose].
func (r *groupsRun) printState(g *groupDescription) error {
	if ok, err := r.shouldPrint(g, 1); !ok {
		return err
	}
	c := g.coordinator
	coordinator := fmt.Sprintf("%s:%d  (%d)", c.Host, c.Port, c.NodeID)
	gw, cw := max(15, len(g.name)), max(25, len(coordinator))
	if r.o.verbose {
		format := fmt.Sprintf("%%-%ds %%-%ds %%-20s %%-20s %%-15s %%-25s %%s", gw, cw)
		table(r.t, format, [][]any{
			{"GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "GROUP-EPOCH", "TARGET-ASSIGNMENT-EPOCH", "#MEMBERS"},
			{g.name, coordinator, dash(g.assignor), g.state, epochString(g.groupEpoch), epochString(g.targetEpoch), strconv.Itoa(len(g.members))},
		})
		return nil
	}
	format := fmt.Sprintf("%%-%ds %%-%ds %%-20s %%-20s %%s", gw, cw)
	table(r.t, format, [][]any{
		{"GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"},
		{g.name, coordinator, dash(g.assignor), g.state, strconv.Itoa(len(g.members))},
	})
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
