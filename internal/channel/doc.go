// Package channel is the broker-to-controller channel (Kafka's
// NodeToControllerChannelManager): it finds the active controller and
// sends it Kafka requests on its controller listener, or hands them to the
// local controller when this node is the active one.
//
// The active controller is the metadata quorum's leader. A node that
// follows the quorum knows the leader from Raft; one that does not yet
// (a broker-only node before the controller adds it) asks the voters with
// DescribeQuorum. A NOT_CONTROLLER answer or a broken connection makes the
// channel look again and retry until the caller's context ends, so callers
// see the answer of whichever controller was active when it succeeded.
package channel
