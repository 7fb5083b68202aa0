package api

import (
	"context"
	"slices"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/network"
)

// authorizedOpsUnset is Kafka's value when authorized operations were not
// asked for.
const authorizedOpsUnset = -2147483648

// Without ACLs every client may do everything a resource supports; these
// are the bit sets of Kafka's AclOperation codes each resource type allows
// (AclEntry.supportedOperations).
const (
	topicOperations   = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11 // READ..ALTER_CONFIGS
	clusterOperations = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12       // CREATE, ALTER..IDEMPOTENT_WRITE
)

func (h *Handler) metadata(ctx context.Context, r *Request) (network.Reply, error) {
	req := r.Body.(*kmsg.MetadataRequest)
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	all := req.Topics == nil || (r.Version == 0 && len(req.Topics) == 0)
	if !all && r.Version < 12 && namesTopicsByID(req.Topics) {
		// Versions 10 and 11 carry topic ids, but Kafka refuses them.
		return respond(r, metadataError(req, kerr.InvalidRequest.Code))
	}
	topics := distinctTopics(req.Topics)
	img := h.Image()
	autoCreate := h.Config.AutoCreateTopics && (r.Version < 4 || req.AllowAutoTopicCreation)
	if !all {
		img = h.autoCreateTopics(ctx, img, topics, autoCreate)
	}
	resp.Brokers = brokersFor(img, r.Conn.Listener)
	resp.ClusterID = ptr(img.ClusterID())
	resp.ControllerID = h.NodeID
	if r.Version >= 8 && r.Version <= 10 && req.IncludeClusterAuthorizedOperations {
		resp.AuthorizedOperations = clusterOperations
	}
	topicOps := int32(authorizedOpsUnset)
	if req.IncludeTopicAuthorizedOperations {
		topicOps = topicOperations
	}
	if all {
		for _, t := range img.Topics() {
			resp.Topics = append(resp.Topics, topicMetadata(img, t, topicOps, r.Conn.Listener, r.Version))
		}
		return respond(r, resp)
	}
	for _, rt := range topics {
		resp.Topics = append(resp.Topics, h.requestedTopic(img, rt, autoCreate, topicOps, r.Conn.Listener, r.Version))
	}
	return respond(r, resp)
}

func namesTopicsByID(topics []kmsg.MetadataRequestTopic) bool {
	return slices.ContainsFunc(topics, func(t kmsg.MetadataRequestTopic) bool {
		return t.Topic == nil || t.TopicID != [16]byte{}
	})
}

// distinctTopics is the request's topics as Kafka reads them: each name or
// id once and, when any topic is named by id, only the ids.
func distinctTopics(topics []kmsg.MetadataRequestTopic) []kmsg.MetadataRequestTopic {
	byID := slices.ContainsFunc(topics, func(t kmsg.MetadataRequestTopic) bool { return t.TopicID != [16]byte{} })
	names, ids := map[string]bool{}, map[[16]byte]bool{}
	var out []kmsg.MetadataRequestTopic
	for _, t := range topics {
		switch {
		case byID:
			if t.TopicID == [16]byte{} || ids[t.TopicID] {
				continue
			}
			ids[t.TopicID] = true
			t.Topic = nil
		case t.Topic == nil:
			if ids[t.TopicID] {
				continue
			}
			ids[t.TopicID] = true
		default:
			if names[*t.Topic] {
				continue
			}
			names[*t.Topic] = true
		}
		out = append(out, t)
	}
	return out
}

// metadataError is Kafka's answer to a Metadata request refused as a whole:
// every requested topic with the error, and nothing else.
func metadataError(req *kmsg.MetadataRequest, code int16) *kmsg.MetadataResponse {
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	resp.ControllerID = -1
	for _, rt := range req.Topics {
		out := kmsg.NewMetadataResponseTopic()
		out.Topic, out.TopicID, out.ErrorCode = ptr(""), rt.TopicID, code
		if rt.Topic != nil {
			out.Topic = ptr(*rt.Topic)
		}
		resp.Topics = append(resp.Topics, out)
	}
	return resp
}

// autoCreateTopics creates the requested topics that do not exist, with the
// broker defaults, and returns the image that has them.
func (h *Handler) autoCreateTopics(ctx context.Context, img *metadata.Image, topics []kmsg.MetadataRequestTopic, autoCreate bool) *metadata.Image {
	if !autoCreate {
		return img
	}
	var create []controller.CreateTopic
	for _, rt := range topics {
		if rt.Topic == nil || img.Topic(*rt.Topic) != nil {
			continue
		}
		create = append(create, controller.CreateTopic{Name: *rt.Topic, NumPartitions: -1, ReplicationFactor: -1})
	}
	if len(create) == 0 {
		return img
	}
	for _, res := range h.createTopicsVia(ctx, create) {
		if res.Err != nil && errorCode(res.Err) != kerr.TopicAlreadyExists.Code {
			h.log.Info("auto-creating topic failed", "topic", res.Name, "err", res.Err)
		} else if res.Err == nil {
			h.log.Info("auto-created topic", "topic", res.Name, "partitions", res.NumPartitions)
		}
	}
	return h.Image()
}

