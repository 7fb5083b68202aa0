package group

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/spoolhq/spool/internal/config"
	"github.com/spoolhq/spool/internal/coordinator/assignor"
)

// Config is the group coordinator's part of the broker configuration,
// under Kafka's key names (one per field) with Kafka's defaults.
type Config struct {
	GroupMinSessionTimeoutMs     int32    // group.min.session.timeout.ms (6000)
	GroupMaxSessionTimeoutMs     int32    // group.max.session.timeout.ms (1800000)
	GroupInitialRebalanceDelayMs int32    // group.initial.rebalance.delay.ms (3000)
	GroupMaxSize                 int32    // group.max.size (MaxInt32): most members of a classic group
	GroupRebalanceProtocols      []string // group.coordinator.rebalance.protocols ("classic,consumer")

	// KIP-848 consumer groups (not used by classic groups).
	GroupConsumerSessionTimeoutMs       int32    // group.consumer.session.timeout.ms (45000)
	GroupConsumerMinSessionTimeoutMs    int32    // group.consumer.min.session.timeout.ms (45000)
	GroupConsumerMaxSessionTimeoutMs    int32    // group.consumer.max.session.timeout.ms (60000)
	GroupConsumerHeartbeatIntervalMs    int32    // group.consumer.heartbeat.interval.ms (5000)
	GroupConsumerMinHeartbeatIntervalMs int32    // group.consumer.min.heartbeat.interval.ms (5000)
	GroupConsumerMaxHeartbeatIntervalMs int32    // group.consumer.max.heartbeat.interval.ms (15000)
	GroupConsumerMaxSize                int32    // group.consumer.max.size (MaxInt32)
	GroupConsumerAssignors              []string // group.consumer.assignors ("uniform,range")
	// GroupConsumerMigrationPolicy is group.consumer.migration.policy
	// ("bidirectional"): whether a classic group with members becomes a
	// consumer group when a ConsumerGroupHeartbeat joins it (upgrade,
	// bidirectional), and a consumer group whose last consumer-protocol
	// member leaves goes back to classic (downgrade, bidirectional);
	// "disabled" allows neither.
	GroupConsumerMigrationPolicy string

	OffsetsRetentionMinutes         int32 // offsets.retention.minutes (10080)
	OffsetsRetentionCheckIntervalMs int64 // offsets.retention.check.interval.ms (600000)
	OffsetMetadataMaxBytes          int32 // offset.metadata.max.bytes (4096), counted in UTF-16 units as Kafka does
}

// newMemberJoinTimeoutMs is how long a new classic member's first
// JoinGroup may stay parked before the member is dropped; Kafka hard-codes
// it (GroupCoordinatorConfig.CLASSIC_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS).
const newMemberJoinTimeoutMs = 5 * 60 * 1000

// DefaultConfig returns Kafka 4.x's defaults.
func DefaultConfig() Config {
	return Config{
		GroupMinSessionTimeoutMs:            6000,
		GroupMaxSessionTimeoutMs:            1800000,
		GroupInitialRebalanceDelayMs:        3000,
		GroupMaxSize:                        math.MaxInt32,
		GroupRebalanceProtocols:             []string{"classic", "consumer"},
		GroupConsumerSessionTimeoutMs:       45000,
		GroupConsumerMinSessionTimeoutMs:    45000,
		GroupConsumerMaxSessionTimeoutMs:    60000,
		GroupConsumerHeartbeatIntervalMs:    5000,
		GroupConsumerMinHeartbeatIntervalMs: 5000,
		GroupConsumerMaxHeartbeatIntervalMs: 15000,
		GroupConsumerMaxSize:                math.MaxInt32,
		GroupConsumerAssignors:              []string{"uniform", "range"},
		GroupConsumerMigrationPolicy:        "bidirectional",
		OffsetsRetentionMinutes:             7 * 24 * 60,
		OffsetsRetentionCheckIntervalMs:     600000,
		OffsetMetadataMaxBytes:              4096,
	}
}

