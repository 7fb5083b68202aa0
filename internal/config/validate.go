package config

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// Validate checks the rules between keys that Kafka checks when a node
// starts: roles, node id, quorum, listeners and their names, and a few
// sizing invariants. It returns the first problem found.
func (b *Broker) Validate() error {
	checks := []func() error{
		b.checkListenersResolved,
		b.checkRoles,
		b.checkNodeID,
		b.checkLogDirs,
		b.checkQuorum,
		b.checkRoleListeners,
		b.checkBrokerListeners,
		b.checkAdvertisedRoutable,
		b.checkSizes,
		b.checkGroupProtocols,
		b.checkInterBrokerSASL,
		b.checkMetricsAddress,
	}
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}

func (b *Broker) checkListenersResolved() error { return b.listenerErr }

func (b *Broker) checkRoles() error {
	if len(b.ProcessRoles) == 0 {
		return conflictf("process.roles must contain broker, controller or both")
	}
	for i, r := range b.ProcessRoles {
		if slices.Contains(b.ProcessRoles[:i], r) {
			return conflictf("duplicate role names found in process.roles: %s", strings.Join(b.ProcessRoles, ","))
		}
	}
	return nil
}

func (b *Broker) checkNodeID() error {
	if b.NodeID < 0 {
		return conflictf("node.id must be set to a non-negative id")
	}
	if b.NodeID != b.brokerID {
		return conflictf("node.id (%d) and broker.id (%d) must be the same", b.NodeID, b.brokerID)
	}
	return nil
}

func (b *Broker) checkLogDirs() error {
	if len(b.LogDirs) == 0 {
		return conflictf("at least one log directory must be defined via log.dirs or log.dir")
	}
	return nil
}

func (b *Broker) voterIDs() []int32 {
	ids := make([]int32, len(b.QuorumVoters))
	for i, v := range b.QuorumVoters {
		ids[i] = v.ID
	}
	return ids
}

func (b *Broker) checkQuorum() error {
	if len(b.QuorumVoters) == 0 && len(b.QuorumBootstrapServers) == 0 {
		return conflictf("either controller.quorum.bootstrap.servers must contain the bootstrap controllers " +
			"or controller.quorum.voters must contain the set of controllers")
	}
	inVoters := slices.Contains(b.voterIDs(), b.NodeID)
	if b.IsController() && len(b.QuorumVoters) > 0 && !inVoters {
		return conflictf("process.roles contains controller, so node id %d must be in controller.quorum.voters %v",
			b.NodeID, b.voterIDs())
	}
	if !b.IsController() && inVoters {
		return conflictf("process.roles is broker only, so node id %d must not be in controller.quorum.voters %v",
			b.NodeID, b.voterIDs())
	}
	return nil
}

// checkRoleListeners checks controller.listener.names against listeners for
// the node's roles.
func (b *Broker) checkRoleListeners() error {
	if len(b.ControllerListenerNames) == 0 {
		return conflictf("controller.listener.names must contain at least one listener name")
	}
	if b.IsController() {
		return b.checkControllerListeners()
	}
	if len(b.ControllerListeners()) > 0 {
		return conflictf("controller.listener.names must not name a listener in listeners when process.roles is broker only")
	}
	for _, n := range b.ControllerListenerNames {
		if _, ok := b.ListenerProtocols[n]; !ok {
			return conflictf("controller listener %s is not in listener.security.protocol.map", n)
		}
	}
	return nil
}

func (b *Broker) checkControllerListeners() error {
	names := listenerNames(b.Listeners)
	for _, n := range b.ControllerListenerNames {
		if !slices.Contains(names, n) {
			return conflictf("controller.listener.names must only contain names in listeners when the node is a controller: %s is not in %s",
				n, strings.Join(names, ","))
		}
	}
	if !b.IsBroker() && len(b.ControllerListeners()) != len(b.Listeners) {
		return conflictf("listeners must only contain controller listeners (%s) when process.roles is controller only",
			strings.Join(b.ControllerListenerNames, ","))
	}
	return nil
}

func listenerNames(ls []Listener) []string {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return names
}

