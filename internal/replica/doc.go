// Package replica keeps the partitions this broker hosts: it creates and
// deletes them as the metadata image changes, finds them for requests, and
// runs their maintenance (retention, flushing, checkpoints, producer
// expiry). It gives each partition its role from the metadata: partitions
// followed here go to the replica fetchers (package fetcher), partitions led
// here send their ISR changes through an ISRUpdater (isr.go).
//
// Lookups happen on every produce and fetch, so the table of hosted topics
// is copy-on-write behind an atomic pointer: readers take no lock, and the
// rare metadata change builds a new table.
package replica
