package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// clientRole is the kind of Java client a tool stands in for; it decides
// which configuration keys apply.
type clientRole int

const (
	roleAdmin clientRole = iota
	roleProducer
	roleConsumer
)

func (r clientRole) String() string {
	switch r {
	case roleProducer:
		return "ProducerConfig"
	case roleConsumer:
		return "ConsumerConfig"
	}
	return "AdminClientConfig"
}

// clientConfig is a franz-go client set up from Java client properties
// (bootstrap.servers, acks, linger.ms, ...), so that the property files
// users pass to Kafka's tools work unchanged.
type clientConfig struct {
	role clientRole
	opts []kgo.Opt
	// apiTimeout bounds each admin operation (default.api.timeout.ms).
	apiTimeout time.Duration
	// Consumer settings the tools act on themselves.
	groupID         string
	offsetReset     string
	maxPollRecords  int
	autoCommit      bool
	excludeInternal bool
	balancers       bool // partition.assignment.strategy given
	serverAssigned  bool // group.protocol=consumer
	// Producer settings the tools need to know.
	transactionalID string
	deliveryTimeout bool // delivery.timeout.ms given
	autoCreate      bool // allow.auto.create.topics
	// ack/idempotence keys interact, so they are resolved after all keys.
	acks             string
	idempotence      string
	maxInFlight      int
	compression      []kgo.CompressionCodec
	level            map[string]int
	securityProtocol string
	tls              tlsSettings
	sasl             saslSettings
}

// setter applies one property to a clientConfig.
type setter func(c *clientConfig, value string) error

