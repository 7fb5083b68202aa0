// Package quorum is the metadata log: the Raft group of the controllers that
// orders every metadata change, built on hashicorp/raft.
//
// Each committed log entry is a batch of metadata records; the package
// replays it into the next metadata.Image and tells its subscribers, in log
// order, what changed. Raft snapshots hold a whole image. On a single node
// the group has one voter that formats itself on first start and elects
// itself within a couple of hundred milliseconds on restart.
//
// Callers see metadata types only: proposing records, reading the current
// image, subscribing to changes and asking who leads. Which Raft transport
// and log store sit underneath is this package's business.
package quorum
