package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, props map[string]string) *Broker {
	t.Helper()
	b, _, err := Parse(props)
	if err != nil {
		t.Fatalf("Parse(%v): %v", props, err)
	}
	return b
}

func TestDefaultIsAWorkingSingleNode(t *testing.T) {
	b := Default()
	if err := b.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if !b.IsBroker() || !b.IsController() || b.NodeID != 1 {
		t.Errorf("roles %v, node %d; want combined node 1", b.ProcessRoles, b.NodeID)
	}
	if want := []Voter{{ID: 1, Host: "localhost", Port: 9093}}; !reflect.DeepEqual(b.QuorumVoters, want) {
		t.Errorf("voters = %v, want %v", b.QuorumVoters, want)
	}
	wantListeners := []Listener{{"PLAINTEXT", "", 9092, Plaintext}, {"CONTROLLER", "", 9093, Plaintext}}
	if !reflect.DeepEqual(b.Listeners, wantListeners) {
		t.Errorf("listeners = %v, want %v", b.Listeners, wantListeners)
	}
	wantAdvertised := []Listener{{"PLAINTEXT", "localhost", 9092, Plaintext}, {"CONTROLLER", "localhost", 9093, Plaintext}}
	if !reflect.DeepEqual(b.AdvertisedListeners, wantAdvertised) {
		t.Errorf("advertised = %v, want %v", b.AdvertisedListeners, wantAdvertised)
	}
	if got := b.BrokerListeners(); len(got) != 1 || got[0].Addr() != "localhost:9092" {
		t.Errorf("BrokerListeners() = %v", got)
	}
	if got := b.ControllerListeners(); len(got) != 1 || got[0].Port != 9093 {
		t.Errorf("ControllerListeners() = %v", got)
	}
	if l, ok := b.InterBrokerListener(); !ok || l.Name != "PLAINTEXT" {
		t.Errorf("InterBrokerListener() = %v, %v", l, ok)
	}
	if !reflect.DeepEqual(b.LogDirs, []string{"./data"}) || b.MetadataLogDir != "./data" {
		t.Errorf("log dirs %v, metadata %q", b.LogDirs, b.MetadataLogDir)
	}
	if b.MetricsAddress != ":9644" {
		t.Errorf("metrics address %q", b.MetricsAddress)
	}
	if b.OffsetsTopicReplicationFactor != 1 || b.TransactionStateLogReplicationFactor != 1 || b.TransactionStateLogMinISR != 1 {
		t.Error("internal topics must default to one replica on a single node")
	}
}

