package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestResolveTopicThroughLayers(t *testing.T) {
	static := map[string]string{"log.retention.hours": "1"}
	dynDefault := map[string]string{"log.retention.ms": "5000"}
	dynBroker := map[string]string{"log.retention.ms": "6000"}
	topic := map[string]string{"retention.ms": "7000"}
	tests := []struct {
		name string
		l    Layers
		want int64
	}{
		{"default", Layers{}, 604800000},
		{"static", Layers{Static: static}, 3600000},
		{"dynamic default over static", Layers{Static: static, DynamicDefault: dynDefault}, 5000},
		{"dynamic broker over dynamic default", Layers{Static: static, DynamicDefault: dynDefault, DynamicBroker: dynBroker}, 6000},
		{"topic over everything", Layers{Static: static, DynamicDefault: dynDefault, DynamicBroker: dynBroker, Topic: topic}, 7000},
		{"topic over default", Layers{Topic: topic}, 7000},
		{"topic -1", Layers{Topic: map[string]string{"retention.ms": "-1"}}, -1},
	}
	for _, tt := range tests {
		got, err := ResolveTopic(tt.l)
		if err != nil || got.RetentionMs != tt.want {
			t.Errorf("%s: retention %d, %v; want %d", tt.name, got.RetentionMs, err, tt.want)
		}
	}
}

