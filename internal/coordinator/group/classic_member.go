package group

import (
	"bytes"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// protocol is one of the assignment protocols a classic member supports,
// with its metadata (for consumers, a ConsumerProtocolSubscription).
type protocol struct {
	name     string
	metadata []byte
}

func protocolsOf(ps []kmsg.JoinGroupRequestProtocol) []protocol {
	out := make([]protocol, len(ps))
	for i, p := range ps {
		out[i] = protocol{name: p.Name, metadata: bytes.Clone(p.Metadata)}
	}
	return out
}

func protocolNames(ps []kmsg.JoinGroupRequestProtocol) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// waiter is a parked request: a JoinGroup waiting for the join phase to
// end, or a SyncGroup waiting for the leader's assignment.
type waiter struct {
	id      uint64
	version int16
	// gone: the client went away (Cancel). The member still counts as
	// waiting, as in Kafka, which cannot see the connection close; only the
	// reply is dropped.
	gone bool
}

// classicMember is a member of a classic group: Kafka's ClassicGroupMember.
type classicMember struct {
	id                 string
	instanceID         *string // static membership (KIP-345)
	clientID           string
	clientHost         string
	rebalanceTimeoutMs int32
	sessionTimeoutMs   int32
	protocolType       string
	protocols          []protocol // in the member's order of preference
	assignment         []byte

	join  *waiter // awaiting the end of the join phase
	sync  *waiter // awaiting the leader's assignment
	isNew bool    // joined during this rebalance; may time out while waiting
}

func (m *classicMember) isStatic() bool { return m.instanceID != nil }

// metadata is the member's metadata for a protocol, nil if it does not
// support it.
func (m *classicMember) metadata(name string) []byte {
	for _, p := range m.protocols {
		if p.name == name {
			return p.metadata
		}
	}
	return nil
}

// matches reports the same protocols, with the same metadata, in the same
// order: a JoinGroup that changes nothing.
func (m *classicMember) matches(ps []kmsg.JoinGroupRequestProtocol) bool {
	if len(ps) != len(m.protocols) {
		return false
	}
	for i, p := range ps {
		if p.Name != m.protocols[i].name || !bytes.Equal(p.Metadata, m.protocols[i].metadata) {
			return false
		}
	}
	return true
}

// vote is the member's most preferred protocol among the candidates.
func (m *classicMember) vote(candidates map[string]bool) string {
	for _, p := range m.protocols {
		if candidates[p.name] {
			return p.name
		}
	}
	return ""
}

// hasSatisfiedHeartbeat: a member waiting in a rebalance needs no
// heartbeat, unless it is new (its first JoinGroup may not wait forever).
func (m *classicMember) hasSatisfiedHeartbeat() bool {
	return !m.isNew && (m.join != nil || m.sync != nil)
}

// clone copies the member's own fields; the protocol and assignment bytes
// are shared, never changed in place.
func (m *classicMember) clone() *classicMember {
	c := *m
	c.protocols = append([]protocol(nil), m.protocols...)
	return &c
}
