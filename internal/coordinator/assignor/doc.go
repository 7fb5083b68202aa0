// Package assignor holds the server-side partition assignors of KIP-848
// consumer groups, behaving as Kafka 4.x's: "uniform" (the default) and
// "range", as pure functions from a GroupSpec and a TopicDescriber to a
// GroupAssignment, a Registry for group.consumer.assignors, and
// TopicRegex, which compiles and resolves a member's SubscribedTopicRegex
// as Kafka does.
//
// # The group coordinator's side
//
// When a consumer group's epoch moves past its target assignment epoch, the
// coordinator builds a GroupSpec: every member's subscribed topic ids
// (names and regex resolved against the metadata image), instance and rack
// ids, and its assignment in the current target assignment (a static
// member that replaces a departed one takes the departed member's), plus
// the group's subscription type as Kafka computes it. It picks the
// assignor (Registry.Lookup of the members' preferred ServerAssignor, or
// Registry.Default), calls Assign, and writes a target-assignment record
// for each member whose Assignment is not Equal to its old one.
//
// Assign returns an entry for every member, each partition of each
// subscribed topic in exactly one member's assignment, partitions
// ascending. Its errors match ErrUnknownTopic; Lookup's match
// ErrUnsupportedAssignor (UNSUPPORTED_ASSIGNOR) and CompileTopicRegex's
// ErrInvalidRegularExpression (INVALID_REGULAR_EXPRESSION), with Kafka's
// messages.
//
// # Uniform
//
// Balanced first, sticky second. In a homogeneous group (every member
// subscribes to the same topics) partition counts differ by at most one
// and each member keeps what it had up to its share, so adding or removing
// a member moves only the partitions that balance requires. In a
// heterogeneous group every member keeps the partitions of topics it still
// subscribes to, new partitions go to the least loaded subscribers, and
// rounds of moves from most to least loaded subscribers balance the group
// as far as the subscriptions allow.
//
// # Range
//
// Per topic, contiguous ranges to the subscribers in member order (static
// members first by instance id, then member id), co-partitioned when all
// members subscribe to the same topics of equal partition counts. Not
// sticky beyond that order, as in Kafka.
//
// # Regex subscriptions
//
// CompileTopicRegex validates a member's SubscribedTopicRegex as Kafka does
// (RE2/J syntax, INVALID_REGULAR_EXPRESSION with Kafka's message) and
// TopicRegex.Resolve lists the topic names it matches as a whole, internal
// topics included, as in Kafka; the coordinator resolves the names to ids
// for Member.Topics.
//
// # Racks
//
// Kafka 4.x's uniform and range assignors do not use racks (Kafka 3.7's
// did; KAFKA-16694 removed it), so neither do these. Member.RackID and TopicDescriber.PartitionRacks carry what a
// rack-aware assignor would need.
//
// # Determinism
//
// Kafka's assignors iterate Java hash maps, so where a tie is broken by
// iteration order the result depends on hashing. These assignors break
// such ties by member id (Java string order) and topic id (Kafka's Uuid
// order) instead: the heterogeneous uniform and the range assignors then
// give exactly Kafka's result for members in that order (which is how
// Kafka's own tests order them), and the homogeneous uniform assignor
// gives an assignment with the same balance that moves no more partitions
// than Kafka's (see assignHomogeneous).
package assignor
