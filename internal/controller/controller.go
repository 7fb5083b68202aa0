package controller

import (
	"context"
	"errors"
	"fmt"
	"github.com/spoolhq/spool/internal/config"
	"log/slog"
	"maps"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/quorum"
)

// Log is what the controller needs of the metadata log; *quorum.Quorum is
// one.
type Log interface {
	// Image returns the current image.
	Image() *metadata.Image
	// IsLeader reports whether this node may decide and propose.
	IsLeader() bool
	// ProposeAt appends records decided on the image at offset base, or
	// fails with quorum.ErrStale if the image has moved on.
	ProposeAt(ctx context.Context, base int64, records []metadata.Record) (int64, error)
}

// Config configures a Controller. Functions left nil get the defaults
// documented on each field.
type Config struct {
	// Log is the metadata log. Required.
	Log Log
	// Logger receives the controller's logs. Default: slog.Default().
	Logger *slog.Logger
	// DefaultPartitions is num.partitions, used when a topic is created
	// with -1 partitions. Default: 1.
	DefaultPartitions int32
	// DefaultReplicationFactor is default.replication.factor. Default: 1.
	DefaultReplicationFactor int16
	// ControllerIDs are the node ids of the controllers (the voters), whose
	// configs may be altered like a registered broker's.
	ControllerIDs []int32
	// TopicDeletionDisabled is delete.topic.enable=false.
	TopicDeletionDisabled bool
	// ValidateTopicConfigs checks a topic's complete set of configs (Kafka
	// key names, values in range); its error text becomes the
	// INVALID_CONFIG message. Default: accept everything.
	ValidateTopicConfigs func(configs map[string]string) error
	// ValidateBrokerConfigs checks the whole new dynamic config set of the
	// broker resource name ("" = cluster default) against the image the
	// decision is made on, rejecting keys that cannot be updated
	// dynamically. An error that is an *Error keeps its kind; any other
	// becomes INVALID_CONFIG. Default: accept everything.
	ValidateBrokerConfigs func(img *metadata.Image, name string, configs map[string]string) error
	// ApplyIncremental applies IncrementalAlterConfigs operations to a
	// resource's current configs and returns the new set. It must reject
	// APPEND and SUBTRACT on keys that are not lists. Default: SET and
	// DELETE only.
	ApplyIncremental func(t metadata.ResourceType, current map[string]string, ops []ConfigOp) (map[string]string, error)
	// BootstrapFeatures are the feature levels finalized with the first
	// batch written to a new log. metadata.version defaults to Kafka 4.0's
	// 4.0-IV3 (25) when not given.
	BootstrapFeatures map[string]int16
	// NewID returns new topic IDs. Default: metadata.NewUUID.
	NewID func() metadata.UUID
	// Rand picks where replica placement starts. Default: randomly seeded.
	Rand *rand.Rand
	// SessionTimeout is broker.session.timeout.ms: a broker that has not
	// heartbeated for this long is fenced. Default: 9s.
	SessionTimeout time.Duration
	// UncleanLeaderElection reports whether a topic may elect a leader
	// outside its ISR (unclean.leader.election.enable, resolved through the
	// topic's and the broker's configs). Default: never.
	UncleanLeaderElection func(img *metadata.Image, topic string) bool
	// LeaderImbalanceCheckInterval is leader.imbalance.check.interval.seconds
	// while auto.leader.rebalance.enable is true: how long after finding a
	// partition not led by its preferred replica the controller moves such
	// leaderships back. Zero disables it (the default).
	LeaderImbalanceCheckInterval time.Duration
	// UncleanLeaderElectionCheckInterval is
	// unclean.leader.election.interval.ms: how long after finding a
	// partition without a leader the controller tries an unclean election
	// where the topic allows it. Default: 5 minutes.
	UncleanLeaderElectionCheckInterval time.Duration
	// AddObserver, if set, is called on the active controller with every
	// broker that registers and is not a voter, with the address it receives
	// the metadata log on, so that it can follow the log. An error fails the
	// registration (the broker retries).
	AddObserver func(ctx context.Context, broker int32, addr string) error
}

func (c Config) withDefaults() Config {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.DefaultPartitions == 0 {
		c.DefaultPartitions = 1
	}
	if c.DefaultReplicationFactor == 0 {
		c.DefaultReplicationFactor = 1
	}
	if c.ValidateTopicConfigs == nil {
		c.ValidateTopicConfigs = func(map[string]string) error { return nil }
	}
	if c.ValidateBrokerConfigs == nil {
		c.ValidateBrokerConfigs = func(*metadata.Image, string, map[string]string) error { return nil }
	}
	if c.ApplyIncremental == nil {
		c.ApplyIncremental = ApplySetDelete
	}
	if _, ok := c.BootstrapFeatures[metadata.MetadataVersionFeature]; !ok {
		c.BootstrapFeatures = maps.Clone(c.BootstrapFeatures)
		if c.BootstrapFeatures == nil {
			c.BootstrapFeatures = map[string]int16{}
		}
		c.BootstrapFeatures[metadata.MetadataVersionFeature] = metadata.MetadataVersion40IV3
	}
	if c.NewID == nil {
		c.NewID = metadata.NewUUID
	}
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	if c.SessionTimeout == 0 {
		c.SessionTimeout = 9 * time.Second
	}
	if c.UncleanLeaderElection == nil {
		c.UncleanLeaderElection = func(*metadata.Image, string) bool { return false }
	}
	if c.UncleanLeaderElectionCheckInterval == 0 {
		c.UncleanLeaderElectionCheckInterval = 5 * time.Minute
	}
	return c
}

