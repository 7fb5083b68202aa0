package config

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	"github.com/magiconair/properties"
)

// Broker is the resolved configuration of one Spool node. Field comments
// name the Kafka key each field comes from; see the definition table for
// defaults and documentation.
type Broker struct {
	// Raw is server.properties as read: key → value, unknown keys included.
	// It is the STATIC_BROKER_CONFIG layer of DescribeConfigs.
	Raw map[string]string

	// Roles and quorum.
	ProcessRoles            []string // process.roles
	NodeID                  int32    // node.id, or broker.id when only that is set
	Rack                    string   // broker.rack; "" when unset
	QuorumVoters            []Voter  // controller.quorum.voters
	QuorumBootstrapServers  []string // controller.quorum.bootstrap.servers
	ControllerListenerNames []string // controller.listener.names, upper-cased

	QuorumElectionTimeoutMs    int32 // controller.quorum.election.timeout.ms
	QuorumFetchTimeoutMs       int32 // controller.quorum.fetch.timeout.ms
	QuorumElectionBackoffMaxMs int32 // controller.quorum.election.backoff.max.ms
	QuorumAppendLingerMs       int32 // controller.quorum.append.linger.ms
	QuorumRequestTimeoutMs     int32 // controller.quorum.request.timeout.ms
	QuorumRetryBackoffMs       int32 // controller.quorum.retry.backoff.ms

	MetadataLogDir                    string // metadata.log.dir, or the first log dir
	MetadataLogSegmentBytes           int32  // metadata.log.segment.bytes
	MetadataLogSegmentMs              int64  // metadata.log.segment.ms
	MetadataMaxRetentionBytes         int64  // metadata.max.retention.bytes
	MetadataMaxRetentionMs            int64  // metadata.max.retention.ms
	MetadataSnapshotMaxNewRecordBytes int64  // metadata.log.max.record.bytes.between.snapshots
	MetadataSnapshotMaxIntervalMs     int64  // metadata.log.max.snapshot.interval.ms
	MetadataMaxIdleIntervalMs         int32  // metadata.max.idle.interval.ms

	BrokerHeartbeatIntervalMs          int32 // broker.heartbeat.interval.ms
	BrokerSessionTimeoutMs             int32 // broker.session.timeout.ms
	InitialBrokerRegistrationTimeoutMs int32 // initial.broker.registration.timeout.ms

	// Listeners and network.
	Listeners []Listener // listeners, with protocols; empty host binds all interfaces
	// AdvertisedListeners is advertised.listeners, or listeners when unset;
	// an empty host is advertised as "localhost".
	AdvertisedListeners     []Listener
	ListenerProtocols       map[string]SecurityProtocol // effective listener.security.protocol.map
	InterBrokerListenerName string                      // inter.broker.listener.name or security.inter.broker.protocol

	SocketSendBufferBytes        int32            // socket.send.buffer.bytes
	SocketReceiveBufferBytes     int32            // socket.receive.buffer.bytes
	SocketRequestMaxBytes        int32            // socket.request.max.bytes
	SocketListenBacklogSize      int32            // socket.listen.backlog.size
	NumNetworkThreads            int32            // num.network.threads
	NumIOThreads                 int32            // num.io.threads
	BackgroundThreads            int32            // background.threads
	QueuedMaxRequests            int32            // queued.max.requests
	QueuedMaxRequestBytes        int64            // queued.max.request.bytes
	MaxConnections               int32            // max.connections
	MaxConnectionsPerIP          int32            // max.connections.per.ip
	MaxConnectionsPerIPOverrides map[string]int32 // max.connections.per.ip.overrides
	MaxConnectionCreationRate    int32            // max.connection.creation.rate
	ConnectionsMaxIdleMs         int64            // connections.max.idle.ms
	FailedAuthenticationDelayMs  int32            // connection.failed.authentication.delay.ms
	RequestTimeoutMs             int32            // request.timeout.ms
	MetricsAddress               string           // spool.metrics.address; "" disables /metrics

	// Security.
	SASLEnabledMechanisms            []string // sasl.enabled.mechanisms
	SASLMechanismInterBrokerProtocol string   // sasl.mechanism.inter.broker.protocol
	SASLMechanismControllerProtocol  string   // sasl.mechanism.controller.protocol
	SSLKeystoreLocation              string   // ssl.keystore.location
	SSLKeystorePassword              string   // ssl.keystore.password
	SSLKeystoreType                  string   // ssl.keystore.type
	SSLKeyPassword                   string   // ssl.key.password
	SSLTruststoreLocation            string   // ssl.truststore.location
	SSLTruststorePassword            string   // ssl.truststore.password
	SSLTruststoreType                string   // ssl.truststore.type
	SSLClientAuth                    string   // ssl.client.auth
	AuthorizerClassName              string   // authorizer.class.name

	// Logs.
	LogDirs                                 []string // log.dirs, or log.dir when unset
	NumPartitions                           int32    // num.partitions
	DefaultReplicationFactor                int32    // default.replication.factor
	AutoCreateTopics                        bool     // auto.create.topics.enable
	DeleteTopicEnable                       bool     // delete.topic.enable
	LogRetentionCheckIntervalMs             int64    // log.retention.check.interval.ms
	LogFlushSchedulerIntervalMs             int64    // log.flush.scheduler.interval.ms
	LogFlushOffsetCheckpointIntervalMs      int32    // log.flush.offset.checkpoint.interval.ms
	LogFlushStartOffsetCheckpointIntervalMs int32    // log.flush.start.offset.checkpoint.interval.ms
	LogDirFailureTimeoutMs                  int64    // log.dir.failure.timeout.ms
	NumRecoveryThreadsPerDataDir            int32    // num.recovery.threads.per.data.dir
	UncleanLeaderElectionIntervalMs         int64    // unclean.leader.election.interval.ms
	// TopicDefaults is what a topic without overrides gets: log.retention.*,
	// log.segment.bytes, log.roll.*, log.flush.interval.*, log.index.*,
	// log.preallocate, log.cleanup.policy, log.cleaner.{delete.retention.ms,
	// min/max.compaction.lag.ms, min.cleanable.ratio}, log.message.timestamp.*,
	// message.max.bytes, compression.*, min.insync.replicas and
	// unclean.leader.election.enable, resolved with Kafka's synonym precedence.
	TopicDefaults Topic

	// Log cleaner.
	LogCleanerEnable              bool    // log.cleaner.enable
	LogCleanerThreads             int32   // log.cleaner.threads
	LogCleanerIOMaxBytesPerSecond float64 // log.cleaner.io.max.bytes.per.second
	LogCleanerDedupeBufferSize    int64   // log.cleaner.dedupe.buffer.size
	LogCleanerIOBufferSize        int32   // log.cleaner.io.buffer.size
	LogCleanerIOBufferLoadFactor  float64 // log.cleaner.io.buffer.load.factor
	LogCleanerBackoffMs           int64   // log.cleaner.backoff.ms

	// Replication and fetch.
	ReplicaLagTimeMaxMs                      int64 // replica.lag.time.max.ms
	ReplicaSocketTimeoutMs                   int32 // replica.socket.timeout.ms
	ReplicaSocketReceiveBufferBytes          int32 // replica.socket.receive.buffer.bytes
	ReplicaFetchMaxBytes                     int32 // replica.fetch.max.bytes
	ReplicaFetchWaitMaxMs                    int32 // replica.fetch.wait.max.ms
	ReplicaFetchMinBytes                     int32 // replica.fetch.min.bytes
	ReplicaFetchBackoffMs                    int32 // replica.fetch.backoff.ms
	ReplicaFetchResponseMaxBytes             int32 // replica.fetch.response.max.bytes
	NumReplicaFetchers                       int32 // num.replica.fetchers
	ReplicaHighWatermarkCheckpointIntervalMs int64 // replica.high.watermark.checkpoint.interval.ms
	AutoLeaderRebalanceEnable                bool  // auto.leader.rebalance.enable
	LeaderImbalancePerBrokerPercentage       int32 // leader.imbalance.per.broker.percentage
	LeaderImbalanceCheckIntervalSeconds      int64 // leader.imbalance.check.interval.seconds
	LeaderReplicationThrottledRate           int64 // leader.replication.throttled.rate
	FollowerReplicationThrottledRate         int64 // follower.replication.throttled.rate
	ReplicationQuotaWindowNum                int32 // replication.quota.window.num
	ReplicationQuotaWindowSizeSeconds        int32 // replication.quota.window.size.seconds
	MaxIncrementalFetchSessionCacheSlots     int32 // max.incremental.fetch.session.cache.slots
	FetchMaxBytes                            int32 // fetch.max.bytes

	// Group coordinator and offsets.
	GroupMinSessionTimeoutMs            int32    // group.min.session.timeout.ms
	GroupMaxSessionTimeoutMs            int32    // group.max.session.timeout.ms
	GroupInitialRebalanceDelayMs        int32    // group.initial.rebalance.delay.ms
	GroupMaxSize                        int32    // group.max.size
	GroupRebalanceProtocols             []string // group.coordinator.rebalance.protocols
	GroupConsumerSessionTimeoutMs       int32    // group.consumer.session.timeout.ms
	GroupConsumerMinSessionTimeoutMs    int32    // group.consumer.min.session.timeout.ms
	GroupConsumerMaxSessionTimeoutMs    int32    // group.consumer.max.session.timeout.ms
	GroupConsumerHeartbeatIntervalMs    int32    // group.consumer.heartbeat.interval.ms
	GroupConsumerMinHeartbeatIntervalMs int32    // group.consumer.min.heartbeat.interval.ms
	GroupConsumerMaxHeartbeatIntervalMs int32    // group.consumer.max.heartbeat.interval.ms
	GroupConsumerMaxSize                int32    // group.consumer.max.size
	GroupConsumerAssignors              []string // group.consumer.assignors
	GroupConsumerMigrationPolicy        string   // group.consumer.migration.policy, lower case
	OffsetsTopicNumPartitions           int32    // offsets.topic.num.partitions
	OffsetsTopicReplicationFactor       int16    // offsets.topic.replication.factor
	OffsetsTopicSegmentBytes            int32    // offsets.topic.segment.bytes
	OffsetsTopicCompressionCodec        int32    // offsets.topic.compression.codec
	OffsetsRetentionMinutes             int32    // offsets.retention.minutes
	OffsetsRetentionCheckIntervalMs     int64    // offsets.retention.check.interval.ms
	OffsetsCommitTimeoutMs              int32    // offsets.commit.timeout.ms
	OffsetMetadataMaxBytes              int32    // offset.metadata.max.bytes
	OffsetsLoadBufferSize               int32    // offsets.load.buffer.size
	ShareStateTopicReplicationFactor    int16    // share.coordinator.state.topic.replication.factor
	ShareStateTopicMinISR               int16    // share.coordinator.state.topic.min.isr

	// Transactions and producer ids.
	TransactionStateLogNumPartitions     int32 // transaction.state.log.num.partitions
	TransactionStateLogReplicationFactor int16 // transaction.state.log.replication.factor
	TransactionStateLogMinISR            int32 // transaction.state.log.min.isr
	TransactionStateLogSegmentBytes      int32 // transaction.state.log.segment.bytes
	TransactionStateLogLoadBufferSize    int32 // transaction.state.log.load.buffer.size
	TransactionMaxTimeoutMs              int32 // transaction.max.timeout.ms
	TransactionalIDExpirationMs          int32 // transactional.id.expiration.ms
	TransactionAbortTimedOutIntervalMs   int32 // transaction.abort.timed.out.transaction.cleanup.interval.ms
	TransactionRemoveExpiredIntervalMs   int32 // transaction.remove.expired.transaction.cleanup.interval.ms
	TransactionPartitionVerification     bool  // transaction.partition.verification.enable
	ProducerIDExpirationMs               int32 // producer.id.expiration.ms
	ProducerIDExpirationCheckIntervalMs  int32 // producer.id.expiration.check.interval.ms

	// brokerID is broker.id as resolved, kept to check it against node.id.
	brokerID int32
	// listenerErr is a listener problem found while resolving, reported by
	// Validate with the other cross-key rules.
	listenerErr error
}

