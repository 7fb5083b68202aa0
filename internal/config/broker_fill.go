package config

import "strings"

// The fill functions copy parsed values into the Broker's fields. Values
// were checked against their validators already, so the syntax parsers
// below cannot fail.

func (b *Broker) fillNode(v values, l Layers) {
	b.ProcessRoles = v.list("process.roles")
	b.NodeID = v.int32("node.id")
	b.brokerID = v.int32("broker.id")
	b.Rack = v.str("broker.rack")
	b.QuorumVoters, _ = parseVoters(strings.Join(v.list("controller.quorum.voters"), ","))
	b.QuorumBootstrapServers = v.list("controller.quorum.bootstrap.servers")
	for _, n := range splitList(v.str("controller.listener.names")) {
		b.ControllerListenerNames = append(b.ControllerListenerNames, strings.ToUpper(n))
	}
	b.QuorumElectionTimeoutMs = v.int32("controller.quorum.election.timeout.ms")
	b.QuorumFetchTimeoutMs = v.int32("controller.quorum.fetch.timeout.ms")
	b.QuorumElectionBackoffMaxMs = v.int32("controller.quorum.election.backoff.max.ms")
	b.QuorumAppendLingerMs = v.int32("controller.quorum.append.linger.ms")
	b.QuorumRequestTimeoutMs = v.int32("controller.quorum.request.timeout.ms")
	b.QuorumRetryBackoffMs = v.int32("controller.quorum.retry.backoff.ms")
	b.MetadataLogSegmentBytes = v.int32("metadata.log.segment.bytes")
	b.MetadataLogSegmentMs = v.int64("metadata.log.segment.ms")
	b.MetadataMaxRetentionBytes = v.int64("metadata.max.retention.bytes")
	b.MetadataMaxRetentionMs = v.int64("metadata.max.retention.ms")
	b.MetadataSnapshotMaxNewRecordBytes = v.int64("metadata.log.max.record.bytes.between.snapshots")
	b.MetadataSnapshotMaxIntervalMs = v.int64("metadata.log.max.snapshot.interval.ms")
	b.MetadataMaxIdleIntervalMs = v.int32("metadata.max.idle.interval.ms")
	b.BrokerHeartbeatIntervalMs = v.int32("broker.heartbeat.interval.ms")
	b.BrokerSessionTimeoutMs = v.int32("broker.session.timeout.ms")
	b.InitialBrokerRegistrationTimeoutMs = v.int32("initial.broker.registration.timeout.ms")
	b.fillListeners(v, l)
}

// fillListeners resolves listeners, their protocols and the advertised
// listeners. Problems between keys are kept for Validate.
func (b *Broker) fillListeners(v values, l Layers) {
	b.ListenerProtocols, _ = parseProtocolMap(v.str("listener.security.protocol.map"))
	listeners, _ := parseEndpoints(v.str("listeners"))
	if !l.brokerSet("listener.security.protocol.map") && !anyTLSOrSASLName(listeners, b.ControllerListenerNames) {
		// As in Kafka's KRaft mode, controller listeners default to
		// PLAINTEXT when nothing asks for TLS or SASL.
		for _, n := range b.ControllerListenerNames {
			if _, ok := b.ListenerProtocols[n]; !ok {
				b.ListenerProtocols[n] = Plaintext
			}
		}
	}
	b.InterBrokerListenerName = v.str("security.inter.broker.protocol")
	if !v.isNull("inter.broker.listener.name") {
		b.InterBrokerListenerName = strings.ToUpper(v.str("inter.broker.listener.name"))
		if l.brokerSet("security.inter.broker.protocol") {
			b.listenerErr = conflictf("only one of inter.broker.listener.name and security.inter.broker.protocol should be set")
		}
	}
	advertised := listeners
	if !v.isNull("advertised.listeners") {
		advertised, _ = parseEndpoints(v.str("advertised.listeners"))
	}
	b.setListeners(listeners, advertised)
}

