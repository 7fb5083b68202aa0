// Package metadata holds the cluster metadata of a Spool cluster: the records
// that the controller writes to the metadata log, their binary encoding, and
// the immutable Image that replaying those records produces.
//
// The records follow Apache Kafka's KRaft metadata records (TopicRecord,
// PartitionRecord, ConfigRecord, ...) field for field where Spool needs them;
// their encoding is Spool's own and is written down in
// docs/format/metadata-records.md.
//
// An Image is never modified once built. Image.Apply returns a new Image and a
// Delta describing what changed; the new Image shares every topic, partition
// and config map that the records did not touch with the old one, so readers
// may hold an *Image without locks and replaying a batch costs in proportion
// to what it changes, not to the size of the cluster.
//
// Nothing here does I/O, reads a clock or imports another Spool package:
// replaying the same records onto the same Image gives the same result on
// every node.
package metadata