// Default is the configuration of `spool server` with no config file: a
// combined broker and controller on localhost:9092 (controller on 9093)
// keeping data in ./data.
func Default() *Broker {
	b, _, err := Parse(nil)
	if err != nil {
		panic("config: defaults do not parse: " + err.Error())
	}
	return b
}

// Load reads a Java properties file (server.properties) and parses it.
func Load(path string) (*Broker, []string, error) {
	props, err := ReadProperties(path)
	if err != nil {
		return nil, nil, err
	}
	b, warnings, err := Parse(props)
	if err != nil {
		return nil, warnings, fmt.Errorf("load %s: %w", path, err)
	}
	return b, warnings, nil
}

// ReadProperties reads a Java properties file as UTF-8, leaving ${...}
// references as written.
func ReadProperties(path string) (map[string]string, error) {
	l := properties.Loader{Encoding: properties.UTF8, DisableExpansion: true}
	p, err := l.LoadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return p.Map(), nil
}

// Parse builds a node configuration from server.properties key/values over
// the defaults. Unknown keys come back as warnings; bad values are errors
// naming the key, the value and the problem. Cross-key rules are checked by
// Validate, so callers may adjust the result first.
func Parse(props map[string]string) (*Broker, []string, error) {
	raw := maps.Clone(props)
	if raw == nil {
		raw = map[string]string{}
	}
	b, err := ResolveBroker(Layers{Static: raw})
	if err != nil {
		return nil, staticWarnings(raw), err
	}
	return b, staticWarnings(raw), nil
}

