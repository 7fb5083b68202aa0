// Package replica keeps the partitions this broker hosts: it creates and
// deletes them as the metadata image changes, finds them for requests, and
// runs their maintenance (retention, flushing, checkpoints, producer
// expiry).
//
// Lookups happen on every produce and fetch, so the table of hosted topics
// is copy-on-write behind an atomic pointer: readers take no lock, and the
// rare metadata change builds a new table.
package replica
