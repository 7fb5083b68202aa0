package api

import (
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/spoolhq/spool/internal/controller"
	"github.com/spoolhq/spool/internal/fetchsession"
	"github.com/spoolhq/spool/internal/partition"
	"github.com/spoolhq/spool/internal/producerstate"
	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/replica"
	"github.com/spoolhq/spool/internal/storage"
)

// errorCodes maps domain errors to Kafka error codes, first match wins.
// Anything not listed is UNKNOWN_SERVER_ERROR.
var errorCodes = []struct {
	err  error
	code *kerr.Error
}{
	{replica.ErrUnknownTopicOrPartition, kerr.UnknownTopicOrPartition},
	{replica.ErrUnknownTopicID, kerr.UnknownTopicID},
	{partition.ErrNotLeader, kerr.NotLeaderForPartition},
	{partition.ErrFencedLeaderEpoch, kerr.FencedLeaderEpoch},
	{partition.ErrUnknownLeaderEpoch, kerr.UnknownLeaderEpoch},
	{partition.ErrNotEnoughReplicas, kerr.NotEnoughReplicas},
	{partition.ErrNotEnoughReplicasAfterAppend, kerr.NotEnoughReplicasAfterAppend},
	{partition.ErrOffsetNotAvailable, kerr.OffsetNotAvailable},
	{partition.ErrInvalidOffset, kerr.OffsetOutOfRange},
	{partition.ErrInvalidTimestamp, kerr.InvalidRequest},
	{storage.ErrOffsetOutOfRange, kerr.OffsetOutOfRange},
	{storage.ErrBatchTooLarge, kerr.RecordListTooLarge},
	{record.ErrCorruptMessage, kerr.CorruptMessage},
	{record.ErrInvalidTimestamp, kerr.InvalidTimestamp},
	{record.ErrInvalidRecord, kerr.InvalidRecord},
	{record.ErrMessageTooLarge, kerr.MessageTooLarge},
	{record.ErrUnsupportedCompression, kerr.UnsupportedCompressionType},
	{producerstate.ErrInvalidProducerEpoch, kerr.InvalidProducerEpoch},
	{producerstate.ErrOutOfOrderSequence, kerr.OutOfOrderSequenceNumber},
	{producerstate.ErrInvalidTxnState, kerr.InvalidTxnState},
	{fetchsession.ErrSessionNotFound, kerr.FetchSessionIDNotFound},
	{fetchsession.ErrInvalidEpoch, kerr.InvalidFetchSessionEpoch},
	{fetchsession.ErrTopicIDMismatch, kerr.FetchSessionTopicIDError},
	{storage.ErrClosed, kerr.NotLeaderForPartition},
	{controller.ErrNotController, kerr.NotController},
	{controller.ErrRequestTimedOut, kerr.RequestTimedOut},
	{controller.ErrTopicAlreadyExists, kerr.TopicAlreadyExists},
	{controller.ErrInvalidTopic, kerr.InvalidTopicException},
	{controller.ErrInvalidPartitions, kerr.InvalidPartitions},
	{controller.ErrInvalidReplicationFactor, kerr.InvalidReplicationFactor},
	{controller.ErrInvalidReplicaAssignment, kerr.InvalidReplicaAssignment},
	{controller.ErrInvalidConfig, kerr.InvalidConfig},
	{controller.ErrInvalidRequest, kerr.InvalidRequest},
	{controller.ErrPolicyViolation, kerr.PolicyViolation},
	{controller.ErrUnknownTopicOrPartition, kerr.UnknownTopicOrPartition},
	{controller.ErrUnknownTopicID, kerr.UnknownTopicID},
	{controller.ErrTopicDeletionDisabled, kerr.TopicDeletionDisabled},
	{controller.ErrBrokerIDNotRegistered, kerr.BrokerIDNotRegistered},
	{controller.ErrStaleBrokerEpoch, kerr.StaleBrokerEpoch},
	{controller.ErrDuplicateBrokerRegistration, kerr.DuplicateBrokerRegistration}, // cluster
	{controller.ErrFencedLeaderEpoch, kerr.FencedLeaderEpoch},
	{controller.ErrInvalidUpdateVersion, kerr.InvalidUpdateVersion},
	{controller.ErrNewLeaderElected, kerr.NewLeaderElected},
	{controller.ErrIneligibleReplica, kerr.IneligibleReplica},
	{controller.ErrOperationNotAttempted, kerr.OperationNotAttempted},
	{controller.ErrInconsistentClusterID, kerr.InconsistentClusterID},
	{controller.ErrElectionNotNeeded, kerr.ElectionNotNeeded},
	{controller.ErrPreferredLeaderNotAvailable, kerr.PreferredLeaderNotAvailable},
	{controller.ErrEligibleLeadersNotAvailable, kerr.EligibleLeadersNotAvailable},
	{controller.ErrNoReassignmentInProgress, kerr.NoReassignmentInProgress},
}

// errorMessage is the text for a response's error message field: the
// controller's Kafka-worded message when it has one.
func errorMessage(err error) *string {
	if err == nil {
		return nil
	}
	var ce *controller.Error
	if errors.As(err, &ce) {
		return &ce.Message
	}
	m := err.Error()
	return &m
}

// errorCode is the Kafka error code for a domain error.
func errorCode(err error) int16 {
	if err == nil {
		return 0
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code.Code
		}
	}
	var ce *storage.CorruptionError
	if errors.As(err, &ce) {
		return kerr.KafkaStorageError.Code
	}
	return kerr.UnknownServerError.Code
}

// errorResponse builds the response to req with code in every error field,
// for requests refused as a whole (a version we advertise but do not serve).
func errorResponse(req kmsg.Request, code int16) kmsg.Response {
	switch req := req.(type) {
	case *kmsg.ProduceRequest:
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, t := range req.Topics {
			rt := kmsg.NewProduceResponseTopic()
			rt.Topic, rt.TopicID = t.Topic, t.TopicID
			for _, p := range t.Partitions {
				rp := kmsg.NewProduceResponseTopicPartition()
				rp.Partition, rp.ErrorCode = p.Partition, code
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	panic("no error response for " + kmsg.NameForKey(req.Key()))
}
