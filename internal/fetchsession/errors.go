package fetchsession

import "errors"

// Errors a Context reports for a whole request. They are normal outcomes,
// answered with the Kafka error code noted and no partitions; the api layer
// maps them with errors.Is. The Java client reacts to each differently
// (FetchSessionHandler.handleResponse): after ErrSessionNotFound it starts
// over with a new session, after the others it closes its session and asks
// for a new one (same id, epoch 0).
var (
	// ErrSessionNotFound means an incremental request named a session this
	// broker does not have (never created, evicted, or closed).
	// FETCH_SESSION_ID_NOT_FOUND (70).
	ErrSessionNotFound = errors.New("fetch session id not found")
	// ErrInvalidEpoch means an incremental request's epoch is not the one
	// the session expects next, or a later request of the same session
	// overtook this one before it was answered.
	// INVALID_FETCH_SESSION_EPOCH (71).
	ErrInvalidEpoch = errors.New("invalid fetch session epoch")
	// ErrTopicIDMismatch means an incremental request's version disagrees
	// with its session about topic IDs: a session created with Fetch v13+
	// (topic IDs) continued with v12 or older, or the reverse.
	// FETCH_SESSION_TOPIC_ID_ERROR (106).
	ErrTopicIDMismatch = errors.New("fetch session topic id error")
)
