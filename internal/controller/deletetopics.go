package controller

import (
	"context"

	"github.com/spoolhq/spool/internal/metadata"
)

// DeleteTopicResult is the outcome for one topic named in DeleteTopics.
type DeleteTopicResult struct {
	Name    string           // empty if the topic was named by an unknown ID
	TopicID metadata.TopicID // zero if the topic was named by an unknown name
	Err     error
}

// DeleteTopics deletes topics named by name or by ID; results come for the
// names first, then the IDs, in request order. Deleting a topic deletes its
// partitions and configs. Like Kafka, the controller does not protect
// internal topics (the tools and ACLs do); __cluster_metadata is not a topic
// of the image, so it is unknown.
func (c *Controller) DeleteTopics(ctx context.Context, names []string, ids []metadata.TopicID) []DeleteTopicResult {
	results, err := run(ctx, c, "DeleteTopics", func(img *metadata.Image) ([]metadata.Record, []DeleteTopicResult) {
		return decideDeleteTopics(img, &c.cfg, names, ids)
	})
	if results == nil {
		for _, n := range names {
			results = append(results, DeleteTopicResult{Name: n})
		}
		for _, id := range ids {
			results = append(results, DeleteTopicResult{TopicID: id})
		}
	}
	for i := range results {
		if err != nil && results[i].Err == nil {
			results[i].Err = err
		}
	}
	return results
}

func decideDeleteTopics(img *metadata.Image, cfg *Config, names []string, ids []metadata.TopicID) ([]metadata.Record, []DeleteTopicResult) {
	if cfg.TopicDeletionDisabled {
		return nil, deletionDisabled(names, ids)
	}
	dupNames := duplicates(names, func(n string) string { return n })
	dupIDs := duplicates(ids, func(id metadata.TopicID) string { return string(id[:]) })
	// A topic named both ways is not deleted, as in Kafka.
	byName, byID := map[metadata.TopicID]bool{}, map[metadata.TopicID]bool{}
	for _, n := range names {
		if t := img.Topic(n); t != nil && !dupNames[n] {
			byName[t.ID] = true
		}
	}
	for _, id := range ids {
		byID[id] = !dupIDs[string(id[:])]
	}
	bothWays := newError(ErrInvalidRequest, "The provided topic name maps to an ID that was already supplied.")

	var results []DeleteTopicResult
	var records []metadata.Record
	for _, n := range names {
		r := DeleteTopicResult{Name: n}
		t := img.Topic(n)
		switch {
		case dupNames[n]:
			r.Err = newError(ErrInvalidRequest, "Duplicate topic name.")
		case t == nil:
			r.Err = newError(ErrUnknownTopicOrPartition, "This server does not host this topic-partition.")
		case byID[t.ID]:
			r.TopicID, r.Err = t.ID, bothWays
		default:
			r.TopicID = t.ID
			records = append(records, metadata.RemoveTopicRecord{TopicID: t.ID})
		}
		results = append(results, r)
	}
	for _, id := range ids {
		r := DeleteTopicResult{TopicID: id}
		t := img.TopicByID(id)
		switch {
		case id.IsZero():
			r.Err = newError(ErrInvalidRequest, "Neither topic name nor id were specified.")
		case dupIDs[string(id[:])]:
			r.Err = newError(ErrInvalidRequest, "Duplicate topic id.")
		case t == nil:
			r.Err = newError(ErrUnknownTopicID, "This server does not host this topic ID.")
		case byName[id]:
			r.Name, r.Err = t.Name, bothWays
		default:
			r.Name = t.Name
			records = append(records, metadata.RemoveTopicRecord{TopicID: id})
		}
		results = append(results, r)
	}
	if len(records) > maxRecordsPerOp {
		records = nil
		for i := range results {
			if results[i].Err == nil {
				results[i].Err = tooLarge()
			}
		}
	}
	return records, results
}

func deletionDisabled(names []string, ids []metadata.TopicID) []DeleteTopicResult {
	var results []DeleteTopicResult
	err := newError(ErrTopicDeletionDisabled, "Topic deletion is disabled.")
	for _, n := range names {
		results = append(results, DeleteTopicResult{Name: n, Err: err})
	}
	for _, id := range ids {
		results = append(results, DeleteTopicResult{TopicID: id, Err: err})
	}
	return results
}
