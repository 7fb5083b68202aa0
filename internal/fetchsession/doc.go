// Package fetchsession is the broker's cache of incremental fetch sessions
// (KIP-227, with topic IDs from KIP-516), behaving as Kafka 4.x's
// FetchManager and FetchSessionCache do.
//
// A fetcher that holds a session sends only what changed since its last
// request (new partitions, new offsets, forgotten partitions), and the
// broker answers only the partitions with something to say; the session
// remembers the rest. Requests name their session with (session id, epoch):
//
//	id 0, epoch -1    full fetch without a session (every request before v7)
//	id 0, epoch 0     full fetch that creates a session if a slot can be had
//	id N, epoch -1    close session N, full fetch without a session
//	id N, epoch 0     close session N, full fetch that creates a new one
//	id N, epoch E     incremental fetch; E must be the session's next epoch
//	                  (1 after creation, then +1, wrapping from MaxInt32 to 1)
//
// An incremental request for a session the broker lacks gets
// ErrSessionNotFound, one with another epoch ErrInvalidEpoch, one whose
// version disagrees with the session about topic IDs ErrTopicIDMismatch.
// Closing a session the broker lacks is not an error.
//
// # Serving a Fetch request
//
// The api layer translates between kmsg and these types; the handler:
//
//  1. Builds a Request: SessionID and Epoch (0 and FinalEpoch before v7,
//     which carry neither), Follower (replica id >= 0), TopicIDs
//     (version >= 13), and the partitions and forgotten partitions in
//     request order. From v13 each gets its TopicID and the name the
//     metadata image has for it, or "" if none; TopicNames looks IDs up in
//     the same image. Before v13, names only. Negative leader epochs mean
//     none.
//  2. Takes a Context (from a sync.Pool) and calls Cache.Begin(ctx, req,
//     now).
//  3. For each i, p in ctx.Partitions(), in that order: a partition with
//     Topic "" (v13+) gets UNKNOWN_TOPIC_ID; one not authorized,
//     TOPIC_AUTHORIZATION_FAILED; one not in the metadata,
//     UNKNOWN_TOPIC_OR_PARTITION; the rest are read from the replica
//     layer, within the request's max_bytes. Errors carry high watermark,
//     last stable offset and log start offset -1, as Kafka answers. The
//     handler keeps its read results in its own slice indexed like
//     Partitions and calls ctx.SetResult(i, Result{...}) for each.
//     A context with Err() != nil has no partitions.
//  4. Long-polls if min_bytes is not met (reading again, and setting the
//     results again, when woken or timed out).
//  5. Calls ctx.Respond(now), or ctx.Throttled() if a quota throttles the
//     request (ctx.Preview() gives the partitions to size it first).
//  6. Writes the response: error code from Response.Err (errors.Is with
//     the errors of errors.go), session_id from Response.SessionID, and the
//     partitions Response.Partitions lists, in that order, grouping
//     consecutive partitions of one topic into one topic entry.
//  7. Puts the Context back in the pool once the response is encoded:
//     Partitions and Response.Partitions belong to it.
//
// Incremental sessions keep partitions whose topic the broker does not know
// (an unknown topic ID, a deleted topic, a vanished partition): each fetch
// reports their error again, because errors are always sent, until the
// fetcher forgets them. A name learnt later resolves the partition in place
// and a name once known is kept.
//
// # Steady state without allocation
//
// Partitions, results and response indices live in slices of the Context,
// which Begin reuses, and a session's partitions live in one slice chained
// in fetch order, so an incremental fetch that changes no partition, or a
// sessionless one, allocates nothing once its Context has grown. Begin
// copies the session's partitions into the Context rather than lending the
// session's slice because another request of the same session (a duplicate,
// a retry after a client timeout) may change the session meanwhile; Respond
// then finds the session at a later epoch and answers ErrInvalidEpoch,
// keeping the session id, as Kafka does. Only creating a session allocates.
//
// # Fairness
//
// The order of Partitions is the order the handler fills the response in,
// so partitions late in it get what max_bytes leaves. After a response,
// the partitions that returned records move to the back of the session
// (keeping their relative order), so the others come first next time.
//
// # Differences from Kafka
//
// Kafka 4.x splits the cache into 8 shards of slots/8 sessions each, filled
// round-robin, and evicts within a shard; this cache is one shard of all
// the slots, so it evicts exactly as Kafka with one shard. Kafka answers
// partitions refused before reading (unknown, unauthorized) after the ones
// it read, and caches a new session in that order; here they stay in
// request order. Clients do not depend on either order.
//
// # Concurrency
//
// A Cache is safe for concurrent use; one mutex guards all sessions. It
// reads no clock (callers pass now) and does no I/O.
package fetchsession
