package partition

import (
	"math"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/storage"
)

// StorageConfig maps a resolved topic config onto the log's settings.
func StorageConfig(t config.Topic) storage.Config {
	policy := ""
	switch {
	case t.CleanupPolicy.Compact && t.CleanupPolicy.Delete:
		policy = "compact,delete"
	case t.CleanupPolicy.Compact:
		policy = "compact"
	case t.CleanupPolicy.Delete:
		policy = "delete"
	}
	return storage.Config{
		SegmentBytes:       int64(t.SegmentBytes),
		SegmentMs:          t.SegmentMs,
		SegmentJitterMs:    t.SegmentJitterMs,
		SegmentIndexBytes:  int64(t.SegmentIndexBytes),
		IndexIntervalBytes: int64(t.IndexIntervalBytes),
		RetentionMs:        t.RetentionMs,
		RetentionBytes:     t.RetentionBytes,
		CleanupPolicy:      policy,
		FlushMessages:      t.FlushMessages,
		FlushMs:            t.FlushMs,
		FileDeleteDelayMs:  t.FileDeleteDelayMs,
		Preallocate:        t.Preallocate,
	}
}

// validationPolicy is what the produce path checks batches against.
func validationPolicy(t *config.Topic, now int64, denyZstd bool) record.Policy {
	p := record.DefaultPolicy(now)
	p.MaxMessageBytes = int(t.MaxMessageBytes)
	p.TimestampType = record.CreateTime
	if t.MessageTimestampType == config.LogAppendTime {
		p.TimestampType = record.LogAppendTime
	}
	p.TimestampBeforeMaxMs = t.TimestampBeforeMaxMs
	p.TimestampAfterMaxMs = t.TimestampAfterMaxMs
	p.Compacted = t.CleanupPolicy.Compact
	p.DenyZstd = denyZstd
	// A batch may not inflate past what a consumer could be sent.
	p.MaxDecompressedBytes = max(record.DefaultMaxDecompressedBytes, int(min(int64(t.MaxMessageBytes)*64, math.MaxInt32)))
	return p
}

// targetCodec is the codec a topic stores batches in, and whether the
// producer's choice stands.
func targetCodec(t *config.Topic) (codec record.Codec, level int, keepProducer bool) {
	switch t.CompressionType {
	case config.CompressionProducer:
		return 0, 0, true
	case config.CompressionUncompressed:
		return record.CodecNone, 0, false
	case config.CompressionGzip:
		return record.CodecGzip, levelOrDefault(record.CodecGzip, t.CompressionGzipLevel), false
	case config.CompressionSnappy:
		return record.CodecSnappy, 0, false
	case config.CompressionLZ4:
		return record.CodecLZ4, levelOrDefault(record.CodecLZ4, t.CompressionLZ4Level), false
	case config.CompressionZstd:
		return record.CodecZstd, levelOrDefault(record.CodecZstd, t.CompressionZstdLevel), false
	}
	return 0, 0, true
}

func levelOrDefault(c record.Codec, level int32) int {
	if level == -1 || !record.ValidLevel(c, int(level)) {
		return record.DefaultLevel(c)
	}
	return int(level)
}