// Controller decides metadata changes and proposes them to the log.
type Controller struct {
	cfg Config
	log *slog.Logger
	// mu makes operations run one at a time: each decides on the image its
	// predecessor's records produced. It also guards cfg.Rand and sessions.
	mu sync.Mutex
	// sessions are the brokers' heartbeat sessions while this node is the
	// active controller; nil when it is not (see heartbeat.go).
	sessions map[int32]*session
	// tasks are the periodic elections' schedule (see elections.go).
	tasks leaderTasks
}

// Active reports whether this node is the active controller.
func (c *Controller) Active() bool { return c.cfg.Log.IsLeader() }

// New returns a controller over cfg.Log.
func New(cfg Config) (*Controller, error) {
	if cfg.Log == nil {
		return nil, errors.New("new controller: no metadata log")
	}
	cfg = cfg.withDefaults()
	return &Controller{cfg: cfg, log: cfg.Logger.With("component", "controller")}, nil
}

// maxStaleRetries bounds how often an operation is decided again after its
// proposal lost the race to another change.
const maxStaleRetries = 3

// run decides an operation on the current image and proposes its records.
// A proposal that finds the image moved on is decided again on the new one.
// If proposing fails, run returns the decided result with the error: the
// caller keeps the validation errors and fills in the rest.
func run[R any](ctx context.Context, c *Controller, op string,
	decide func(img *metadata.Image) ([]metadata.Record, R)) (R, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for attempt := 0; ; attempt++ {
		var zero R
		if !c.cfg.Log.IsLeader() {
			c.resetSessionsLocked()
			return zero, newError(ErrNotController, "This node is not the active controller.")
		}
		img := c.cfg.Log.Image()
		records, result := decide(img)
		if len(records) == 0 {
			return result, nil
		}
		records = c.withBootstrap(img, records)
		_, err := c.cfg.Log.ProposeAt(ctx, img.Offset(), records)
		if errors.Is(err, quorum.ErrStale) && attempt < maxStaleRetries {
			continue
		}
		if err != nil {
			c.log.Warn("metadata proposal failed", "op", op, "err", err)
			return result, proposeError(err)
		}
		return result, nil
	}
}

// withBootstrap puts the bootstrap feature levels in front of the first
// batch of a new log, as Kafka begins every metadata log with
// metadata.version.
func (c *Controller) withBootstrap(img *metadata.Image, records []metadata.Record) []metadata.Record {
	if img.MetadataVersion() != 0 {
		return records
	}
	if f, ok := records[0].(metadata.FeatureLevelRecord); ok && f.Name == metadata.MetadataVersionFeature {
		return records // Bootstrap's own batch
	}
	return append(c.bootstrapRecords(img), records...)
}

func (c *Controller) bootstrapRecords(img *metadata.Image) []metadata.Record {
	var boot []metadata.Record
	if l, ok := c.cfg.BootstrapFeatures[metadata.MetadataVersionFeature]; ok {
		boot = append(boot, metadata.FeatureLevelRecord{Name: metadata.MetadataVersionFeature, Level: l})
	}
	for _, name := range sortedKeys(c.cfg.BootstrapFeatures) {
		if _, set := img.Feature(name); name != metadata.MetadataVersionFeature && !set {
			boot = append(boot, metadata.FeatureLevelRecord{Name: name, Level: c.cfg.BootstrapFeatures[name]})
		}
	}
	return boot
}

func proposeError(err error) error {
	switch {
	case errors.Is(err, quorum.ErrNotLeader), errors.Is(err, quorum.ErrClosed):
		return newError(ErrNotController, "This node is no longer the active controller.")
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return newError(ErrRequestTimedOut, "The controller did not commit the change in time.")
	case errors.Is(err, quorum.ErrStale):
		return newError(ErrRequestTimedOut, "The metadata kept changing; try again.")
	}
	return newError(ErrUnknownServer, "%v", fmt.Errorf("metadata proposal: %w", err))
}

// ApplySetDelete is the default Config.ApplyIncremental: it applies SET and
// DELETE and rejects APPEND and SUBTRACT, which need to know which keys are
// lists.
func ApplySetDelete(_ metadata.ResourceType, current map[string]string, ops []ConfigOp) (map[string]string, error) {
	next := cloneMap(current)
	for _, op := range ops {
		switch op.Op {
		case config.OpSet:
			if op.Value == nil {
				return nil, fmt.Errorf("null value not supported for config %s", op.Name)
			}
			next[op.Name] = *op.Value
		case config.OpDelete:
			delete(next, op.Name)
		default:
			return nil, fmt.Errorf("can't %s to key %s because its type is not LIST", op.Op, op.Name)
		}
	}
	return next, nil
}
