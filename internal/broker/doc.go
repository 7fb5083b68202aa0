// Package broker assembles one Spool node from its configuration: the log
// directories, the metadata quorum and controller, the hosted partitions,
// the Kafka API handlers, the listeners and the metrics endpoint; and takes
// it apart again on shutdown, in the order that leaves a clean log.
package broker