func TestDefaultsAreKafkas(t *testing.T) {
	b := Default()
	checks := []struct {
		name      string
		got, want any
	}{
		{"num.partitions", b.NumPartitions, int32(1)},
		{"default.replication.factor", b.DefaultReplicationFactor, int32(1)},
		{"auto.create.topics.enable", b.AutoCreateTopics, true},
		{"delete.topic.enable", b.DeleteTopicEnable, true},
		{"socket.request.max.bytes", b.SocketRequestMaxBytes, int32(104857600)},
		{"num.network.threads", b.NumNetworkThreads, int32(3)},
		{"num.io.threads", b.NumIOThreads, int32(8)},
		{"num.recovery.threads.per.data.dir", b.NumRecoveryThreadsPerDataDir, int32(2)},
		{"connections.max.idle.ms", b.ConnectionsMaxIdleMs, int64(600000)},
		{"max.connections", b.MaxConnections, int32(2147483647)},
		{"log.retention.check.interval.ms", b.LogRetentionCheckIntervalMs, int64(300000)},
		{"log.cleaner.dedupe.buffer.size", b.LogCleanerDedupeBufferSize, int64(134217728)},
		{"log.cleaner.io.buffer.load.factor", b.LogCleanerIOBufferLoadFactor, 0.9},
		{"replica.lag.time.max.ms", b.ReplicaLagTimeMaxMs, int64(30000)},
		{"replica.fetch.max.bytes", b.ReplicaFetchMaxBytes, int32(1048576)},
		{"fetch.max.bytes", b.FetchMaxBytes, int32(57671680)},
		{"max.incremental.fetch.session.cache.slots", b.MaxIncrementalFetchSessionCacheSlots, int32(1000)},
		{"offsets.topic.num.partitions", b.OffsetsTopicNumPartitions, int32(50)},
		{"offsets.retention.minutes", b.OffsetsRetentionMinutes, int32(10080)},
		{"group.initial.rebalance.delay.ms", b.GroupInitialRebalanceDelayMs, int32(3000)},
		{"group.min.session.timeout.ms", b.GroupMinSessionTimeoutMs, int32(6000)},
		{"group.max.session.timeout.ms", b.GroupMaxSessionTimeoutMs, int32(1800000)},
		{"group.coordinator.rebalance.protocols", b.GroupRebalanceProtocols, []string{"classic", "consumer"}},
		{"group.consumer.migration.policy", b.GroupConsumerMigrationPolicy, "bidirectional"},
		{"transaction.max.timeout.ms", b.TransactionMaxTimeoutMs, int32(900000)},
		{"transactional.id.expiration.ms", b.TransactionalIDExpirationMs, int32(604800000)},
		{"producer.id.expiration.ms", b.ProducerIDExpirationMs, int32(86400000)},
		{"broker.heartbeat.interval.ms", b.BrokerHeartbeatIntervalMs, int32(2000)},
		{"broker.session.timeout.ms", b.BrokerSessionTimeoutMs, int32(9000)},
		{"retention.ms", b.TopicDefaults.RetentionMs, int64(604800000)},
		{"retention.bytes", b.TopicDefaults.RetentionBytes, int64(-1)},
		{"segment.bytes", b.TopicDefaults.SegmentBytes, int32(1073741824)},
		{"segment.ms", b.TopicDefaults.SegmentMs, int64(604800000)},
		{"max.message.bytes", b.TopicDefaults.MaxMessageBytes, int32(1048588)},
		{"message.timestamp.after.max.ms", b.TopicDefaults.TimestampAfterMaxMs, int64(3600000)},
		{"cleanup.policy", b.TopicDefaults.CleanupPolicy, CleanupPolicy{Delete: true}},
		{"compression.type", b.TopicDefaults.CompressionType, CompressionProducer},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestParseEveryType(t *testing.T) {
	b := mustParse(t, map[string]string{
		"auto.create.topics.enable":           "FALSE",                   // BOOLEAN
		"broker.rack":                         "rack-a",                  // STRING
		"num.partitions":                      "12",                      // INT
		"offsets.topic.replication.factor":    "3",                       // SHORT
		"log.cleaner.dedupe.buffer.size":      "268435456",               // LONG
		"log.cleaner.io.max.bytes.per.second": "1e6",                     // DOUBLE
		"sasl.enabled.mechanisms":             "PLAIN, SCRAM-SHA-256",    // LIST
		"ssl.keystore.password":               "secret",                  // PASSWORD
		"max.connections.per.ip.overrides":    "127.0.0.1:10,host.a:200", // map-shaped STRING
		"log.cleanup.policy":                  "compact,delete",
	})
	if b.AutoCreateTopics || b.Rack != "rack-a" || b.NumPartitions != 12 || b.OffsetsTopicReplicationFactor != 3 {
		t.Errorf("bool/string/int/short not parsed: %v %q %d %d", b.AutoCreateTopics, b.Rack, b.NumPartitions, b.OffsetsTopicReplicationFactor)
	}
	if b.LogCleanerDedupeBufferSize != 268435456 || b.LogCleanerIOMaxBytesPerSecond != 1e6 {
		t.Errorf("long/double not parsed: %d %v", b.LogCleanerDedupeBufferSize, b.LogCleanerIOMaxBytesPerSecond)
	}
	if !reflect.DeepEqual(b.SASLEnabledMechanisms, []string{"PLAIN", "SCRAM-SHA-256"}) || b.SSLKeystorePassword != "secret" {
		t.Errorf("list/password not parsed: %v %q", b.SASLEnabledMechanisms, b.SSLKeystorePassword)
	}
	if want := map[string]int32{"127.0.0.1": 10, "host.a": 200}; !reflect.DeepEqual(b.MaxConnectionsPerIPOverrides, want) {
		t.Errorf("overrides = %v", b.MaxConnectionsPerIPOverrides)
	}
	if b.TopicDefaults.CleanupPolicy != (CleanupPolicy{Delete: true, Compact: true}) {
		t.Errorf("cleanup policy = %+v", b.TopicDefaults.CleanupPolicy)
	}
}

func TestSynonymPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		get   func(Topic) int64
		want  int64
	}{
		{"retention default", nil, retention, 604800000},
		{"retention hours", map[string]string{"log.retention.hours": "1"}, retention, 3600000},
		{"retention minutes over hours", map[string]string{"log.retention.hours": "1", "log.retention.minutes": "5"}, retention, 300000},
		{"retention ms over minutes", map[string]string{"log.retention.minutes": "5", "log.retention.ms": "1000"}, retention, 1000},
		{"retention ms over hours", map[string]string{"log.retention.hours": "1", "log.retention.ms": "1000"}, retention, 1000},
		{"retention negative is unlimited", map[string]string{"log.retention.ms": "-5"}, retention, -1},
		{"retention hours -1 is unlimited", map[string]string{"log.retention.hours": "-1"}, retention, -1},
		{"roll default", nil, segmentMs, 604800000},
		{"roll hours", map[string]string{"log.roll.hours": "2"}, segmentMs, 7200000},
		{"roll ms over hours", map[string]string{"log.roll.hours": "2", "log.roll.ms": "60000"}, segmentMs, 60000},
		{"jitter hours", map[string]string{"log.roll.jitter.hours": "1"}, jitter, 3600000},
		{"jitter ms over hours", map[string]string{"log.roll.jitter.hours": "1", "log.roll.jitter.ms": "10"}, jitter, 10},
		{"flush from scheduler", map[string]string{"log.flush.scheduler.interval.ms": "2000"}, flushMs, 2000},
		{"flush interval over scheduler", map[string]string{"log.flush.scheduler.interval.ms": "2000", "log.flush.interval.ms": "500"}, flushMs, 500},
		{"message.max.bytes", map[string]string{"message.max.bytes": "2000000"}, func(t Topic) int64 { return int64(t.MaxMessageBytes) }, 2000000},
		{"segment bytes", map[string]string{"log.segment.bytes": "2097152"}, func(t Topic) int64 { return int64(t.SegmentBytes) }, 2097152},
	}
	for _, tt := range tests {
		b := mustParse(t, tt.props)
		if got := tt.get(b.TopicDefaults); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func retention(t Topic) int64 { return t.RetentionMs }
func segmentMs(t Topic) int64 { return t.SegmentMs }
func jitter(t Topic) int64    { return t.SegmentJitterMs }
func flushMs(t Topic) int64   { return t.FlushMs }

func TestLogDirs(t *testing.T) {
	tests := []struct {
		props    map[string]string
		dirs     []string
		metadata string
	}{
		{nil, []string{"./data"}, "./data"},
		{map[string]string{"log.dir": "/var/spool"}, []string{"/var/spool"}, "/var/spool"},
		{map[string]string{"log.dir": "/a", "log.dirs": "/b, /c"}, []string{"/b", "/c"}, "/b"},
		{map[string]string{"log.dirs": "/b", "metadata.log.dir": "/meta"}, []string{"/b"}, "/meta"},
	}
	for _, tt := range tests {
		b := mustParse(t, tt.props)
		if !reflect.DeepEqual(b.LogDirs, tt.dirs) || b.MetadataLogDir != tt.metadata {
			t.Errorf("%v: dirs %v metadata %q, want %v %q", tt.props, b.LogDirs, b.MetadataLogDir, tt.dirs, tt.metadata)
		}
	}
}

func TestNodeIDAndBrokerIDAreAliases(t *testing.T) {
	for _, props := range []map[string]string{
		{"node.id": "1"},
		{"broker.id": "1"},
		{"node.id": "1", "broker.id": "1"},
	} {
		b := mustParse(t, props)
		if b.NodeID != 1 || b.Validate() != nil {
			t.Errorf("%v: node %d, validate %v", props, b.NodeID, b.Validate())
		}
	}
	b := mustParse(t, map[string]string{"broker.id": "7", "controller.quorum.voters": "7@localhost:9093"})
	if b.NodeID != 7 {
		t.Errorf("broker.id=7 gives node id %d", b.NodeID)
	}
	b = mustParse(t, map[string]string{"node.id": "1", "broker.id": "2"})
	if err := b.Validate(); err == nil || !strings.Contains(err.Error(), "node.id (1) and broker.id (2) must be the same") {
		t.Errorf("mismatched ids: %v", err)
	}
}

func TestUnknownKeysAreWarnings(t *testing.T) {
	b, warnings, err := Parse(map[string]string{
		"num.partitions":    "3",
		"foo.bar":           "1",
		"zookeeper.connect": "localhost:2181",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"config zookeeper.connect is ignored: Spool keeps metadata in its own Raft quorum",
		"unknown config foo.bar is ignored",
	}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	if b.Raw["foo.bar"] != "1" || b.NumPartitions != 3 {
		t.Errorf("raw keys must be kept: %v", b.Raw)
	}
}

func TestMultiNodeWarnsAboutSingleNodeDefaults(t *testing.T) {
	_, w, err := Parse(map[string]string{
		"process.roles":                    "broker",
		"node.id":                          "2",
		"listeners":                        "PLAINTEXT://:9092",
		"offsets.topic.replication.factor": "3",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(w) != 2 || !strings.HasPrefix(w[0], "transaction.state.log.replication.factor is unset and defaults to 1 in Spool (Kafka: 3)") ||
		!strings.HasPrefix(w[1], "transaction.state.log.min.isr is unset and defaults to 1 in Spool (Kafka: 2)") {
		t.Errorf("warnings = %q", w)
	}
	if _, w, _ := Parse(nil); len(w) != 0 {
		t.Errorf("single node warns: %q", w)
	}
}

func TestBadValues(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{"log.segment.bytes", "abc", `Invalid value abc for configuration log.segment.bytes: Not a number of type INT`},
		{"log.segment.bytes", "1000", `Invalid value 1000 for configuration log.segment.bytes: Value must be at least 1048576`},
		{"num.partitions", "0", `Invalid value 0 for configuration num.partitions: Value must be at least 1`},
		{"num.partitions", "99999999999", `Invalid value 99999999999 for configuration num.partitions: Not a number of type INT`},
		{"auto.create.topics.enable", "yes", `Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false`},
		{"compression.type", "GZIP", `Invalid value GZIP for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer`},
		{"log.message.timestamp.type", "Append", `Invalid value Append for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime`},
		{"log.cleanup.policy", "compact,foo", `Invalid value compact,foo for configuration log.cleanup.policy: "foo" is not one of: compact, delete`},
		{"log.cleaner.min.cleanable.ratio", "1.5", `Invalid value 1.5 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1.0`},
		{"log.cleaner.io.buffer.load.factor", "x", `Invalid value x for configuration log.cleaner.io.buffer.load.factor: Not a number of type DOUBLE`},
		{"compression.zstd.level", "23", `Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22`},
		{"process.roles", "broker,zookeeper", `Invalid value broker,zookeeper for configuration process.roles: "zookeeper" is not one of: broker, controller`},
		{"listeners", "PLAINTEXT:/9092", `Invalid value PLAINTEXT:/9092 for configuration listeners: cannot parse "PLAINTEXT:/9092" as NAME://host:port`},
		{"controller.quorum.voters", "1@localhost", `Invalid value 1@localhost for configuration controller.quorum.voters: cannot parse "1@localhost": each entry should be in the form {id}@{host}:{port}`},
		{"listener.security.protocol.map", "PLAINTEXT:TLS", `Invalid value PLAINTEXT:TLS for configuration listener.security.protocol.map: invalid security protocol "TLS" for listener PLAINTEXT`},
		{"spool.metrics.address", "9644", `Invalid value 9644 for configuration spool.metrics.address: not a host:port address`},
		{"log.roll.ms", "0", `Invalid value 0 for configuration log.roll.ms: Value must be at least 1`},
		{"log.retention.hours", "x", `Invalid value x for configuration log.retention.hours: Not a number of type INT`},
		{"group.consumer.migration.policy", "both", `Invalid value both for configuration group.consumer.migration.policy: String must be one of (case insensitive): bidirectional, upgrade, downgrade, disabled`},
	}
	for _, tt := range tests {
		_, _, err := Parse(map[string]string{tt.key: tt.value})
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s=%s: got %v, want %s", tt.key, tt.value, err, tt.want)
		}
		var iv *InvalidValueError
		if !errors.As(err, &iv) || iv.Key != tt.key || iv.Value != tt.value {
			t.Errorf("%s=%s: error %#v does not carry key and value", tt.key, tt.value, err)
		}
	}
}

func TestAllBadValuesAreReported(t *testing.T) {
	_, _, err := Parse(map[string]string{"num.partitions": "x", "num.io.threads": "0"})
	if err == nil || !strings.Contains(err.Error(), "num.partitions") || !strings.Contains(err.Error(), "num.io.threads") {
		t.Errorf("got %v, want both keys reported", err)
	}
}

func TestSampleServerPropertiesIsTheDefault(t *testing.T) {
	b, warnings, err := Load(filepath.Join("..", "..", "config", "server.properties"))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	// The sample spells out the defaults: apart from what the file said, it
	// must configure exactly what no file does.
	b.Raw = nil
	d := Default()
	d.Raw = nil
	if !reflect.DeepEqual(b, d) {
		t.Errorf("sample differs from Default():\n%+v\n%+v", b, d)
	}
}

// A Kafka 4.0 combined-mode server.properties, as Kafka ships it.
const kafkaSample = `
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
log.dirs=/tmp/kraft-combined-logs
num.partitions=1
num.recovery.threads.per.data.dir=1
offsets.topic.replication.factor=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
log.retention.hours=168
log.segment.bytes=1073741824
log.retention.check.interval.ms=300000
`

func TestLoadKafkaServerProperties(t *testing.T) {
	path := filepath.Join(t.TempDir(), "server.properties")
	if err := os.WriteFile(path, []byte(kafkaSample), 0o644); err != nil {
		t.Fatal(err)
	}
	b, warnings, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	if err := b.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if len(b.QuorumVoters) != 0 || !reflect.DeepEqual(b.QuorumBootstrapServers, []string{"localhost:9093"}) {
		t.Errorf("a dynamic quorum must not get the default voters: %v %v", b.QuorumVoters, b.QuorumBootstrapServers)
	}
	if b.Raw["log.dirs"] != "/tmp/kraft-combined-logs" || b.LogDirs[0] != "/tmp/kraft-combined-logs" {
		t.Errorf("log dirs %v", b.LogDirs)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.properties")
	if _, _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.properties")
	if err := os.WriteFile(bad, []byte("# comment\nnum.partitions = many\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Load(bad)
	if err == nil || err.Error() != "load "+bad+": Invalid value many for configuration num.partitions: Not a number of type INT" {
		t.Errorf("bad value: %v", err)
	}
	expand := filepath.Join(dir, "expand.properties")
	if err := os.WriteFile(expand, []byte("broker.rack=${HOME}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _, err := Load(expand); err != nil || b.Rack != "${HOME}" {
		t.Errorf("values must not be expanded: %v %q", err, b.Rack)
	}
}

func TestResolveBrokerLayers(t *testing.T) {
	b, err := ResolveBroker(Layers{
		Static:         map[string]string{"message.max.bytes": "1000", "num.io.threads": "4"},
		DynamicDefault: map[string]string{"message.max.bytes": "2000", "log.retention.ms": "5000"},
		DynamicBroker:  map[string]string{"message.max.bytes": "3000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.TopicDefaults.MaxMessageBytes != 3000 || b.TopicDefaults.RetentionMs != 5000 || b.NumIOThreads != 4 {
		t.Errorf("got max.message.bytes %d, retention %d, io threads %d",
			b.TopicDefaults.MaxMessageBytes, b.TopicDefaults.RetentionMs, b.NumIOThreads)
	}
	if _, err := ResolveBroker(Layers{DynamicBroker: map[string]string{"num.io.threads": "zero"}}); err == nil {
		t.Error("a bad dynamic value must fail")
	}
}

func TestMigrationPolicyIgnoresCase(t *testing.T) {
	b := mustParse(t, map[string]string{"group.consumer.migration.policy": "UpGrade"})
	if b.GroupConsumerMigrationPolicy != "upgrade" {
		t.Errorf("group.consumer.migration.policy = %q, want upgrade", b.GroupConsumerMigrationPolicy)
	}
}
