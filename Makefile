# Spool's everyday commands. See README.md.

.PHONY: build test interop cluster

# The spool binary in the repository root (ignored by git).
build:
	go build -o spool ./cmd/spool

# Vet and run every unit and integration test, with the race detector.
test:
	go vet ./...
	go test -race -count=1 ./...

# Drive a broker with kcat, confluent-kafka and kafka-python (see
# test/interop). Starts `spool server` itself unless INTEROP_BOOTSTRAP=host:port
# names a running broker.
interop:
	go test -tags interop -count=1 -v ./test/interop/

# The fault tests alone (also part of make test): three spool processes
# killed, stopped, restarted and cut off under acks=all load; prints the
# measured failover and recovery times.
cluster:
	go test -count=1 -v ./test/cluster/