// FromBroker takes the group coordinator's settings from a broker config.
func FromBroker(b *config.Broker) Config {
	return Config{
		GroupMinSessionTimeoutMs:            b.GroupMinSessionTimeoutMs,
		GroupMaxSessionTimeoutMs:            b.GroupMaxSessionTimeoutMs,
		GroupInitialRebalanceDelayMs:        b.GroupInitialRebalanceDelayMs,
		GroupMaxSize:                        b.GroupMaxSize,
		GroupRebalanceProtocols:             slices.Clone(b.GroupRebalanceProtocols),
		GroupConsumerSessionTimeoutMs:       b.GroupConsumerSessionTimeoutMs,
		GroupConsumerMinSessionTimeoutMs:    b.GroupConsumerMinSessionTimeoutMs,
		GroupConsumerMaxSessionTimeoutMs:    b.GroupConsumerMaxSessionTimeoutMs,
		GroupConsumerHeartbeatIntervalMs:    b.GroupConsumerHeartbeatIntervalMs,
		GroupConsumerMinHeartbeatIntervalMs: b.GroupConsumerMinHeartbeatIntervalMs,
		GroupConsumerMaxHeartbeatIntervalMs: b.GroupConsumerMaxHeartbeatIntervalMs,
		GroupConsumerMaxSize:                b.GroupConsumerMaxSize,
		GroupConsumerAssignors:              slices.Clone(b.GroupConsumerAssignors),
		GroupConsumerMigrationPolicy:        b.GroupConsumerMigrationPolicy,
		OffsetsRetentionMinutes:             b.OffsetsRetentionMinutes,
		OffsetsRetentionCheckIntervalMs:     b.OffsetsRetentionCheckIntervalMs,
		OffsetMetadataMaxBytes:              b.OffsetMetadataMaxBytes,
	}
}

// Validate applies the checks Kafka's GroupCoordinatorConfig makes.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.GroupMinSessionTimeoutMs > 0, "group.min.session.timeout.ms must be positive")
	check(c.GroupMaxSessionTimeoutMs >= c.GroupMinSessionTimeoutMs,
		"group.max.session.timeout.ms must not be below group.min.session.timeout.ms")
	check(c.GroupInitialRebalanceDelayMs >= 0, "group.initial.rebalance.delay.ms must not be negative")
	check(c.GroupMaxSize >= 1, "group.max.size must be at least 1")
	check(slices.Contains(c.GroupRebalanceProtocols, "classic"),
		"group.coordinator.rebalance.protocols must contain classic")
	for _, p := range c.GroupRebalanceProtocols {
		check(p == "classic" || p == "consumer", "group.coordinator.rebalance.protocols: unknown protocol %q", p)
	}
	check(c.GroupConsumerMinSessionTimeoutMs <= c.GroupConsumerSessionTimeoutMs &&
		c.GroupConsumerSessionTimeoutMs <= c.GroupConsumerMaxSessionTimeoutMs,
		"group.consumer.session.timeout.ms must be between its min and max")
	check(c.GroupConsumerMinHeartbeatIntervalMs <= c.GroupConsumerHeartbeatIntervalMs &&
		c.GroupConsumerHeartbeatIntervalMs <= c.GroupConsumerMaxHeartbeatIntervalMs,
		"group.consumer.heartbeat.interval.ms must be between its min and max")
	check(c.GroupConsumerHeartbeatIntervalMs < c.GroupConsumerSessionTimeoutMs,
		"group.consumer.heartbeat.interval.ms must be below group.consumer.session.timeout.ms")
	check(c.GroupConsumerMaxSize >= 1, "group.consumer.max.size must be at least 1")
	if _, err := assignor.NewRegistry(c.GroupConsumerAssignors); err != nil {
		errs = append(errs, err)
	}
	switch c.GroupConsumerMigrationPolicy {
	case "bidirectional", "upgrade", "downgrade", "disabled":
	default:
		errs = append(errs, fmt.Errorf("group.consumer.migration.policy: unknown policy %q", c.GroupConsumerMigrationPolicy))
	}
	check(c.OffsetsRetentionMinutes >= 1, "offsets.retention.minutes must be at least 1")
	check(c.OffsetsRetentionCheckIntervalMs >= 1, "offsets.retention.check.interval.ms must be at least 1")
	check(c.OffsetMetadataMaxBytes >= 0, "offset.metadata.max.bytes must not be negative")
	return errors.Join(errs...)
}

// upgradeEnabled: a classic group with members may become a consumer group.
func (c Config) upgradeEnabled() bool {
	return c.GroupConsumerMigrationPolicy == "bidirectional" || c.GroupConsumerMigrationPolicy == "upgrade"
}

// downgradeEnabled: a consumer group left with classic members only may
// become a classic group.
func (c Config) downgradeEnabled() bool {
	return c.GroupConsumerMigrationPolicy == "bidirectional" || c.GroupConsumerMigrationPolicy == "downgrade"
}

func (c Config) offsetsRetentionMs() int64 { return int64(c.OffsetsRetentionMinutes) * 60 * 1000 }
