// Package controller is the active controller: it decides metadata changes
// (topics, partitions, configs, broker registrations, producer-ID blocks)
// and writes them to the metadata log.
//
// Every operation follows Kafka's ControllerResult pattern: a pure function
// takes the current metadata.Image and the request and returns the records
// to append and the response, without I/O, clocks or shared state (IDs and
// random placement come from injected sources). Only replaying committed
// records changes state, the same way on the leader, on standbys and after
// a restart. Operations run one at a time, and each proposal is conditional
// on the image it was decided on, so decisions never race.
package controller