// newClientConfig maps Java client properties to franz-go options, warning
// on stderr about keys the role does not know, as Kafka's clients log them.
func newClientConfig(role clientRole, p props, warn io.Writer) (*clientConfig, error) {
	c := &clientConfig{
		role:           role,
		apiTimeout:     60 * time.Second,
		maxPollRecords: 500,
		autoCommit:     true,
		autoCreate:     true,
		acks:           "all",
	}
	keys := clientKeys(role)
	names := make([]string, 0, len(p))
	for k := range p {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		set, ok := keys[k]
		switch {
		case ok:
			if err := set(c, strings.TrimSpace(p[k])); err != nil {
				return nil, err
			}
		case ignoredKey(k):
		default:
			fmt.Fprintf(warn, "WARN The configuration '%s' was supplied but isn't a known config. (%s)\n", k, role)
		}
	}
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// ignoredKey reports keys that Java clients know but that mean nothing to a
// franz-go client (serializers: the tools move raw bytes; JVM socket and
// metrics knobs), so they are accepted without a warning.
func ignoredKey(k string) bool {
	switch k {
	case "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
		"receive.buffer.bytes", "send.buffer.bytes", "reconnect.backoff.ms", "reconnect.backoff.max.ms",
		"client.dns.lookup", "max.block.ms", "batch.size", "partitioner.class", "partitioner.ignore.keys",
		"partitioner.adaptive.partitioning.enable", "partitioner.availability.timeout.ms",
		"interceptor.classes", "metric.reporters", "metrics.num.samples", "metrics.recording.level",
		"metrics.sample.window.ms", "auto.include.jmx.reporter", "enable.metrics.push",
		"group.remote.assignor", "retry.backoff.max.ms",
		"security.providers", "ssl.protocol", "ssl.enabled.protocols", "ssl.provider", "ssl.cipher.suites",
		"ssl.keymanager.algorithm", "ssl.trustmanager.algorithm", "ssl.secure.random.implementation",
		"sasl.kerberos.service.name", "sasl.login.class", "sasl.client.callback.handler.class",
		"sasl.login.callback.handler.class", "bootstrap.controllers":
		return true
	}
	return false
}

// clientKeys lists the Java client properties a role understands.
func clientKeys(role clientRole) map[string]setter {
	keys := map[string]setter{
		"bootstrap.servers": func(c *clientConfig, v string) error {
			c.opts = append(c.opts, kgo.SeedBrokers(splitList(v)...))
			return nil
		},
		"client.id":                              func(c *clientConfig, v string) error { c.opts = append(c.opts, kgo.ClientID(v)); return nil },
		"metadata.max.age.ms":                    msOpt("metadata.max.age.ms", kgo.MetadataMaxAge),
		"connections.max.idle.ms":                msOpt("connections.max.idle.ms", kgo.ConnIdleTimeout),
		"socket.connection.setup.timeout.ms":     msOpt("socket.connection.setup.timeout.ms", kgo.DialTimeout),
		"socket.connection.setup.timeout.max.ms": msOpt("socket.connection.setup.timeout.max.ms", kgo.DialTimeout),
		"retry.backoff.ms": func(c *clientConfig, v string) error {
			d, err := parseMillis("retry.backoff.ms", v)
			c.opts = append(c.opts, kgo.RetryBackoffFn(func(int) time.Duration { return d }))
			return err
		},
		"request.timeout.ms": func(c *clientConfig, v string) error {
			d, err := parseMillis("request.timeout.ms", v)
			if c.role == roleProducer {
				c.opts = append(c.opts, kgo.ProduceRequestTimeout(d))
			} else {
				c.opts = append(c.opts, kgo.RequestTimeoutOverhead(d))
			}
			return err
		},
		"default.api.timeout.ms": func(c *clientConfig, v string) error {
			d, err := parseMillis("default.api.timeout.ms", v)
			c.apiTimeout = d
			return err
		},
	}
	addSecurityKeys(keys)
	switch role {
	case roleProducer:
		addProducerKeys(keys)
	case roleConsumer:
		addConsumerKeys(keys)
	case roleAdmin:
		keys["retries"] = intOpt("retries", kgo.RequestRetries)
	}
	return keys
}

func addProducerKeys(keys map[string]setter) {
	keys["acks"] = func(c *clientConfig, v string) error {
		switch v {
		case "all", "-1", "0", "1":
			c.acks = v
			return nil
		}
		return fmt.Errorf("Invalid value %s for configuration acks: String must be one of: all, -1, 0, 1", v)
	}
	keys["enable.idempotence"] = func(c *clientConfig, v string) error {
		if err := checkBool("enable.idempotence", v); err != nil {
			return err
		}
		c.idempotence = strings.ToLower(v)
		return nil
	}
	keys["max.in.flight.requests.per.connection"] = func(c *clientConfig, v string) error {
		n, err := parseInt("max.in.flight.requests.per.connection", v, "INT")
		c.maxInFlight = n
		return err
	}
	keys["compression.type"] = func(c *clientConfig, v string) error {
		codec, err := compressionCodec(v)
		c.compression = []kgo.CompressionCodec{codec}
		return err
	}
	for _, name := range []string{"gzip", "lz4", "zstd"} {
		key := "compression." + name + ".level"
		keys[key] = func(c *clientConfig, v string) error {
			n, err := parseInt(key, v, "INT")
			if c.level == nil {
				c.level = map[string]int{}
			}
			c.level[name] = n
			return err
		}
	}
	keys["linger.ms"] = msOpt("linger.ms", func(d time.Duration) kgo.Opt { return kgo.ProducerLinger(d) })
	keys["retries"] = intOpt("retries", func(n int) kgo.Opt { return kgo.RecordRetries(n) })
	keys["delivery.timeout.ms"] = func(c *clientConfig, v string) error {
		d, err := parseMillis("delivery.timeout.ms", v)
		c.opts = append(c.opts, kgo.RecordDeliveryTimeout(d))
		c.deliveryTimeout = true
		return err
	}
	keys["buffer.memory"] = intOpt("buffer.memory", func(n int) kgo.Opt { return kgo.MaxBufferedBytes(n) })
	// max.request.size caps what one produce request may carry; franz-go's
	// nearest knob is the largest batch it builds. (batch.size is only a
	// batching hint in Java and franz-go fills batches by itself.)
	keys["max.request.size"] = intOpt("max.request.size", func(n int) kgo.Opt { return kgo.ProducerBatchMaxBytes(int32(n)) })
	keys["transactional.id"] = func(c *clientConfig, v string) error {
		c.transactionalID = v
		return nil
	}
	keys["transaction.timeout.ms"] = msOpt("transaction.timeout.ms", func(d time.Duration) kgo.Opt { return kgo.TransactionTimeout(d) })
}

func addConsumerKeys(keys map[string]setter) {
	keys["group.id"] = func(c *clientConfig, v string) error { c.groupID = v; return nil }
	keys["group.instance.id"] = func(c *clientConfig, v string) error { c.opts = append(c.opts, kgo.InstanceID(v)); return nil }
	keys["group.protocol"] = func(c *clientConfig, v string) error {
		switch strings.ToLower(v) {
		case "classic":
		case "consumer":
			c.serverAssigned = true
			c.opts = append(c.opts, kgo.ServerSideBalancer())
		default:
			return fmt.Errorf("Invalid value %s for configuration group.protocol: String must be one of (case insensitive): CLASSIC, CONSUMER", v)
		}
		return nil
	}
	keys["auto.offset.reset"] = func(c *clientConfig, v string) error {
		switch v {
		case "earliest", "latest", "none":
			c.offsetReset = v
			return nil
		}
		return fmt.Errorf("Invalid value %s for configuration auto.offset.reset: Invalid value `%s` for configuration auto.offset.reset. The value must be either 'earliest', 'latest', 'none' or of the format 'by_duration:<PnDTnHnMn.nS.>'.", v, v)
	}
	keys["enable.auto.commit"] = func(c *clientConfig, v string) error {
		c.autoCommit = strings.EqualFold(v, "true")
		return checkBool("enable.auto.commit", v)
	}
	keys["auto.commit.interval.ms"] = msOpt("auto.commit.interval.ms", func(d time.Duration) kgo.Opt { return kgo.AutoCommitInterval(d) })
	keys["session.timeout.ms"] = msOpt("session.timeout.ms", func(d time.Duration) kgo.Opt { return kgo.SessionTimeout(d) })
	keys["heartbeat.interval.ms"] = msOpt("heartbeat.interval.ms", func(d time.Duration) kgo.Opt { return kgo.HeartbeatInterval(d) })
	keys["max.poll.interval.ms"] = msOpt("max.poll.interval.ms", func(d time.Duration) kgo.Opt { return kgo.RebalanceTimeout(d) })
	keys["max.poll.records"] = func(c *clientConfig, v string) error {
		n, err := parseInt("max.poll.records", v, "INT")
		c.maxPollRecords = n
		return err
	}
	keys["fetch.min.bytes"] = intOpt("fetch.min.bytes", func(n int) kgo.Opt { return kgo.FetchMinBytes(int32(n)) })
	keys["fetch.max.bytes"] = intOpt("fetch.max.bytes", func(n int) kgo.Opt { return kgo.FetchMaxBytes(int32(n)) })
	keys["max.partition.fetch.bytes"] = intOpt("max.partition.fetch.bytes", func(n int) kgo.Opt { return kgo.FetchMaxPartitionBytes(int32(n)) })
	keys["fetch.max.wait.ms"] = msOpt("fetch.max.wait.ms", func(d time.Duration) kgo.Opt { return kgo.FetchMaxWait(d) })
	keys["isolation.level"] = func(c *clientConfig, v string) error {
		level, err := isolationLevel(v)
		c.opts = append(c.opts, kgo.FetchIsolationLevel(level))
		return err
	}
	keys["partition.assignment.strategy"] = func(c *clientConfig, v string) error {
		bs, err := balancers(v)
		c.balancers = true
		c.opts = append(c.opts, kgo.Balancers(bs...))
		return err
	}
	keys["client.rack"] = func(c *clientConfig, v string) error { c.opts = append(c.opts, kgo.Rack(v)); return nil }
	keys["check.crcs"] = func(c *clientConfig, v string) error {
		if strings.EqualFold(v, "false") {
			c.opts = append(c.opts, kgo.DisableFetchCRCValidation())
		}
		return checkBool("check.crcs", v)
	}
	keys["allow.auto.create.topics"] = func(c *clientConfig, v string) error {
		c.autoCreate = strings.EqualFold(v, "true")
		return checkBool("allow.auto.create.topics", v)
	}
	keys["exclude.internal.topics"] = func(c *clientConfig, v string) error {
		c.excludeInternal = strings.EqualFold(v, "true")
		return checkBool("exclude.internal.topics", v)
	}
}

// finish resolves the keys that depend on each other and adds the
// defaults in which Java's clients and franz-go differ.
func (c *clientConfig) finish() error {
	// Java's clients ask the broker to create a missing topic (the broker's
	// auto.create.topics.enable decides); franz-go does only when told to.
	if c.role == roleProducer || c.role == roleConsumer && c.autoCreate {
		c.opts = append(c.opts, kgo.AllowAutoTopicCreation())
	}
	if c.role == roleConsumer && !c.balancers && !c.serverAssigned {
		// Java's default partition.assignment.strategy: the group picks
		// range (eager) while any member lacks cooperative-sticky, so
		// consumer-groups shows "range" as for Kafka's console consumer.
		// franz-go's own default is cooperative-sticky alone.
		c.opts = append(c.opts, kgo.Balancers(kgo.RangeBalancer(), kgo.CooperativeStickyBalancer()))
	}
	if c.role == roleProducer {
		if err := c.finishProducer(); err != nil {
			return err
		}
	}
	return c.finishSecurity()
}

// finishProducer resolves acks and idempotence the way Java's
// ProducerConfig does: acks other than all, or more than five requests in
// flight, turn idempotence off unless it was asked for explicitly, which
// is then an error.
func (c *clientConfig) finishProducer() error {
	if !c.deliveryTimeout {
		// Java's default delivery.timeout.ms; franz-go's is unlimited,
		// which would leave a tool hanging on an unreachable cluster.
		c.opts = append(c.opts, kgo.RecordDeliveryTimeout(120*time.Second))
	}
	idempotent := c.idempotence != "false"
	if c.acks != "all" && c.acks != "-1" {
		if c.idempotence == "true" {
			return errors.New("Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.")
		}
		idempotent = false
	}
	if c.maxInFlight > 5 {
		if c.idempotence == "true" {
			return errors.New("Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer.")
		}
		idempotent = false
	}
	c.opts = append(c.opts, kgo.RequiredAcks(requiredAcks(c.acks)))
	switch {
	case c.transactionalID != "":
		c.opts = append(c.opts, kgo.TransactionalID(c.transactionalID))
	case !idempotent:
		c.opts = append(c.opts, kgo.DisableIdempotentWrite())
		if c.maxInFlight > 0 {
			c.opts = append(c.opts, kgo.MaxProduceRequestsInflightPerBroker(c.maxInFlight))
		}
	}
	c.opts = append(c.opts, kgo.ProducerBatchCompression(c.codecs()...))
	return nil
}

func requiredAcks(acks string) kgo.Acks {
	switch acks {
	case "0":
		return kgo.NoAck()
	case "1":
		return kgo.LeaderAck()
	}
	return kgo.AllISRAcks()
}

// codecs is the compression to use, with levels applied. Java producers
// compress nothing unless told to; franz-go would default to snappy.
func (c *clientConfig) codecs() []kgo.CompressionCodec {
	codecs := c.compression
	if len(codecs) == 0 {
		codecs = []kgo.CompressionCodec{kgo.NoCompression()}
	}
	for i, codec := range codecs {
		if lvl, ok := c.level[codecName(codec)]; ok {
			codecs[i] = codec.WithLevel(lvl)
		}
	}
	return codecs
}

// withOpts returns the client options plus extra ones, which win.
func (c *clientConfig) withOpts(extra ...kgo.Opt) []kgo.Opt {
	return append(slices.Clip(c.opts), extra...)
}

// newAdmin connects an admin client for the tools that manage the cluster.
func newAdmin(p props, bootstrap string, warn io.Writer) (*kadm.Client, *clientConfig, error) {
	p = p.merge(props{"bootstrap.servers": bootstrap})
	cfg, err := newClientConfig(roleAdmin, p, warn)
	if err != nil {
		return nil, nil, err
	}
	cl, err := kgo.NewClient(cfg.opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("create admin client: %w", err)
	}
	return kadm.NewClient(cl), cfg, nil
}

// withTimeout bounds an admin call by default.api.timeout.ms, so that an
// unreachable cluster ends the tool instead of hanging it.
func (c *clientConfig) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.apiTimeout)
}

