package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// consumerGroupStates are the states a consumer group can be listed by
// (Kafka's GroupState.groupStatesForType(CONSUMER), in declaration order).
var consumerGroupStates = []string{"PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty", "Assigning", "Reconciling"}

// parseGroupStates reads --state's comma separated list, in any case.
func parseGroupStates(in string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(in, ",") {
		i := slices.IndexFunc(consumerGroupStates, func(v string) bool { return strings.EqualFold(v, strings.TrimSpace(s)) })
		if i < 0 {
			return nil, usagef("Invalid state list '%s'. Valid states are: %s", in, strings.Join(consumerGroupStates, ", "))
		}
		out = append(out, consumerGroupStates[i])
	}
	return out, nil
}

// groupTypeName is Kafka's GroupType.parse(s).toString().
func groupTypeName(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "classic":
		return "Classic"
	case "consumer":
		return "Consumer"
	case "share":
		return "Share"
	case "streams":
		return "Streams"
	}
	return "Unknown"
}

// parseGroupTypes reads --type's comma separated list: classic and
// consumer are the types of consumer groups.
func parseGroupTypes(in string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(in, ",") {
		name := groupTypeName(s)
		if name != "Classic" && name != "Consumer" {
			// Kafka joins a HashSet of the two names, which iterates
			// Consumer first.
			return nil, usagef("Invalid types list '%s'. Valid types are: Consumer, Classic", in)
		}
		out = append(out, name)
	}
	return out, nil
}

// listedGroup is one group of a ListGroups answer.
type listedGroup struct {
	name, typ, state string
}

// listConsumerGroups lists the consumer groups (classic groups of the
// consumer protocol or none, and KIP-848 groups) of the given types (all
// when empty) and states (all when empty), sorted by name.
func (r *groupsRun) listConsumerGroups(ctx context.Context, types, states []string) ([]listedGroup, error) {
	if len(types) == 0 {
		types = []string{"Classic", "Consumer"}
	}
	req := kmsg.NewPtrListGroupsRequest()
	req.StatesFilter = states
	for _, typ := range types {
		req.TypesFilter = append(req.TypesFilter, strings.ToLower(typ))
	}
	ctx, cancel := r.call(ctx)
	defer cancel()
	var out []listedGroup
	for _, shard := range r.adm.cl.RequestSharded(ctx, req) {
		if shard.Err != nil {
			return nil, shard.Err
		}
		resp := shard.Resp.(*kmsg.ListGroupsResponse)
		if err := codeErr(resp.ErrorCode, nil); err != nil {
			return nil, err
		}
		for _, g := range resp.Groups {
			if l, ok := listedConsumerGroup(g, types, states); ok {
				out = append(out, l)
			}
		}
	}
	slices.SortFunc(out, func(a, b listedGroup) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// listedConsumerGroup keeps a listed group that is a consumer group in the
// wanted types and states; the filters are applied here too, for brokers
// too old to apply them.
func listedConsumerGroup(g kmsg.ListGroupsResponseGroup, types, states []string) (listedGroup, bool) {
	if g.ProtocolType != "" && g.ProtocolType != "consumer" {
		return listedGroup{}, false
	}
	l := listedGroup{name: g.Group, typ: "Unknown", state: "Unknown"}
	if g.GroupType != "" {
		l.typ = groupTypeName(g.GroupType)
		if !slices.Contains(types, l.typ) {
			return listedGroup{}, false
		}
	}
	if g.GroupState != "" {
		l.state = g.GroupState
		if len(states) > 0 && !slices.ContainsFunc(states, func(s string) bool { return strings.EqualFold(s, g.GroupState) }) {
			return listedGroup{}, false
		}
	}
	return l, true
}

// listGroupNames is the groups --all-groups means.
func (r *groupsRun) listGroupNames(ctx context.Context) ([]string, error) {
	groups, err := r.listConsumerGroups(ctx, nil, nil)
	if err != nil {
		return nil, failed(err)
	}
	names := make([]string, len(groups))
	for i, g := range groups {
		names[i] = g.name
	}
	return names, nil
}

// listGroups is --list: the names alone, or a table when --state or
// --type asks for those columns.
func (r *groupsRun) listGroups(ctx context.Context) error {
	withType, withState := r.t.changed("type"), r.t.changed("state")
	var types, states []string
	var err error
	if withType && r.o.groupType != optionBare && r.o.groupType != "" {
		if types, err = parseGroupTypes(r.o.groupType); err != nil {
			return err
		}
	}
	if withState && r.o.state != optionBare && r.o.state != "" {
		if states, err = parseGroupStates(r.o.state); err != nil {
			return err
		}
	}
	groups, err := r.listConsumerGroups(ctx, types, states)
	if err != nil {
		return failed(err)
	}
	if !withType && !withState {
		for _, g := range groups {
			fmt.Fprintln(r.t.stdout, g.name)
		}
		return nil
	}
	printGroupListing(r.t, groups, withType, withState)
	return nil
}

func printGroupListing(t *toolEnv, groups []listedGroup, withType, withState bool) {
	width := 15
	for _, g := range groups {
		width = max(width, len(g.name))
	}
	row := func(name, typ, state string) {
		line := fmt.Sprintf("%-*s", width+10, name)
		if withType {
			line += fmt.Sprintf(" %-20s", typ)
		}
		if withState {
			line += fmt.Sprintf(" %-20s", state)
		}
		fmt.Fprintln(t.stdout, line)
	}
	row("GROUP", "TYPE", "STATE")
	for _, g := range groups {
		row(g.name, g.typ, g.state)
	}
}

// groupExceptionString is exceptionString with the exception classes of the
// group errors whose names do not follow their error codes.
func groupExceptionString(err error) string {
	var se *kadm.ShardErrors
	if errors.As(err, &se) && len(se.Errs) > 0 {
		err = se.Errs[0].Err
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "org.apache.kafka.common.errors.TimeoutException: Timed out waiting for the cluster to answer within --timeout."
	case unsupported(err) && !errors.Is(err, kerr.UnsupportedVersion):
		// franz-go's "broker is too old": Java names it so.
		return "org.apache.kafka.common.errors.UnsupportedVersionException: " + err.Error()
	case errors.Is(err, kerr.NonEmptyGroup):
		return "org.apache.kafka.common.errors.GroupNotEmptyException: " + errMessage(err)
	}
	return exceptionString(err)
}