func (h *Handler) requestedTopic(img *metadata.Image, rt kmsg.MetadataRequestTopic, autoCreate bool, topicOps int32, listener string, version int16) kmsg.MetadataResponseTopic {
	var t *metadata.Topic
	if rt.Topic != nil {
		t = img.Topic(*rt.Topic)
	} else {
		t = img.TopicByID(metadata.TopicID(rt.TopicID))
	}
	if t != nil {
		return topicMetadata(img, t, topicOps, listener, version)
	}
	out := kmsg.NewMetadataResponseTopic()
	out.Topic, out.TopicID = rt.Topic, rt.TopicID
	out.AuthorizedOperations = authorizedOpsUnset
	if rt.Topic != nil {
		// Kafka describes a missing name as it would the topic.
		out.AuthorizedOperations = topicOps
		out.IsInternal = controller.IsInternalTopic(*rt.Topic)
	}
	switch {
	case rt.Topic == nil:
		out.ErrorCode = kerr.UnknownTopicID.Code
	case !validTopicName(*rt.Topic):
		out.ErrorCode = kerr.InvalidTopicException.Code
	case autoCreate:
		// Creation was asked for but did not happen (yet); the client
		// retries, as with Kafka's asynchronous auto-creation.
		out.ErrorCode = kerr.LeaderNotAvailable.Code
	default:
		out.ErrorCode = kerr.UnknownTopicOrPartition.Code
	}
	return out
}

// topicMetadata describes a topic's partitions as Kafka's KRaft metadata
// cache does: a partition without a leader, or whose leader has no
// endpoint on the request's listener, answers LEADER_NOT_AVAILABLE
// (LISTENER_NOT_FOUND from v6 when the leader is registered but fenced or
// without that listener); replicas on fenced or unregistered brokers, or
// without the listener, are offline. Version 0 lists only the replicas that
// are available and says REPLICA_NOT_AVAILABLE when some are not.
func topicMetadata(img *metadata.Image, t *metadata.Topic, topicOps int32, listener string, version int16) kmsg.MetadataResponseTopic {
	out := kmsg.NewMetadataResponseTopic()
	out.Topic, out.TopicID = ptr(t.Name), t.ID
	out.IsInternal = controller.IsInternalTopic(t.Name)
	out.AuthorizedOperations = topicOps
	for _, p := range t.Partitions() {
		rp := kmsg.NewMetadataResponseTopicPartition()
		rp.Partition, rp.Leader, rp.LeaderEpoch = p.ID, p.Leader, p.LeaderEpoch
		rp.Replicas, rp.ISR = p.Replicas, p.ISR
		rp.OfflineReplicas = filter(p.Replicas, func(r int32) bool { return !reachable(img, r, listener) })
		switch {
		case p.Leader < 0 || img.Broker(p.Leader) == nil:
			rp.Leader, rp.ErrorCode = -1, kerr.LeaderNotAvailable.Code
		case !reachable(img, p.Leader, listener):
			rp.Leader, rp.ErrorCode = -1, kerr.LeaderNotAvailable.Code
			if version >= 6 {
				rp.ErrorCode = kerr.ListenerNotFound.Code
			}
		}
		if version == 0 {
			live := func(r int32) bool { return reachable(img, r, listener) }
			replicas, isr := filter(p.Replicas, live), filter(p.ISR, live)
			if rp.ErrorCode == 0 && (len(replicas) < len(p.Replicas) || len(isr) < len(p.ISR)) {
				rp.ErrorCode = kerr.ReplicaNotAvailable.Code
			}
			rp.Replicas, rp.ISR = replicas, isr
		}
		out.Partitions = append(out.Partitions, rp)
	}
	return out
}

// reachable reports whether broker is registered, unfenced and has an
// endpoint on listener.
func reachable(img *metadata.Image, broker int32, listener string) bool {
	b := img.Broker(broker)
	if b == nil || b.Fenced {
		return false
	}
	_, ok := b.Endpoint(listener)
	return ok
}

func filter(s []int32, keep func(int32) bool) []int32 {
	out := []int32{}
	for _, v := range s {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

// brokersFor lists the unfenced brokers with their endpoint on the listener
// the request arrived on, as Kafka answers.
func brokersFor(img *metadata.Image, listener string) []kmsg.MetadataResponseBroker {
	var out []kmsg.MetadataResponseBroker
	for _, b := range img.Brokers() {
		if b.Fenced {
			continue
		}
		ep, ok := b.Endpoint(listener)
		if !ok {
			continue
		}
		rb := kmsg.NewMetadataResponseBroker()
		rb.NodeID, rb.Host, rb.Port, rb.Rack = b.ID, ep.Host, int32(ep.Port), b.Rack
		out = append(out, rb)
	}
	return out
}

// validTopicName applies Kafka's topic name rules.
func validTopicName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 249 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func ptr[T any](v T) *T { return &v }
