package controller

import (
	"context"
	"time"

	"github.com/spoolhq/spool/internal/metadata"
)

// ElectionType is ElectLeaders' election type, numbered as Kafka's
// ElectionType.
type ElectionType int8

// Election types.
const (
	ElectPreferred ElectionType = 0
	ElectUnclean   ElectionType = 1
)

// ElectTopic names partitions of a topic to elect leaders for.
type ElectTopic struct {
	Name       string
	Partitions []int32
}

// ElectTopicResult is the outcome for a topic's partitions; a partition's
// Err is nil when a leader was elected.
type ElectTopicResult struct {
	Name       string
	Partitions []ElectPartitionResult
}

// ElectPartitionResult is one partition's election outcome.
type ElectPartitionResult struct {
	Partition int32
	Err       error
}

// maxElectionsPerRun bounds the elections of one periodic run, as Kafka's
// MAX_ELECTIONS_PER_IMBALANCE; a run that reaches it runs again soon.
const maxElectionsPerRun = 1000

// ElectLeaders runs preferred or unclean leader elections the way Kafka's
// ReplicationControlManager.electLeaders does. topics nil means every
// partition, and then partitions that need no election are left out of the
// results; an empty, non-nil list does nothing.
func (c *Controller) ElectLeaders(ctx context.Context, typ ElectionType, topics []ElectTopic) ([]ElectTopicResult, error) {
	if typ != ElectPreferred && typ != ElectUnclean {
		return nil, newError(ErrInvalidRequest, "Unknown election type %d", typ)
	}
	if topics != nil && len(topics) == 0 {
		return nil, nil
	}
	return run(ctx, c, "ElectLeaders", func(img *metadata.Image) ([]metadata.Record, []ElectTopicResult) {
		return c.decideElectLeaders(img, typ, topics)
	})
}

func (c *Controller) decideElectLeaders(img *metadata.Image, typ ElectionType, topics []ElectTopic) ([]metadata.Record, []ElectTopicResult) {
	var recs []metadata.Record
	var out []ElectTopicResult
	if topics == nil {
		for _, t := range img.Topics() {
			res := ElectTopicResult{Name: t.Name, Partitions: []ElectPartitionResult{}}
			for _, p := range t.Partitions() {
				rec, err := c.electOne(img, t.Name, p.ID, typ)
				if rec != nil {
					recs = append(recs, *rec)
				}
				if !isKind(err, ErrElectionNotNeeded) {
					res.Partitions = append(res.Partitions, ElectPartitionResult{Partition: p.ID, Err: err})
				}
			}
			out = append(out, res)
		}
		return recs, out
	}
	for _, rt := range topics {
		res := ElectTopicResult{Name: rt.Name, Partitions: []ElectPartitionResult{}}
		for _, id := range rt.Partitions {
			rec, err := c.electOne(img, rt.Name, id, typ)
			if rec != nil {
				recs = append(recs, *rec)
				img = applyToImage(img, *rec) // a partition named twice sees the first election
			}
			res.Partitions = append(res.Partitions, ElectPartitionResult{Partition: id, Err: err})
		}
		out = append(out, res)
	}
	return recs, out
}

// electOne is Kafka's electLeader for one partition.
func (c *Controller) electOne(img *metadata.Image, topic string, id int32, typ ElectionType) (*metadata.PartitionChangeRecord, error) {
	t := img.Topic(topic)
	if t == nil {
		return nil, newError(ErrUnknownTopicOrPartition, "No such topic as %s", topic)
	}
	p := t.Partition(id)
	if p == nil {
		return nil, newError(ErrUnknownTopicOrPartition, "No such partition as %s-%d", topic, id)
	}
	if typ == ElectPreferred && hasPreferredLeader(p) || typ == ElectUnclean && p.Leader != metadata.NoLeader {
		return nil, newError(ErrElectionNotNeeded, "Leader election not needed for topic partition.")
	}
	ch := partitionChange{topic: t.ID, part: p, acceptable: func(r int32) bool { return usable(img, r) },
		election: electPreferred, recovery: metadata.NoRecoveryStateChange}
	if typ == ElectUnclean {
		ch.election = electUnclean
	}
	rec, ok := ch.build()
	if !ok {
		if typ == ElectPreferred {
			return nil, newError(ErrPreferredLeaderNotAvailable, "The preferred leader was not available.")
		}
		return nil, newError(ErrEligibleLeadersNotAvailable, "Eligible topic partition leaders are not available.")
	}
	if rec.LeaderRecoveryState == metadata.Recovering {
		c.log.Warn("unclean leader election", "topic", topic, "partition", id, "leader", rec.Leader)
	}
	return &rec, nil
}

// hasPreferredLeader reports whether p is led by its first replica.
func hasPreferredLeader(p *metadata.Partition) bool {
	return len(p.Replicas) > 0 && p.Leader == p.Replicas[0]
}

