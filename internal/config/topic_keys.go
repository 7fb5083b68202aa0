package config

import (
	"slices"
	"strconv"
)

// synonym is a broker key that supplies a topic key's value when the topic
// does not override it. scale converts the broker key's unit (hours,
// minutes) into the topic key's (milliseconds); 0 means the same unit.
type synonym struct {
	name  string
	scale int64
}

const (
	minutes = 60 * 1000
	hours   = 60 * minutes
)

// convert turns a raw broker value into the topic key's unit.
func (s synonym) convert(raw string) string {
	if s.scale == 0 {
		return raw
	}
	v, reason := parseType(TypeLong, raw)
	if reason != "" {
		return raw
	}
	return strconv.FormatInt(v.(int64)*s.scale, 10)
}

// topicDef is a topic key and its broker synonyms in Kafka's precedence
// order; the first one is the broker key Kafka documents as its "server
// default property".
type topicDef struct {
	Def
	synonyms []synonym
}

func same(name string) []synonym { return []synonym{{name: name}} }

// Compression codecs a topic or broker may be set to.
var compressionNames = []string{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"}

// topicDefs holds every Kafka 4.x topic-level config, sorted by name.
var topicDefs = []topicDef{
	{Def{Name: "cleanup.policy", Type: TypeList, Default: "delete", check: listOf("compact", "delete"),
		Doc: "Comma-separated policies for old log segments: delete (by retention time and size) and/or compact (keep the last record per key)."},
		same("log.cleanup.policy")},
	{Def{Name: "compression.gzip.level", Type: TypeInt, Default: "-1", check: gzipLevel,
		Doc: "Compression level used when compression.type is gzip."},
		same("compression.gzip.level")},
	{Def{Name: "compression.lz4.level", Type: TypeInt, Default: "9", check: between(1, 17),
		Doc: "Compression level used when compression.type is lz4."},
		same("compression.lz4.level")},
	{Def{Name: "compression.type", Type: TypeString, Default: "producer", check: oneOf(compressionNames...),
		Doc: "Final compression of the topic's data: a codec (uncompressed, zstd, lz4, snappy, gzip), or producer to keep what the producer sent."},
		same("compression.type")},
	{Def{Name: "compression.zstd.level", Type: TypeInt, Default: "3", check: between(-131072, 22),
		Doc: "Compression level used when compression.type is zstd."},
		same("compression.zstd.level")},
	{Def{Name: "delete.retention.ms", Type: TypeLong, Default: "86400000", check: atLeast(0),
		Doc: "How long tombstones are kept on compacted topics, which bounds how long a consumer may lag and still see deletes."},
		same("log.cleaner.delete.retention.ms")},
	{Def{Name: "file.delete.delay.ms", Type: TypeLong, Default: "60000", check: atLeast(0),
		Doc: "How long a deleted segment's files stay on disk before they are removed."},
		same("log.segment.delete.delay.ms")},
	{Def{Name: "flush.messages", Type: TypeLong, Default: "9223372036854775807", check: atLeast(1),
		Doc: "Force an fsync after this many messages; by default durability comes from replication, not fsync."},
		same("log.flush.interval.messages")},
	{Def{Name: "flush.ms", Type: TypeLong, Default: "9223372036854775807", check: atLeast(0),
		Doc: "Force an fsync when data has been unflushed for this long."},
		[]synonym{{name: "log.flush.interval.ms"}, {name: "log.flush.scheduler.interval.ms"}}},
	{Def{Name: "follower.replication.throttled.replicas", Type: TypeList, Default: "", check: throttledReplicas,
		Doc: "Replicas whose follower-side replication is throttled: * or a list of partition:broker pairs."},
		nil},
	{Def{Name: "index.interval.bytes", Type: TypeInt, Default: "4096", check: atLeast(0),
		Doc: "Bytes of log between two entries of the offset index."},
		same("log.index.interval.bytes")},
	{Def{Name: "leader.replication.throttled.replicas", Type: TypeList, Default: "", check: throttledReplicas,
		Doc: "Replicas whose leader-side replication is throttled: * or a list of partition:broker pairs."},
		nil},
	{Def{Name: "local.retention.bytes", Type: TypeLong, Default: "-2", check: atLeast(-2),
		Doc: "With tiered storage, the size of local segments kept per partition; -2 means retention.bytes."},
		same("log.local.retention.bytes")},
	{Def{Name: "local.retention.ms", Type: TypeLong, Default: "-2", check: atLeast(-2),
		Doc: "With tiered storage, how long local segments are kept; -2 means retention.ms."},
		same("log.local.retention.ms")},
	{Def{Name: "max.compaction.lag.ms", Type: TypeLong, Default: "9223372036854775807", check: atLeast(1),
		Doc: "Longest time a record may stay uncompacted on a compacted topic."},
		same("log.cleaner.max.compaction.lag.ms")},
	{Def{Name: "max.message.bytes", Type: TypeInt, Default: "1048588", check: atLeast(0),
		Doc: "Largest record batch the topic accepts, after compression."},
		same("message.max.bytes")},
	{Def{Name: "message.timestamp.after.max.ms", Type: TypeLong, Default: "3600000", check: atLeast(0),
		Doc: "With CreateTime, how far a record's timestamp may be ahead of the broker's clock."},
		same("log.message.timestamp.after.max.ms")},
	{Def{Name: "message.timestamp.before.max.ms", Type: TypeLong, Default: "9223372036854775807", check: atLeast(0),
		Doc: "With CreateTime, how far a record's timestamp may be behind the broker's clock."},
		same("log.message.timestamp.before.max.ms")},
	{Def{Name: "message.timestamp.type", Type: TypeString, Default: "CreateTime", check: oneOf("CreateTime", "LogAppendTime"),
		Doc: "Whether record timestamps are the producer's (CreateTime) or the broker's append time (LogAppendTime)."},
		same("log.message.timestamp.type")},
	{Def{Name: "min.cleanable.dirty.ratio", Type: TypeDouble, Default: "0.5", check: betweenDouble(0, 1),
		Doc: "Share of uncompacted log that makes a compacted topic eligible for cleaning."},
		same("log.cleaner.min.cleanable.ratio")},
	{Def{Name: "min.compaction.lag.ms", Type: TypeLong, Default: "0", check: atLeast(0),
		Doc: "Shortest time a record stays uncompacted on a compacted topic."},
		same("log.cleaner.min.compaction.lag.ms")},
	{Def{Name: "min.insync.replicas", Type: TypeInt, Default: "1", check: atLeast(1),
		Doc: "Fewest in-sync replicas that must have a write before acks=all succeeds (NOT_ENOUGH_REPLICAS otherwise)."},
		same("min.insync.replicas")},
	{Def{Name: "preallocate", Type: TypeBoolean, Default: "false",
		Doc: "Preallocate the segment file on disk when a segment is created."},
		same("log.preallocate")},
	{Def{Name: "remote.log.copy.disable", Type: TypeBoolean, Default: "false",
		Doc: "With tiered storage, stop copying segments to remote storage and keep tiered data read-only."},
		nil},
	{Def{Name: "remote.log.delete.on.disable", Type: TypeBoolean, Default: "false",
		Doc: "With tiered storage, delete remote data when remote storage is turned off for the topic."},
		nil},
	{Def{Name: "remote.storage.enable", Type: TypeBoolean, Default: "false",
		Doc: "Enable tiered storage for the topic (not supported by Spool)."},
		nil},
	{Def{Name: "retention.bytes", Type: TypeLong, Default: "-1",
		Doc: "Largest size a partition may grow to before old segments are deleted; -1 for no limit."},
		same("log.retention.bytes")},
	{Def{Name: "retention.ms", Type: TypeLong, Default: "604800000", check: atLeast(-1),
		Doc: "How long records are kept before old segments are deleted; -1 for no limit."},
		[]synonym{{name: "log.retention.ms"}, {name: "log.retention.minutes", scale: minutes}, {name: "log.retention.hours", scale: hours}}},
	{Def{Name: "segment.bytes", Type: TypeInt, Default: "1073741824", check: atLeast(1 << 20),
		Doc: "Size at which a new segment is rolled."},
		same("log.segment.bytes")},
	{Def{Name: "segment.index.bytes", Type: TypeInt, Default: "10485760", check: atLeast(4),
		Doc: "Size of the offset index preallocated for each segment."},
		same("log.index.size.max.bytes")},
	{Def{Name: "segment.jitter.ms", Type: TypeLong, Default: "0", check: atLeast(0),
		Doc: "Largest random time subtracted from segment.ms, so that segments do not all roll at once."},
		[]synonym{{name: "log.roll.jitter.ms"}, {name: "log.roll.jitter.hours", scale: hours}}},
	{Def{Name: "segment.ms", Type: TypeLong, Default: "604800000", check: atLeast(1),
		Doc: "Age at which a new segment is rolled even if it is not full."},
		[]synonym{{name: "log.roll.ms"}, {name: "log.roll.hours", scale: hours}}},
	{Def{Name: "unclean.leader.election.enable", Type: TypeBoolean, Default: "false",
		Doc: "Allow a replica outside the ISR to become leader as a last resort, at the cost of losing data."},
		same("unclean.leader.election.enable")},
}

// lookupTopicDef finds a topic key by name.
func lookupTopicDef(name string) (topicDef, bool) {
	i, ok := slices.BinarySearchFunc(topicDefs, name, func(d topicDef, n string) int {
		switch {
		case d.Name < n:
			return -1
		case d.Name > n:
			return 1
		}
		return 0
	})
	if !ok {
		return topicDef{}, false
	}
	return topicDefs[i], true
}

// TopicKeys returns the names of all topic configs, sorted.
func TopicKeys() []string {
	names := make([]string, len(topicDefs))
	for i, d := range topicDefs {
		names[i] = d.Name
	}
	return names
}

// TopicDef returns the definition of a topic config.
func TopicDef(name string) (Def, bool) {
	d, ok := lookupTopicDef(name)
	return d.Def, ok
}

// TopicSynonyms returns the broker keys that supply a topic key's default,
// in precedence order.
func TopicSynonyms(name string) []string {
	d, _ := lookupTopicDef(name)
	out := make([]string, len(d.synonyms))
	for i, s := range d.synonyms {
		out[i] = s.name
	}
	return out
}