// checkBrokerListeners checks what a broker advertises: at least one broker
// listener, all of them bound, and the inter-broker one among them.
func (b *Broker) checkBrokerListeners() error {
	if !b.IsBroker() {
		return nil
	}
	advertised := listenerNames(b.BrokerListeners())
	if len(advertised) == 0 {
		return conflictf("there must be at least one broker advertised listener; perhaps all listeners appear in controller.listener.names?")
	}
	if !slices.Contains(advertised, b.InterBrokerListenerName) {
		return conflictf("inter.broker.listener.name must be a listener name defined in advertised.listeners: %s is not in %s",
			b.InterBrokerListenerName, strings.Join(advertised, ","))
	}
	bound := listenerNames(b.Listeners)
	for _, n := range advertised {
		if !slices.Contains(bound, n) {
			return conflictf("advertised.listeners names must be equal to or a subset of the ones in listeners: %s is not in %s",
				n, strings.Join(bound, ","))
		}
	}
	return nil
}

func (b *Broker) checkAdvertisedRoutable() error {
	for _, l := range b.AdvertisedListeners {
		if ip := net.ParseIP(l.Host); ip != nil && ip.IsUnspecified() {
			return conflictf("advertised.listeners cannot use the nonroutable meta-address %s (listener %s); use a routable address",
				l.Host, l.Name)
		}
	}
	return nil
}

func (b *Broker) checkSizes() error {
	t := b.TopicDefaults
	switch {
	case t.RetentionMs == 0:
		return conflictf("log.retention.ms must be unlimited (-1) or at least 1")
	case b.LogCleanerThreads > 0 && b.LogCleanerDedupeBufferSize/int64(b.LogCleanerThreads) <= 1<<20:
		return conflictf("log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread")
	case b.ReplicaFetchWaitMaxMs > b.ReplicaSocketTimeoutMs:
		return conflictf("replica.socket.timeout.ms (%d) must be at least replica.fetch.wait.max.ms (%d)",
			b.ReplicaSocketTimeoutMs, b.ReplicaFetchWaitMaxMs)
	case int64(b.ReplicaFetchWaitMaxMs) > b.ReplicaLagTimeMaxMs:
		return conflictf("replica.fetch.wait.max.ms (%d) must be at most replica.lag.time.max.ms (%d)",
			b.ReplicaFetchWaitMaxMs, b.ReplicaLagTimeMaxMs)
	case b.QueuedMaxRequestBytes > 0 && b.QueuedMaxRequestBytes < int64(b.SocketRequestMaxBytes):
		return conflictf("queued.max.request.bytes must be larger than or equal to socket.request.max.bytes")
	case b.MaxConnectionsPerIP == 0 && len(b.MaxConnectionsPerIPOverrides) == 0:
		return conflictf("max.connections.per.ip can be zero only if max.connections.per.ip.overrides is set")
	case b.ConnectionsMaxIdleMs >= 0 && int64(b.FailedAuthenticationDelayMs) >= b.ConnectionsMaxIdleMs:
		return conflictf("connection.failed.authentication.delay.ms (%d) must be less than connections.max.idle.ms (%d)",
			b.FailedAuthenticationDelayMs, b.ConnectionsMaxIdleMs)
	}
	return nil
}

func (b *Broker) checkGroupProtocols() error {
	if !slices.Contains(b.GroupRebalanceProtocols, "classic") {
		return conflictf("group.coordinator.rebalance.protocols must contain classic: disabling it is not supported")
	}
	return nil
}

func (b *Broker) checkInterBrokerSASL() error {
	l, ok := b.InterBrokerListener()
	if !ok || (l.Protocol != SASLPlaintext && l.Protocol != SASLSSL) {
		return nil
	}
	if !slices.Contains(b.SASLEnabledMechanisms, b.SASLMechanismInterBrokerProtocol) {
		return conflictf("sasl.mechanism.inter.broker.protocol (%s) must be in sasl.enabled.mechanisms when SASL is used between brokers",
			b.SASLMechanismInterBrokerProtocol)
	}
	return nil
}

// checkMetricsAddress catches the metrics endpoint taking a listener's port.
func (b *Broker) checkMetricsAddress() error {
	if b.MetricsAddress == "" {
		return nil
	}
	host, port, _ := net.SplitHostPort(b.MetricsAddress)
	p, _ := strconv.Atoi(port)
	for _, l := range b.Listeners {
		sameHost := host == "" || l.Host == "" || host == l.Host
		if p != 0 && l.Port == p && sameHost {
			return conflictf("spool.metrics.address %s uses the port of listener %s", b.MetricsAddress, l)
		}
	}
	return nil
}

// String summarises the node for logs: roles, id and listeners.
func (b *Broker) String() string {
	return fmt.Sprintf("node %d (%s) listeners=%v advertised=%v", b.NodeID,
		strings.Join(b.ProcessRoles, ","), b.Listeners, b.AdvertisedListeners)
}