func (b *Broker) setListeners(listeners, advertised []Listener) {
	var err error
	if b.Listeners, err = withProtocols("listeners", listeners, b.ListenerProtocols); err != nil {
		b.listenerErr = err
		return
	}
	if err = checkListenerSet("listeners", b.Listeners, true); err != nil {
		b.listenerErr = err
		return
	}
	if b.AdvertisedListeners, err = withProtocols("advertised.listeners", advertised, b.ListenerProtocols); err != nil {
		b.listenerErr = err
		return
	}
	for i := range b.AdvertisedListeners {
		if b.AdvertisedListeners[i].Host == "" {
			b.AdvertisedListeners[i].Host = "localhost"
		}
	}
	if err = checkListenerSet("advertised.listeners", b.AdvertisedListeners, false); err != nil {
		b.listenerErr = err
	}
}

// anyTLSOrSASLName reports whether a listener or controller listener is
// named after a protocol other than PLAINTEXT, which is how Kafka decides
// not to add implicit PLAINTEXT mappings.
func anyTLSOrSASLName(ls []Listener, controllerNames []string) bool {
	named := func(n string) bool {
		return n == string(SSL) || n == string(SASLPlaintext) || n == string(SASLSSL)
	}
	for _, l := range ls {
		if named(l.Name) {
			return true
		}
	}
	for _, n := range controllerNames {
		if named(n) {
			return true
		}
	}
	return false
}

func (b *Broker) fillNetwork(v values) {
	b.SocketSendBufferBytes = v.int32("socket.send.buffer.bytes")
	b.SocketReceiveBufferBytes = v.int32("socket.receive.buffer.bytes")
	b.SocketRequestMaxBytes = v.int32("socket.request.max.bytes")
	b.SocketListenBacklogSize = v.int32("socket.listen.backlog.size")
	b.NumNetworkThreads = v.int32("num.network.threads")
	b.NumIOThreads = v.int32("num.io.threads")
	b.BackgroundThreads = v.int32("background.threads")
	b.QueuedMaxRequests = v.int32("queued.max.requests")
	b.QueuedMaxRequestBytes = v.int64("queued.max.request.bytes")
	b.MaxConnections = v.int32("max.connections")
	b.MaxConnectionsPerIP = v.int32("max.connections.per.ip")
	b.MaxConnectionsPerIPOverrides, _ = parseIPOverrides(v.str("max.connections.per.ip.overrides"))
	b.MaxConnectionCreationRate = v.int32("max.connection.creation.rate")
	b.ConnectionsMaxIdleMs = v.int64("connections.max.idle.ms")
	b.FailedAuthenticationDelayMs = v.int32("connection.failed.authentication.delay.ms")
	b.RequestTimeoutMs = v.int32("request.timeout.ms")
	b.MetricsAddress = v.str("spool.metrics.address")
}

func (b *Broker) fillSecurity(v values) {
	b.SASLEnabledMechanisms = v.list("sasl.enabled.mechanisms")
	b.SASLMechanismInterBrokerProtocol = v.str("sasl.mechanism.inter.broker.protocol")
	b.SASLMechanismControllerProtocol = v.str("sasl.mechanism.controller.protocol")
	b.SSLKeystoreLocation = v.str("ssl.keystore.location")
	b.SSLKeystorePassword = v.str("ssl.keystore.password")
	b.SSLKeystoreType = v.str("ssl.keystore.type")
	b.SSLKeyPassword = v.str("ssl.key.password")
	b.SSLTruststoreLocation = v.str("ssl.truststore.location")
	b.SSLTruststorePassword = v.str("ssl.truststore.password")
	b.SSLTruststoreType = v.str("ssl.truststore.type")
	b.SSLClientAuth = v.str("ssl.client.auth")
	b.AuthorizerClassName = v.str("authorizer.class.name")
}