func compressionCodec(v string) (kgo.CompressionCodec, error) {
	switch strings.ToLower(v) {
	case "none":
		return kgo.NoCompression(), nil
	case "gzip":
		return kgo.GzipCompression(), nil
	case "snappy":
		return kgo.SnappyCompression(), nil
	case "lz4":
		return kgo.Lz4Compression(), nil
	case "zstd":
		return kgo.ZstdCompression(), nil
	}
	return kgo.CompressionCodec{}, fmt.Errorf("Invalid value %s for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd", v)
}

func codecName(c kgo.CompressionCodec) string {
	switch c {
	case kgo.GzipCompression():
		return "gzip"
	case kgo.Lz4Compression():
		return "lz4"
	case kgo.ZstdCompression():
		return "zstd"
	}
	return ""
}

func isolationLevel(v string) (kgo.IsolationLevel, error) {
	switch strings.ToLower(v) {
	case "read_uncommitted":
		return kgo.ReadUncommitted(), nil
	case "read_committed":
		return kgo.ReadCommitted(), nil
	}
	return kgo.ReadUncommitted(), fmt.Errorf("Invalid value %s for configuration isolation.level: String must be one of: read_committed, read_uncommitted", v)
}

// balancers maps Java assignor class names (or their short names) to
// franz-go's implementations of the same strategies.
func balancers(v string) ([]kgo.GroupBalancer, error) {
	var out []kgo.GroupBalancer
	for _, name := range splitList(v) {
		short := strings.ToLower(name[strings.LastIndex(name, ".")+1:])
		switch short {
		case "rangeassignor", "range":
			out = append(out, kgo.RangeBalancer())
		case "roundrobinassignor", "roundrobin":
			out = append(out, kgo.RoundRobinBalancer())
		case "stickyassignor", "sticky":
			out = append(out, kgo.StickyBalancer())
		case "cooperativestickyassignor", "cooperative-sticky":
			out = append(out, kgo.CooperativeStickyBalancer())
		default:
			return nil, fmt.Errorf("Invalid value %s for configuration partition.assignment.strategy: class %s is not supported by spool; use RangeAssignor, RoundRobinAssignor, StickyAssignor or CooperativeStickyAssignor", v, name)
		}
	}
	return out, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func msOpt[O kgo.Opt](key string, opt func(time.Duration) O) setter {
	return func(c *clientConfig, v string) error {
		d, err := parseMillis(key, v)
		c.opts = append(c.opts, opt(d))
		return err
	}
}

func intOpt[O kgo.Opt](key string, opt func(int) O) setter {
	return func(c *clientConfig, v string) error {
		n, err := parseInt(key, v, "INT")
		c.opts = append(c.opts, opt(n))
		return err
	}
}

func parseMillis(key, v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("Invalid value %s for configuration %s: Not a number of type LONG", v, key)
	}
	return time.Duration(n) * time.Millisecond, nil
}

func parseInt(key, v, kind string) (int, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("Invalid value %s for configuration %s: Not a number of type %s", v, key, kind)
	}
	return int(n), nil
}

func checkBool(key, v string) error {
	if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
		return nil
	}
	return fmt.Errorf("Invalid value %s for configuration %s: Expected value to be either true or false", v, key)
}
