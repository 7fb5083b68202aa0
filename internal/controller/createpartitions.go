package controller

import (
	"context"

	"github.com/spoolhq/spool/internal/metadata"
)

// CreatePartitions asks for a topic to grow to Count partitions.
type CreatePartitions struct {
	Topic string
	Count int32
	// Assignments places the new partitions by hand, one replica list per
	// new partition; nil places them automatically.
	Assignments [][]int32
}

// CreatePartitionsResult is the outcome for one topic.
type CreatePartitionsResult struct {
	Topic string
	Err   error
}

// CreatePartitions adds partitions to topics, one result per request entry
// in order. With validateOnly it checks everything and changes nothing.
func (c *Controller) CreatePartitions(ctx context.Context, topics []CreatePartitions, validateOnly bool) []CreatePartitionsResult {
	results, err := run(ctx, c, "CreatePartitions", func(img *metadata.Image) ([]metadata.Record, []CreatePartitionsResult) {
		records, results := decideCreatePartitions(img, &c.cfg, topics)
		if validateOnly {
			records = nil
		}
		return records, results
	})
	if results == nil {
		results = make([]CreatePartitionsResult, len(topics))
		for i, t := range topics {
			results[i].Topic = t.Topic
		}
	}
	for i := range results {
		if err != nil && results[i].Err == nil {
			results[i].Err = err
		}
	}
	return results
}

func decideCreatePartitions(img *metadata.Image, cfg *Config, topics []CreatePartitions) ([]metadata.Record, []CreatePartitionsResult) {
	results := make([]CreatePartitionsResult, len(topics))
	dup := duplicates(topics, func(t CreatePartitions) string { return t.Topic })
	var records []metadata.Record
	for i, t := range topics {
		results[i].Topic = t.Topic
		if dup[t.Topic] {
			results[i].Err = newError(ErrInvalidRequest, "Duplicate topic name.")
			continue
		}
		recs, err := decideAddPartitions(img, cfg, t)
		if err != nil {
			results[i].Err = err
			continue
		}
		records = append(records, recs...)
	}
	if len(records) > maxRecordsPerOp {
		for i := range results {
			if results[i].Err == nil {
				results[i].Err = tooLarge()
			}
		}
		return nil, results
	}
	return records, results
}

func decideAddPartitions(img *metadata.Image, cfg *Config, req CreatePartitions) ([]metadata.Record, error) {
	t := img.Topic(req.Topic)
	if t == nil {
		return nil, newError(ErrUnknownTopicOrPartition, "This server does not host this topic-partition.")
	}
	have := int32(t.NumPartitions())
	switch {
	case req.Count == have:
		return nil, newError(ErrInvalidPartitions, "Topic already has %d partition(s).", have)
	case req.Count < have:
		return nil, newError(ErrInvalidPartitions,
			"The topic %s currently has %d partition(s); %d would not be an increase.", req.Topic, have, req.Count)
	case req.Count-have > maxRecordsPerOp:
		return nil, tooLarge()
	}
	add := req.Count - have
	if req.Assignments != nil && int32(len(req.Assignments)) != add {
		return nil, newError(ErrInvalidReplicaAssignment,
			"Attempted to add %d additional partition(s), but only %d assignment(s) were specified.", add, len(req.Assignments))
	}
	rf := len(t.Partition(0).Replicas)
	assignments := req.Assignments
	if assignments == nil {
		var err error
		if assignments, err = place(usableBrokers(img), have, add, rf, cfg.Rand); err != nil {
			return nil, err
		}
	}
	var records []metadata.Record
	for i, reps := range assignments {
		id := have + int32(i)
		if req.Assignments != nil {
			if err := checkManualAssignment(img, reps, rf); err != nil {
				return nil, err
			}
		}
		isr := usableReplicas(img, reps)
		if len(isr) == 0 {
			return nil, newError(ErrInvalidReplicaAssignment,
				"All brokers specified in the manual partition assignment for partition %d are fenced or in controlled shutdown.", id)
		}
		p := newPartition(id, reps, isr)
		p.TopicID = t.ID
		records = append(records, p)
	}
	return records, nil
}
