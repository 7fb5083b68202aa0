// Package network accepts client connections and moves Kafka request and
// response frames over them.
//
// Each connection has a reader goroutine and a writer goroutine. The reader
// reads one size-prefixed frame at a time and passes it to the Handler, which
// does whatever must happen in request order before it returns a Reply. The
// writer sends replies strictly in request order, waiting for replies that are
// still pending (a long-polling fetch, a produce waiting for replicas) while
// later requests on the same connection are already being read and handled.
//
// The package knows nothing of Kafka messages beyond the frame size prefix
// and the API key at the start of a request header (for metrics); the api
// package plugs in as the Handler.
package network