// imbalanced reports whether some partition is not led by its preferred
// replica.
func imbalanced(img *metadata.Image) bool {
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if !hasPreferredLeader(p) {
				return true
			}
		}
	}
	return false
}

// leaderless reports whether some partition has no leader.
func leaderless(img *metadata.Image) bool {
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if p.Leader == metadata.NoLeader {
				return true
			}
		}
	}
	return false
}

// decideBalanceLeaders moves leadership back to preferred replicas that
// are in the ISR and acceptable, at most maxElectionsPerRun of them
// (Kafka's maybeBalancePartitionLeaders). more reports that the limit was
// reached.
func decideBalanceLeaders(img *metadata.Image) (recs []metadata.Record, more bool) {
	acceptable := func(r int32) bool { return usable(img, r) }
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if len(recs) >= maxElectionsPerRun {
				return recs, true
			}
			if hasPreferredLeader(p) {
				continue
			}
			ch := partitionChange{topic: t.ID, part: p, acceptable: acceptable, election: electPreferred,
				recovery: metadata.NoRecoveryStateChange}
			if rec, ok := ch.build(); ok {
				recs = append(recs, rec)
			}
		}
	}
	return recs, false
}

// decideElectUnclean elects a leader outside the ISR for leaderless
// partitions whose topic allows unclean leader election, at most
// maxElectionsPerRun (Kafka's maybeElectUncleanLeaders).
func (c *Controller) decideElectUnclean(img *metadata.Image) (recs []metadata.Record, more bool) {
	for _, t := range img.Topics() {
		for _, p := range t.Partitions() {
			if len(recs) >= maxElectionsPerRun {
				return recs, true
			}
			if p.Leader != metadata.NoLeader || !c.cfg.UncleanLeaderElection(img, t.Name) {
				continue
			}
			rec, err := c.electOne(img, t.Name, p.ID, ElectUnclean)
			if err != nil {
				c.log.Warn("cannot elect an unclean leader for an offline partition", "topic", t.Name, "partition", p.ID, "err", err)
				continue
			}
			recs = append(recs, *rec)
		}
	}
	return recs, false
}

// leaderTasks schedules the active controller's periodic elections the way
// Kafka's QuorumController does: a task is scheduled an interval after it
// is first found needed (some partition led by another than its preferred
// replica; some partition without a leader), runs once, and is scheduled
// again if still needed; a run that hit maxElectionsPerRun runs again at
// once. The zero time means unscheduled.
type leaderTasks struct {
	balanceAt time.Time
	uncleanAt time.Time
}

// maintainLeaders runs the periodic elections that are due at now.
func (c *Controller) maintainLeaders(ctx context.Context, now time.Time) error {
	if c.cfg.LeaderImbalanceCheckInterval > 0 {
		if err := c.runTask(ctx, now, "BalanceLeaders", &c.tasks.balanceAt, c.cfg.LeaderImbalanceCheckInterval,
			imbalanced, func(img *metadata.Image) ([]metadata.Record, bool) { return decideBalanceLeaders(img) }); err != nil {
			return err
		}
	}
	return c.runTask(ctx, now, "ElectUncleanLeaders", &c.tasks.uncleanAt, c.cfg.UncleanLeaderElectionCheckInterval,
		leaderless, c.decideElectUnclean)
}

// runTask schedules, or runs if due, one periodic election task.
func (c *Controller) runTask(ctx context.Context, now time.Time, op string, at *time.Time, every time.Duration,
	needed func(*metadata.Image) bool, decide func(*metadata.Image) ([]metadata.Record, bool)) error {
	c.mu.Lock()
	due := !at.IsZero() && !now.Before(*at)
	if at.IsZero() && needed(c.cfg.Log.Image()) {
		*at = now.Add(every)
	}
	c.mu.Unlock()
	if !due {
		return nil
	}
	var n int
	more, err := run(ctx, c, op, func(img *metadata.Image) ([]metadata.Record, bool) {
		recs, more := decide(img)
		n = len(recs)
		return recs, more
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		return err
	}
	*at = time.Time{}
	if more {
		*at = now.Add(10 * time.Millisecond)
	}
	if n > 0 {
		c.log.Info("periodic leader elections", "op", op, "partitions", n)
	}
	return nil
}

// isKind reports whether err is a controller error of kind.
func isKind(err error, kind error) bool {
	e, ok := err.(*Error)
	return ok && e.Kind == kind
}

// applyToImage is img with rec replayed, or img if it does not apply.
func applyToImage(img *metadata.Image, rec metadata.PartitionChangeRecord) *metadata.Image {
	next, _, err := img.Apply([]metadata.Record{rec})
	if err != nil {
		return img
	}
	return next
}
