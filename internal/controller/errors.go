package controller

import (
	"errors"
	"fmt"
)

// Errors the api layer maps to Kafka error codes (in brackets). Operations
// return them wrapped in *Error, whose message is the one Kafka sends;
// match them with errors.Is.
var (
	ErrNotController               = errors.New("not the active controller")      // NOT_CONTROLLER (41)
	ErrRequestTimedOut             = errors.New("request timed out")              // REQUEST_TIMED_OUT (7)
	ErrTopicAlreadyExists          = errors.New("topic already exists")           // TOPIC_ALREADY_EXISTS (36)
	ErrInvalidTopic                = errors.New("invalid topic")                  // INVALID_TOPIC_EXCEPTION (17)
	ErrInvalidPartitions           = errors.New("invalid partitions")             // INVALID_PARTITIONS (37)
	ErrInvalidReplicationFactor    = errors.New("invalid replication factor")     // INVALID_REPLICATION_FACTOR (38)
	ErrInvalidReplicaAssignment    = errors.New("invalid replica assignment")     // INVALID_REPLICA_ASSIGNMENT (39)
	ErrInvalidConfig               = errors.New("invalid config")                 // INVALID_CONFIG (40)
	ErrInvalidRequest              = errors.New("invalid request")                // INVALID_REQUEST (42)
	ErrPolicyViolation             = errors.New("policy violation")               // POLICY_VIOLATION (44)
	ErrUnknownTopicOrPartition     = errors.New("unknown topic or partition")     // UNKNOWN_TOPIC_OR_PARTITION (3)
	ErrUnknownTopicID              = errors.New("unknown topic id")               // UNKNOWN_TOPIC_ID (100)
	ErrTopicDeletionDisabled       = errors.New("topic deletion is disabled")     // TOPIC_DELETION_DISABLED (73); INVALID_REQUEST before DeleteTopics v3
	ErrBrokerIDNotRegistered       = errors.New("broker id not registered")       // BROKER_ID_NOT_REGISTERED (102)
	ErrStaleBrokerEpoch            = errors.New("stale broker epoch")             // STALE_BROKER_EPOCH (77)
	ErrInconsistentClusterID       = errors.New("inconsistent cluster id")        // INCONSISTENT_CLUSTER_ID (104)
	ErrDuplicateBrokerRegistration = errors.New("duplicate broker registration")  // DUPLICATE_BROKER_REGISTRATION (101)
	ErrFencedLeaderEpoch           = errors.New("fenced leader epoch")            // FENCED_LEADER_EPOCH (74)
	ErrInvalidUpdateVersion        = errors.New("invalid update version")         // INVALID_UPDATE_VERSION (95)
	ErrNewLeaderElected            = errors.New("new leader elected")             // NEW_LEADER_ELECTED (108)
	ErrIneligibleReplica           = errors.New("ineligible replica")             // INELIGIBLE_REPLICA (107)
	ErrOperationNotAttempted       = errors.New("operation not attempted")        // OPERATION_NOT_ATTEMPTED (55)
	ErrUnknownServer               = errors.New("unknown server error")           // UNKNOWN_SERVER_ERROR (-1)
	ErrElectionNotNeeded           = errors.New("election not needed")            // ELECTION_NOT_NEEDED (84)
	ErrPreferredLeaderNotAvailable = errors.New("preferred leader not available") // PREFERRED_LEADER_NOT_AVAILABLE (80)
	ErrEligibleLeadersNotAvailable = errors.New("eligible leaders not available") // ELIGIBLE_LEADERS_NOT_AVAILABLE (83)
	ErrNoReassignmentInProgress    = errors.New("no reassignment in progress")    // NO_REASSIGNMENT_IN_PROGRESS (85)
)

// Error is a Kafka error: Kind is one of the sentinel errors above and
// Message the text for the response's error message field.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Kind.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Kind }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