// ResolveBroker builds the effective node configuration from the broker
// layers (the Topic layer is ignored); Raw is a copy of the Static layer.
// Keys that are not broker configs are skipped.
func ResolveBroker(l Layers) (*Broker, error) {
	v, err := l.brokerValues()
	if err != nil {
		return nil, err
	}
	topic, err := ResolveTopic(Layers{DynamicBroker: l.DynamicBroker, DynamicDefault: l.DynamicDefault, Static: l.Static})
	if err != nil {
		return nil, err
	}
	b := &Broker{Raw: maps.Clone(l.Static), TopicDefaults: topic}
	b.fillNode(v, l)
	b.fillNetwork(v)
	b.fillSecurity(v)
	b.fillLog(v)
	b.fillReplication(v)
	b.fillGroup(v)
	b.fillTransaction(v)
	return b, nil
}

// removedKeys are Kafka keys that Spool knows and deliberately ignores.
var removedKeys = map[string]string{
	"zookeeper.connect":             "Spool keeps metadata in its own Raft quorum",
	"inter.broker.protocol.version": "the metadata version is set when the cluster is formatted",
	"log.message.format.version":    "removed in Kafka 4.0; record batches are always v2",
}

// staticWarnings lists unknown keys of server.properties and defaults that
// Spool changed for one node but that a multi-node cluster should set.
func staticWarnings(raw map[string]string) []string {
	var w []string
	for k := range raw {
		if _, ok := lookupBrokerDef(k); ok {
			continue
		}
		if why, ok := removedKeys[k]; ok {
			w = append(w, fmt.Sprintf("config %s is ignored: %s", k, why))
			continue
		}
		w = append(w, fmt.Sprintf("unknown config %s is ignored", k))
	}
	sort.Strings(w)
	return append(w, singleNodeWarnings(raw)...)
}