func (b *Broker) fillLog(v values) {
	dirs := v.str("log.dir")
	if !v.isNull("log.dirs") {
		dirs = v.str("log.dirs")
	}
	b.LogDirs = splitList(dirs)
	b.MetadataLogDir = v.str("metadata.log.dir")
	if b.MetadataLogDir == "" && len(b.LogDirs) > 0 {
		b.MetadataLogDir = b.LogDirs[0]
	}
	b.NumPartitions = v.int32("num.partitions")
	b.DefaultReplicationFactor = v.int32("default.replication.factor")
	b.AutoCreateTopics = v.bool("auto.create.topics.enable")
	b.DeleteTopicEnable = v.bool("delete.topic.enable")
	b.LogRetentionCheckIntervalMs = v.int64("log.retention.check.interval.ms")
	b.LogFlushSchedulerIntervalMs = v.int64("log.flush.scheduler.interval.ms")
	b.LogFlushOffsetCheckpointIntervalMs = v.int32("log.flush.offset.checkpoint.interval.ms")
	b.LogFlushStartOffsetCheckpointIntervalMs = v.int32("log.flush.start.offset.checkpoint.interval.ms")
	b.LogDirFailureTimeoutMs = v.int64("log.dir.failure.timeout.ms")
	b.NumRecoveryThreadsPerDataDir = v.int32("num.recovery.threads.per.data.dir")
	b.UncleanLeaderElectionIntervalMs = v.int64("unclean.leader.election.interval.ms")
	b.LogCleanerEnable = v.bool("log.cleaner.enable")
	b.LogCleanerThreads = v.int32("log.cleaner.threads")
	b.LogCleanerIOMaxBytesPerSecond = v.float("log.cleaner.io.max.bytes.per.second")
	b.LogCleanerDedupeBufferSize = v.int64("log.cleaner.dedupe.buffer.size")
	b.LogCleanerIOBufferSize = v.int32("log.cleaner.io.buffer.size")
	b.LogCleanerIOBufferLoadFactor = v.float("log.cleaner.io.buffer.load.factor")
	b.LogCleanerBackoffMs = v.int64("log.cleaner.backoff.ms")
}

func (b *Broker) fillReplication(v values) {
	b.ReplicaLagTimeMaxMs = v.int64("replica.lag.time.max.ms")
	b.ReplicaSocketTimeoutMs = v.int32("replica.socket.timeout.ms")
	b.ReplicaSocketReceiveBufferBytes = v.int32("replica.socket.receive.buffer.bytes")
	b.ReplicaFetchMaxBytes = v.int32("replica.fetch.max.bytes")
	b.ReplicaFetchWaitMaxMs = v.int32("replica.fetch.wait.max.ms")
	b.ReplicaFetchMinBytes = v.int32("replica.fetch.min.bytes")
	b.ReplicaFetchBackoffMs = v.int32("replica.fetch.backoff.ms")
	b.ReplicaFetchResponseMaxBytes = v.int32("replica.fetch.response.max.bytes")
	b.NumReplicaFetchers = v.int32("num.replica.fetchers")
	b.ReplicaHighWatermarkCheckpointIntervalMs = v.int64("replica.high.watermark.checkpoint.interval.ms")
	b.AutoLeaderRebalanceEnable = v.bool("auto.leader.rebalance.enable")
	b.LeaderImbalancePerBrokerPercentage = v.int32("leader.imbalance.per.broker.percentage")
	b.LeaderImbalanceCheckIntervalSeconds = v.int64("leader.imbalance.check.interval.seconds")
	b.LeaderReplicationThrottledRate = v.int64("leader.replication.throttled.rate")
	b.FollowerReplicationThrottledRate = v.int64("follower.replication.throttled.rate")
	b.ReplicationQuotaWindowNum = v.int32("replication.quota.window.num")
	b.ReplicationQuotaWindowSizeSeconds = v.int32("replication.quota.window.size.seconds")
	b.MaxIncrementalFetchSessionCacheSlots = v.int32("max.incremental.fetch.session.cache.slots")
	b.FetchMaxBytes = v.int32("fetch.max.bytes")
}

