package fetcher

import (
	"math"
	"slices"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// session is the follower's side of a KIP-227 fetch session with its
// leader (Kafka's FetchSessionHandler): the first request is full and
// creates the session; later ones carry only the partitions that are new
// or changed and forget those no longer fetched. Any error starts over with
// a full request.
type session struct {
	id, epoch int32
	// held is what the leader's session holds per partition.
	held map[key]sentPart
	// next is what held becomes once the request in flight is answered.
	next map[key]sentPart
}

func (s *session) reset() {
	s.id, s.epoch, s.held, s.next = 0, 0, nil, nil
}

// fill writes ready's partitions (or the changes to them) and the session
// fields into req.
func (s *session) fill(req *kmsg.FetchRequest, ready map[key]sentPart, maxBytes int32) {
	req.SessionID, req.SessionEpoch = s.id, s.epoch
	s.next = ready
	keys := make([]key, 0, len(ready))
	for k, sp := range ready {
		if s.id != 0 {
			if old, ok := s.held[k]; ok && old == sp {
				continue
			}
		}
		keys = append(keys, k)
	}
	sortKeys(keys)
	for _, k := range keys {
		sp := ready[k]
		t := topicFor(req, k, sp.name)
		p := kmsg.NewFetchRequestTopicPartition()
		p.Partition, p.CurrentLeaderEpoch, p.FetchOffset = k.partition, sp.leaderEpoch, sp.fetchOffset
		p.LastFetchedEpoch, p.LogStartOffset, p.PartitionMaxBytes = sp.lastFetchedEpoch, sp.logStart, maxBytes
		t.Partitions = append(t.Partitions, p)
	}
	if s.id == 0 {
		return
	}
	var gone []key
	for k := range s.held {
		if _, ok := ready[k]; !ok {
			gone = append(gone, k)
		}
	}
	sortKeys(gone)
	for _, k := range gone {
		ft := forgottenFor(req, k, s.held[k].name)
		ft.Partitions = append(ft.Partitions, k.partition)
	}
}

// answered records a successful response: a full request's answer opens
// the session (or none, with session id 0), an incremental one moves it on.
func (s *session) answered(id int32) {
	if s.id == 0 {
		if id == 0 {
			s.held = nil
			return
		}
		s.id, s.epoch = id, 1
	} else if s.epoch++; s.epoch == math.MaxInt32 {
		s.epoch = 1
	}
	s.held, s.next = s.next, nil
}

func topicFor(req *kmsg.FetchRequest, k key, name string) *kmsg.FetchRequestTopic {
	if n := len(req.Topics); n > 0 && req.Topics[n-1].TopicID == k.topicID {
		return &req.Topics[n-1]
	}
	t := kmsg.NewFetchRequestTopic()
	t.Topic, t.TopicID = name, k.topicID
	req.Topics = append(req.Topics, t)
	return &req.Topics[len(req.Topics)-1]
}

func forgottenFor(req *kmsg.FetchRequest, k key, name string) *kmsg.FetchRequestForgottenTopic {
	if n := len(req.ForgottenTopics); n > 0 && req.ForgottenTopics[n-1].TopicID == k.topicID {
		return &req.ForgottenTopics[n-1]
	}
	t := kmsg.NewFetchRequestForgottenTopic()
	t.Topic, t.TopicID = name, k.topicID
	req.ForgottenTopics = append(req.ForgottenTopics, t)
	return &req.ForgottenTopics[len(req.ForgottenTopics)-1]
}

func sortKeys(ks []key) {
	slices.SortFunc(ks, func(a, b key) int {
		for i := range a.topicID {
			if a.topicID[i] != b.topicID[i] {
				return int(a.topicID[i]) - int(b.topicID[i])
			}
		}
		return int(a.partition - b.partition)
	})
}