// singleNodeKeys default lower in Spool than in Kafka so that one node works.
var singleNodeKeys = []struct{ key, kafka string }{
	{"offsets.topic.replication.factor", "3"},
	{"transaction.state.log.replication.factor", "3"},
	{"transaction.state.log.min.isr", "2"},
}

func singleNodeWarnings(raw map[string]string) []string {
	if !looksMultiNode(raw) {
		return nil
	}
	var w []string
	for _, k := range singleNodeKeys {
		if _, ok := raw[k.key]; !ok {
			d, _ := lookupBrokerDef(k.key)
			w = append(w, fmt.Sprintf("%s is unset and defaults to %s in Spool (Kafka: %s); set it for a multi-node cluster",
				k.key, d.Default, k.kafka))
		}
	}
	return w
}

// looksMultiNode reports whether the file describes a node of a larger
// cluster: a single role, several voters or a dynamic quorum.
func looksMultiNode(raw map[string]string) bool {
	if roles, ok := raw["process.roles"]; ok && len(splitList(roles)) == 1 {
		return true
	}
	if _, ok := raw["controller.quorum.bootstrap.servers"]; ok {
		return true
	}
	return len(splitList(raw["controller.quorum.voters"])) > 1
}

// IsBroker reports whether the node has the broker role.
func (b *Broker) IsBroker() bool { return hasRole(b.ProcessRoles, "broker") }

// IsController reports whether the node has the controller role.
func (b *Broker) IsController() bool { return hasRole(b.ProcessRoles, "controller") }

func hasRole(roles []string, r string) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

// isControllerListener reports whether name is one of controller.listener.names.
func (b *Broker) isControllerListener(name string) bool {
	for _, n := range b.ControllerListenerNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// BrokerListeners are the advertised listeners that clients and other
// brokers use: every advertised listener that is not a controller listener.
func (b *Broker) BrokerListeners() []Listener {
	var out []Listener
	for _, l := range b.AdvertisedListeners {
		if !b.isControllerListener(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

// ControllerListeners are the listeners this node binds for the controller
// role.
func (b *Broker) ControllerListeners() []Listener {
	var out []Listener
	for _, l := range b.Listeners {
		if b.isControllerListener(l.Name) {
			out = append(out, l)
		}
	}
	return out
}

// InterBrokerListener is the advertised listener other brokers reach this
// one on; ok is false when none matches inter.broker.listener.name.
func (b *Broker) InterBrokerListener() (Listener, bool) {
	for _, l := range b.AdvertisedListeners {
		if l.Name == b.InterBrokerListenerName {
			return l, true
		}
	}
	return Listener{}, false
}
