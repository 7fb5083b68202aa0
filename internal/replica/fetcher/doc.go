// Package fetcher is the follower side of replication: Kafka's replica
// fetcher manager and threads. A fetcher goroutine per (source broker,
// fetcher index) fetches every partition this broker follows from that
// leader in one Fetch request (with a KIP-227 fetch session), appends the
// batches as the leader wrote them, takes the leader's high watermark, and
// truncates where the leader answers DivergingEpoch or the fetch offset is
// out of range.
package fetcher
