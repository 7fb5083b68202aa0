package config

import (
	"sort"
	"strings"
)

// CompressionType is a topic's final compression (compression.type).
type CompressionType string

// Compression types; CompressionProducer keeps the producer's codec.
const (
	CompressionProducer     CompressionType = "producer"
	CompressionUncompressed CompressionType = "uncompressed"
	CompressionGzip         CompressionType = "gzip"
	CompressionSnappy       CompressionType = "snappy"
	CompressionLZ4          CompressionType = "lz4"
	CompressionZstd         CompressionType = "zstd"
)

// TimestampType is message.timestamp.type, numbered as the timestamp-type
// bit of a record batch's attributes.
type TimestampType int8

// Timestamp types.
const (
	CreateTime    TimestampType = 0
	LogAppendTime TimestampType = 1
)

func (t TimestampType) String() string {
	if t == LogAppendTime {
		return "LogAppendTime"
	}
	return "CreateTime"
}

// CleanupPolicy is cleanup.policy: delete old segments, compact by key,
// both, or (an empty list) neither.
type CleanupPolicy struct {
	Delete  bool
	Compact bool
}

// Topic is the resolved configuration of one topic, as the storage and
// partition layers use it.
type Topic struct {
	CleanupPolicy            CleanupPolicy   // cleanup.policy
	CompressionType          CompressionType // compression.type
	CompressionGzipLevel     int32           // compression.gzip.level (-1: codec default)
	CompressionLZ4Level      int32           // compression.lz4.level
	CompressionZstdLevel     int32           // compression.zstd.level
	DeleteRetentionMs        int64           // delete.retention.ms
	FileDeleteDelayMs        int64           // file.delete.delay.ms
	FlushMessages            int64           // flush.messages
	FlushMs                  int64           // flush.ms
	IndexIntervalBytes       int32           // index.interval.bytes
	LocalRetentionBytes      int64           // local.retention.bytes (-2: retention.bytes)
	LocalRetentionMs         int64           // local.retention.ms (-2: retention.ms)
	MaxCompactionLagMs       int64           // max.compaction.lag.ms
	MaxMessageBytes          int32           // max.message.bytes
	MessageTimestampType     TimestampType   // message.timestamp.type
	TimestampAfterMaxMs      int64           // message.timestamp.after.max.ms
	TimestampBeforeMaxMs     int64           // message.timestamp.before.max.ms
	MinCleanableDirtyRatio   float64         // min.cleanable.dirty.ratio
	MinCompactionLagMs       int64           // min.compaction.lag.ms
	MinInsyncReplicas        int32           // min.insync.replicas
	Preallocate              bool            // preallocate
	RemoteLogCopyDisable     bool            // remote.log.copy.disable
	RemoteLogDeleteOnDisable bool            // remote.log.delete.on.disable
	RemoteStorageEnable      bool            // remote.storage.enable
	RetentionBytes           int64           // retention.bytes (-1: no limit)
	RetentionMs              int64           // retention.ms (-1: no limit)
	SegmentBytes             int32           // segment.bytes
	SegmentIndexBytes        int32           // segment.index.bytes
	SegmentJitterMs          int64           // segment.jitter.ms
	SegmentMs                int64           // segment.ms
	UncleanLeaderElection    bool            // unclean.leader.election.enable
	// Throttled replicas are "*" or partition:broker pairs.
	LeaderThrottledReplicas   []string // leader.replication.throttled.replicas
	FollowerThrottledReplicas []string // follower.replication.throttled.replicas
}

// MaxSegmentMs is the age at which a segment rolls: segment.ms, or
// max.compaction.lag.ms when that is shorter on a compacted topic.
func (t Topic) MaxSegmentMs() int64 {
	if t.CleanupPolicy.Compact && t.MaxCompactionLagMs > 0 && t.MaxCompactionLagMs < t.SegmentMs {
		return t.MaxCompactionLagMs
	}
	return t.SegmentMs
}

// InitFileSize is the size a new segment file is created with.
func (t Topic) InitFileSize() int32 {
	if t.Preallocate {
		return t.SegmentBytes
	}
	return 0
}

// resolved is a topic key's value and where it came from.
type resolved struct {
	value  string // in the topic key's unit
	key    string // the key that set it: the topic key or a broker synonym
	raw    string // as that key was set
	source Source
}

// resolveTopicKey finds a topic key's value: the topic override, else the
// first synonym set in each broker layer from the highest down, else the
// default. This is the order Kafka's controller resolves effective topic
// configs in.
func (l Layers) resolveTopicKey(d topicDef) resolved {
	if v, ok := l.Topic[d.Name]; ok {
		return resolved{value: v, key: d.Name, raw: v, source: SourceDynamicTopicConfig}
	}
	for _, b := range l.brokerLayers() {
		for _, s := range d.synonyms {
			if v, ok := b.values[s.name]; ok {
				return resolved{value: s.convert(v), key: s.name, raw: v, source: b.source}
			}
		}
	}
	return resolved{value: d.Default, key: d.Name, raw: d.Default, source: SourceDefaultConfig}
}