func (b *Broker) fillGroup(v values) {
	b.GroupMinSessionTimeoutMs = v.int32("group.min.session.timeout.ms")
	b.GroupMaxSessionTimeoutMs = v.int32("group.max.session.timeout.ms")
	b.GroupInitialRebalanceDelayMs = v.int32("group.initial.rebalance.delay.ms")
	b.GroupMaxSize = v.int32("group.max.size")
	b.GroupRebalanceProtocols = v.list("group.coordinator.rebalance.protocols")
	b.GroupConsumerSessionTimeoutMs = v.int32("group.consumer.session.timeout.ms")
	b.GroupConsumerMinSessionTimeoutMs = v.int32("group.consumer.min.session.timeout.ms")
	b.GroupConsumerMaxSessionTimeoutMs = v.int32("group.consumer.max.session.timeout.ms")
	b.GroupConsumerHeartbeatIntervalMs = v.int32("group.consumer.heartbeat.interval.ms")
	b.GroupConsumerMinHeartbeatIntervalMs = v.int32("group.consumer.min.heartbeat.interval.ms")
	b.GroupConsumerMaxHeartbeatIntervalMs = v.int32("group.consumer.max.heartbeat.interval.ms")
	b.GroupConsumerMaxSize = v.int32("group.consumer.max.size")
	b.GroupConsumerAssignors = v.list("group.consumer.assignors")
	b.GroupConsumerMigrationPolicy = strings.ToLower(v.str("group.consumer.migration.policy"))
	b.OffsetsTopicNumPartitions = v.int32("offsets.topic.num.partitions")
	b.OffsetsTopicReplicationFactor = v.int16("offsets.topic.replication.factor")
	b.OffsetsTopicSegmentBytes = v.int32("offsets.topic.segment.bytes")
	b.OffsetsTopicCompressionCodec = v.int32("offsets.topic.compression.codec")
	b.OffsetsRetentionMinutes = v.int32("offsets.retention.minutes")
	b.OffsetsRetentionCheckIntervalMs = v.int64("offsets.retention.check.interval.ms")
	b.OffsetsCommitTimeoutMs = v.int32("offsets.commit.timeout.ms")
	b.OffsetMetadataMaxBytes = v.int32("offset.metadata.max.bytes")
	b.OffsetsLoadBufferSize = v.int32("offsets.load.buffer.size")
	b.ShareStateTopicReplicationFactor = v.int16("share.coordinator.state.topic.replication.factor")
	b.ShareStateTopicMinISR = v.int16("share.coordinator.state.topic.min.isr")
}

func (b *Broker) fillTransaction(v values) {
	b.TransactionStateLogNumPartitions = v.int32("transaction.state.log.num.partitions")
	b.TransactionStateLogReplicationFactor = v.int16("transaction.state.log.replication.factor")
	b.TransactionStateLogMinISR = v.int32("transaction.state.log.min.isr")
	b.TransactionStateLogSegmentBytes = v.int32("transaction.state.log.segment.bytes")
	b.TransactionStateLogLoadBufferSize = v.int32("transaction.state.log.load.buffer.size")
	b.TransactionMaxTimeoutMs = v.int32("transaction.max.timeout.ms")
	b.TransactionalIDExpirationMs = v.int32("transactional.id.expiration.ms")
	b.TransactionAbortTimedOutIntervalMs = v.int32("transaction.abort.timed.out.transaction.cleanup.interval.ms")
	b.TransactionRemoveExpiredIntervalMs = v.int32("transaction.remove.expired.transaction.cleanup.interval.ms")
	b.TransactionPartitionVerification = v.bool("transaction.partition.verification.enable")
	b.ProducerIDExpirationMs = v.int32("producer.id.expiration.ms")
	b.ProducerIDExpirationCheckIntervalMs = v.int32("producer.id.expiration.check.interval.ms")
}
