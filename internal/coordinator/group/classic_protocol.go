package group

import "encoding/binary"

// consumerProtocolType is the protocol type of Kafka consumers; only their
// subscriptions are parsed (for the subscribed topics).
const consumerProtocolType = "consumer"

// supportsProtocols reports whether a member with these protocols may
// join: an empty group takes any non-empty list under a non-empty type;
// otherwise the type must match and one protocol must be supported by
// every member.
func (g *classicGroup) supportsProtocols(protocolType string, names []string) bool {
	if g.is(stateEmpty) {
		return protocolType != "" && len(names) > 0
	}
	if g.protocolType == "" || g.protocolType != protocolType {
		return false
	}
	for _, n := range names {
		if g.votes[n] == len(g.members) {
			return true
		}
	}
	return false
}

// selectProtocol picks, among the protocols every member supports, the one
// most members prefer. Kafka breaks ties by hash-map order; here the
// protocol voted for by the oldest member wins.
func (g *classicGroup) selectProtocol() string {
	candidates := map[string]bool{}
	for name, n := range g.votes {
		if n == len(g.members) {
			candidates[name] = true
		}
	}
	votes := map[string]int{}
	var order []string
	for _, m := range g.members {
		p := m.vote(candidates)
		if votes[p] == 0 {
			order = append(order, p)
		}
		votes[p]++
	}
	best := ""
	for _, p := range order {
		if best == "" || votes[p] > votes[best] {
			best = p
		}
	}
	return best
}

// computeSubscribed is the union of the members' subscribed topics, known
// only for consumer groups whose protocol is selected and whose
// subscriptions all parse (or that have no members).
func (g *classicGroup) computeSubscribed() map[string]bool {
	if g.protocolType != consumerProtocolType {
		return nil
	}
	topics := map[string]bool{}
	if len(g.members) == 0 {
		return topics
	}
	if g.protocol == "" {
		return nil
	}
	for _, m := range g.members {
		names, ok := subscriptionTopics(m.metadata(g.protocol))
		if !ok {
			return nil
		}
		for _, t := range names {
			topics[t] = true
		}
	}
	return topics
}

// subscriptionTopics reads the topics of a ConsumerProtocolSubscription.
// Every version starts with version 0's layout (int16 version, an array
// of int16-length strings, nullable user data bytes), which is all Kafka
// reads here; what follows is ignored.
func subscriptionTopics(b []byte) ([]string, bool) {
	if len(b) < 6 {
		return nil, false
	}
	n := int32(binary.BigEndian.Uint32(b[2:]))
	b = b[6:]
	if n < 0 || int(n) > len(b)/2 {
		return nil, false
	}
	topics := make([]string, 0, n)
	for range n {
		if len(b) < 2 {
			return nil, false
		}
		l := int(int16(binary.BigEndian.Uint16(b)))
		if l < 0 || len(b) < 2+l {
			return nil, false
		}
		topics = append(topics, string(b[2:2+l]))
		b = b[2+l:]
	}
	if len(b) < 4 {
		return nil, false
	}
	if l := int32(binary.BigEndian.Uint32(b)); l < -1 || int(l) > len(b)-4 {
		return nil, false
	}
	return topics, true
}

// isSubscribedTo reports an active subscription to topic; unknown
// subscriptions count as one for consumer groups.
func (g *classicGroup) isSubscribedTo(topic string) bool {
	if g.subscribed == nil {
		return g.protocolType == consumerProtocolType
	}
	return g.subscribed[topic]
}