// topicValue parses a resolved value; a bad value is reported against the
// key that set it.
func (d topicDef) topicValue(r resolved) (any, error) {
	value := r.value
	if d.Name == "retention.ms" && r.source != SourceDynamicTopicConfig && strings.HasPrefix(strings.TrimSpace(value), "-") {
		// Kafka turns any negative broker retention into "unlimited".
		if _, reason := parseType(TypeLong, value); reason == "" {
			value = "-1"
		}
	}
	v, err := d.parse(value)
	if err != nil {
		return nil, &InvalidValueError{Key: r.key, Value: r.raw, Reason: err.(*InvalidValueError).Reason}
	}
	return v, nil
}

// ResolveTopic resolves a topic's configuration from its overrides and the
// broker layers beneath them. Keys of the Topic layer that are not topic
// configs are an error, as are bad values in any layer that matters.
func ResolveTopic(l Layers) (Topic, error) {
	if err := checkTopicKeys(l.Topic); err != nil {
		return Topic{}, err
	}
	v := make(values, len(topicDefs))
	for _, d := range topicDefs {
		x, err := d.topicValue(l.resolveTopicKey(d))
		if err != nil {
			return Topic{}, err
		}
		v[d.Name] = x
	}
	t := topicFromValues(v)
	if err := checkCompactionLags(t); err != nil {
		return Topic{}, err
	}
	return t, nil
}

func topicFromValues(v values) Topic {
	t := Topic{
		CompressionType:           CompressionType(v.str("compression.type")),
		CompressionGzipLevel:      v.int32("compression.gzip.level"),
		CompressionLZ4Level:       v.int32("compression.lz4.level"),
		CompressionZstdLevel:      v.int32("compression.zstd.level"),
		DeleteRetentionMs:         v.int64("delete.retention.ms"),
		FileDeleteDelayMs:         v.int64("file.delete.delay.ms"),
		FlushMessages:             v.int64("flush.messages"),
		FlushMs:                   v.int64("flush.ms"),
		IndexIntervalBytes:        v.int32("index.interval.bytes"),
		LocalRetentionBytes:       v.int64("local.retention.bytes"),
		LocalRetentionMs:          v.int64("local.retention.ms"),
		MaxCompactionLagMs:        v.int64("max.compaction.lag.ms"),
		MaxMessageBytes:           v.int32("max.message.bytes"),
		TimestampAfterMaxMs:       v.int64("message.timestamp.after.max.ms"),
		TimestampBeforeMaxMs:      v.int64("message.timestamp.before.max.ms"),
		MinCleanableDirtyRatio:    v.float("min.cleanable.dirty.ratio"),
		MinCompactionLagMs:        v.int64("min.compaction.lag.ms"),
		MinInsyncReplicas:         v.int32("min.insync.replicas"),
		Preallocate:               v.bool("preallocate"),
		RemoteLogCopyDisable:      v.bool("remote.log.copy.disable"),
		RemoteLogDeleteOnDisable:  v.bool("remote.log.delete.on.disable"),
		RemoteStorageEnable:       v.bool("remote.storage.enable"),
		RetentionBytes:            v.int64("retention.bytes"),
		RetentionMs:               v.int64("retention.ms"),
		SegmentBytes:              v.int32("segment.bytes"),
		SegmentIndexBytes:         v.int32("segment.index.bytes"),
		SegmentJitterMs:           v.int64("segment.jitter.ms"),
		SegmentMs:                 v.int64("segment.ms"),
		UncleanLeaderElection:     v.bool("unclean.leader.election.enable"),
		LeaderThrottledReplicas:   v.list("leader.replication.throttled.replicas"),
		FollowerThrottledReplicas: v.list("follower.replication.throttled.replicas"),
	}
	if v.str("message.timestamp.type") == "LogAppendTime" {
		t.MessageTimestampType = LogAppendTime
	}
	for _, p := range v.list("cleanup.policy") {
		t.CleanupPolicy.Delete = t.CleanupPolicy.Delete || p == "delete"
		t.CleanupPolicy.Compact = t.CleanupPolicy.Compact || p == "compact"
	}
	return t
}

func checkCompactionLags(t Topic) error {
	if t.MinCompactionLagMs > t.MaxCompactionLagMs {
		return conflictf("conflict topic config setting min.compaction.lag.ms (%d) > max.compaction.lag.ms (%d)",
			t.MinCompactionLagMs, t.MaxCompactionLagMs)
	}
	return nil
}

// checkTopicKeys rejects names that are not topic configs, the first in
// name order.
func checkTopicKeys(overrides map[string]string) error {
	for _, k := range sortedKeys(overrides) {
		if _, ok := lookupTopicDef(k); !ok {
			return &UnknownKeyError{Key: k, Topic: true}
		}
	}
	return nil
}

// ValidateTopicConfigs checks a topic's overrides as CreateTopics and
// AlterConfigs receive them: every key must be a topic config and every
// value valid. Errors name the key; the first problem in key order is
// returned. Checks that also need the broker's defaults happen in
// ResolveTopic.
func ValidateTopicConfigs(overrides map[string]string) error {
	if err := checkTopicKeys(overrides); err != nil {
		return err
	}
	for _, k := range sortedKeys(overrides) {
		d, _ := lookupTopicDef(k)
		if _, err := d.parse(overrides[k]); err != nil {
			return err
		}
	}
	if v, _ := parseType(TypeBoolean, overrides["remote.storage.enable"]); v == true {
		return conflictf("tiered storage functionality is disabled in the broker: topic cannot be configured with remote log storage")
	}
	_, err := ResolveTopic(Layers{Topic: overrides})
	return err
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
