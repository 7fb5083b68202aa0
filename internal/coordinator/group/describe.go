package group

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/coordinator"
)

func (s *Shard) describeGroups(r coordinator.Request, req *kmsg.DescribeGroupsRequest) {
	resp := req.ResponseKind().(*kmsg.DescribeGroupsResponse)
	for _, id := range req.Groups {
		d := s.describeGroup(id, req.Version)
		if d.ErrorCode == 0 && req.Version >= 3 && req.IncludeAuthorizedOperations {
			// Spool has no ACLs yet: everything a group supports is allowed.
			d.AuthorizedOperations = groupOperations
		}
		resp.Groups = append(resp.Groups, d)
	}
	s.reply(r.ID, resp)
}

// describeGroup describes a classic group. An unknown group is Dead; from
// v6 (KIP-1043) it is also GROUP_ID_NOT_FOUND, as is a group of another
// type.
func (s *Shard) describeGroup(id string, version int16) kmsg.DescribeGroupsResponseGroup {
	d := kmsg.NewDescribeGroupsResponseGroup()
	d.Group = id
	g, ok := s.liveGroup(id)
	if !ok {
		return notFound(d, version, fmt.Sprintf("Group %s not found.", id))
	}
	c, ok := g.(*classicGroup)
	if !ok {
		return notFound(d, version, fmt.Sprintf("Group %s is not a classic group.", id))
	}
	d.State, d.ProtocolType = c.state.String(), c.protocolType
	stable := c.is(stateStable)
	if stable {
		// The protocol, and each member's metadata for it, only once
		// the group is stable, as Kafka does.
		d.Protocol = c.protocol
	}
	for _, m := range c.members {
		dm := kmsg.NewDescribeGroupsResponseGroupMember()
		dm.MemberID, dm.InstanceID, dm.ClientID, dm.ClientHost = m.id, m.instanceID, m.clientID, m.clientHost
		dm.MemberAssignment = m.assignment
		if stable {
			dm.ProtocolMetadata = m.metadata(c.protocol)
		}
		d.Members = append(d.Members, dm)
	}
	return d
}

func notFound(d kmsg.DescribeGroupsResponseGroup, version int16, message string) kmsg.DescribeGroupsResponseGroup {
	d.State = classicStateNames[stateDead]
	if version >= 6 {
		d.ErrorCode, d.ErrorMessage = codeGroupIDNotFound, &message
	}
	return d
}

// listGroups lists this shard's groups (the api layer merges the shards'
// answers), filtered by state (v4+, case-insensitive) and type (v5+).
func (s *Shard) listGroups(r coordinator.Request, req *kmsg.ListGroupsRequest) {
	resp := req.ResponseKind().(*kmsg.ListGroupsResponse)
	states := lowerSet(req.StatesFilter, true)
	types := lowerSet(req.TypesFilter, false)
	for _, id := range slices.Sorted(maps.Keys(s.groups)) {
		g, ok := s.liveGroup(id)
		if !ok {
			continue
		}
		if len(states) > 0 && !states[strings.ToLower(g.stateName())] {
			continue
		}
		if len(types) > 0 && !types[g.typeName()] {
			continue
		}
		lg := kmsg.NewListGroupsResponseGroup()
		lg.Group, lg.ProtocolType, lg.GroupState, lg.GroupType = id, g.protocolTypeName(), g.stateName(), g.typeName()
		resp.Groups = append(resp.Groups, lg)
	}
	s.reply(r.ID, resp)
}

// lowerSet is a filter as Kafka compares it: lower case, states trimmed.
func lowerSet(values []string, trim bool) map[string]bool {
	set := map[string]bool{}
	for _, v := range values {
		v = strings.ToLower(v)
		if trim {
			v = strings.TrimSpace(v)
		}
		set[v] = true
	}
	return set
}
