// Package api implements the Kafka APIs: one file per API key, each a thin
// handler that decodes the request (with franz-go's kmsg), calls the domain
// packages and fills the response.
//
// The version table in versions.go is the contract with clients: it is what
// ApiVersions advertises and what the dispatcher accepts. A request outside
// it, with an unknown API key or with a body that does not decode, closes the
// connection (a Go error from a handler does too); outcomes the client should
// act on are Kafka error codes in the response, mapped from domain errors in
// errors.go.
package api
