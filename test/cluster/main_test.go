// Package cluster hurts three-node clusters of real spool processes under
// acks=all idempotent load — kill -9 of a leader, a leader stopped past
// its session (a zombie), the active controller killed, a rolling restart,
// a leader cut off by the network — and checks with the history package
// that no acknowledged record was lost, duplicated or reordered, and that
// every replica ends up the same. Each test prints its failover time (from
// the fault to the first acknowledged produce on the partitions that lost
// their leader) and recovery time (from the node's return to a full ISR on
// every partition).
//
//	go test -count=1 -v ./test/cluster/
package cluster

import (
	"fmt"
	"os"
	"testing"

	"github.com/spoolhq/spool/test/spoolproc"
)

var spoolBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "spool-cluster-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	spoolBin, err = spoolproc.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