func TestResolveTopicEveryField(t *testing.T) {
	got, err := ResolveTopic(Layers{Topic: map[string]string{
		"cleanup.policy":                          "compact, delete",
		"compression.type":                        "zstd",
		"compression.gzip.level":                  "5",
		"compression.lz4.level":                   "10",
		"compression.zstd.level":                  "-5",
		"delete.retention.ms":                     "1",
		"file.delete.delay.ms":                    "2",
		"flush.messages":                          "3",
		"flush.ms":                                "4",
		"follower.replication.throttled.replicas": "0:1,1:2",
		"index.interval.bytes":                    "5",
		"leader.replication.throttled.replicas":   "*",
		"local.retention.bytes":                   "6",
		"local.retention.ms":                      "7",
		"max.compaction.lag.ms":                   "800",
		"max.message.bytes":                       "9",
		"message.timestamp.after.max.ms":          "10",
		"message.timestamp.before.max.ms":         "11",
		"message.timestamp.type":                  "LogAppendTime",
		"min.cleanable.dirty.ratio":               "0.1",
		"min.compaction.lag.ms":                   "12",
		"min.insync.replicas":                     "2",
		"preallocate":                             "true",
		"remote.log.copy.disable":                 "true",
		"remote.log.delete.on.disable":            "true",
		"retention.bytes":                         "13",
		"retention.ms":                            "14",
		"segment.bytes":                           "2097152",
		"segment.index.bytes":                     "15",
		"segment.jitter.ms":                       "16",
		"segment.ms":                              "17",
		"unclean.leader.election.enable":          "true",
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := Topic{
		CleanupPolicy: CleanupPolicy{Delete: true, Compact: true}, CompressionType: CompressionZstd,
		CompressionGzipLevel: 5, CompressionLZ4Level: 10, CompressionZstdLevel: -5,
		DeleteRetentionMs: 1, FileDeleteDelayMs: 2, FlushMessages: 3, FlushMs: 4, IndexIntervalBytes: 5,
		LocalRetentionBytes: 6, LocalRetentionMs: 7, MaxCompactionLagMs: 800, MaxMessageBytes: 9,
		MessageTimestampType: LogAppendTime, TimestampAfterMaxMs: 10, TimestampBeforeMaxMs: 11,
		MinCleanableDirtyRatio: 0.1, MinCompactionLagMs: 12, MinInsyncReplicas: 2, Preallocate: true,
		RemoteLogCopyDisable: true, RemoteLogDeleteOnDisable: true, RetentionBytes: 13, RetentionMs: 14,
		SegmentBytes: 2097152, SegmentIndexBytes: 15, SegmentJitterMs: 16, SegmentMs: 17, UncleanLeaderElection: true,
		LeaderThrottledReplicas: []string{"*"}, FollowerThrottledReplicas: []string{"0:1", "1:2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got.MaxSegmentMs() != 17 || got.InitFileSize() != 2097152 {
		t.Errorf("MaxSegmentMs %d InitFileSize %d", got.MaxSegmentMs(), got.InitFileSize())
	}
}

func TestTopicHelpers(t *testing.T) {
	compact := Topic{CleanupPolicy: CleanupPolicy{Compact: true}, SegmentMs: 1000, MaxCompactionLagMs: 100}
	if compact.MaxSegmentMs() != 100 {
		t.Errorf("compacted topic rolls at max.compaction.lag.ms, got %d", compact.MaxSegmentMs())
	}
	deleting := Topic{CleanupPolicy: CleanupPolicy{Delete: true}, SegmentMs: 1000, MaxCompactionLagMs: 100}
	if deleting.MaxSegmentMs() != 1000 || deleting.InitFileSize() != 0 {
		t.Error("delete-only topic rolls at segment.ms and does not preallocate")
	}
	none, err := ResolveTopic(Layers{Topic: map[string]string{"cleanup.policy": ""}})
	if err != nil || none.CleanupPolicy != (CleanupPolicy{}) {
		t.Errorf("empty cleanup.policy: %+v %v", none.CleanupPolicy, err)
	}
	if CreateTime.String() != "CreateTime" || LogAppendTime.String() != "LogAppendTime" {
		t.Error("TimestampType names")
	}
}

func TestResolveTopicErrors(t *testing.T) {
	tests := []struct {
		name string
		l    Layers
		err  string
	}{
		{"unknown topic key", Layers{Topic: map[string]string{"log.retention.ms": "1"}}, "Unknown topic config name: log.retention.ms"},
		{"bad override", Layers{Topic: map[string]string{"segment.ms": "0"}}, `Invalid value 0 for configuration segment.ms: Value must be at least 1`},
		{"bad broker synonym names the broker key", Layers{DynamicDefault: map[string]string{"log.segment.bytes": "10"}},
			`Invalid value 10 for configuration log.segment.bytes: Value must be at least 1048576`},
		{"lags in conflict", Layers{Topic: map[string]string{"min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5"}},
			"conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"},
		{"lags in conflict across layers", Layers{Topic: map[string]string{"min.compaction.lag.ms": "10"},
			Static: map[string]string{"log.cleaner.max.compaction.lag.ms": "5"}},
			"conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"},
	}
	for _, tt := range tests {
		_, err := ResolveTopic(tt.l)
		if err == nil || err.Error() != tt.err {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.err)
		}
	}
}

func TestValidateTopicConfigs(t *testing.T) {
	tests := []struct {
		overrides map[string]string
		err       string
	}{
		{nil, ""},
		{map[string]string{"retention.ms": "-1", "cleanup.policy": "compact", "compression.type": "lz4"}, ""},
		{map[string]string{"leader.replication.throttled.replicas": "*", "follower.replication.throttled.replicas": "0:1,1:2"}, ""},
		{map[string]string{"compression.gzip.level": "-1"}, ""},
		{map[string]string{"retention.hours": "1"}, "Unknown topic config name: retention.hours"},
		{map[string]string{"retention.ms": "-2"}, `Invalid value -2 for configuration retention.ms: Value must be at least -1`},
		{map[string]string{"retention.ms": "1d"}, `Invalid value 1d for configuration retention.ms: Not a number of type LONG`},
		{map[string]string{"segment.bytes": "1000"}, `Invalid value 1000 for configuration segment.bytes: Value must be at least 1048576`},
		{map[string]string{"cleanup.policy": "compact,foo"}, `Invalid value compact,foo for configuration cleanup.policy: "foo" is not one of: compact, delete`},
		{map[string]string{"message.timestamp.type": "createtime"}, `Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime`},
		{map[string]string{"min.cleanable.dirty.ratio": "2"}, `Invalid value 2 for configuration min.cleanable.dirty.ratio: Value must be no more than 1.0`},
		{map[string]string{"compression.gzip.level": "10"}, `Invalid value 10 for configuration compression.gzip.level: must be between 1 and 9, or -1`},
		{map[string]string{"preallocate": "1"}, `Invalid value 1 for configuration preallocate: Expected value to be either true or false`},
		{map[string]string{"leader.replication.throttled.replicas": "0"}, `must be * or a list of [partitionId]:[brokerId] pairs`},
		{map[string]string{"remote.storage.enable": "true"}, "tiered storage functionality is disabled"},
		{map[string]string{"min.compaction.lag.ms": "2", "max.compaction.lag.ms": "1"}, "min.compaction.lag.ms (2) > max.compaction.lag.ms (1)"},
		// The first problem in key order wins.
		{map[string]string{"segment.ms": "0", "flush.ms": "-1"}, `Invalid value -1 for configuration flush.ms: Value must be at least 0`},
	}
	for _, tt := range tests {
		err := ValidateTopicConfigs(tt.overrides)
		if tt.err == "" {
			if err != nil {
				t.Errorf("%v: unexpected %v", tt.overrides, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%v: got %v, want %q", tt.overrides, err, tt.err)
		}
	}
	var uk *UnknownKeyError
	if err := ValidateTopicConfigs(map[string]string{"x": "1"}); !errors.As(err, &uk) || uk.Key != "x" || !uk.Topic {
		t.Errorf("unknown key error %#v", err)
	}
}
