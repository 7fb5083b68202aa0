// Package tools runs the Kafka quickstart commands exactly as a user types
// them, through the bin/kafka-*.sh wrappers, against a spool process that
// bin/kafka-server-start.sh started from the sample config/server.properties
// (on free ports and a node id of its own, so that it neither collides with
// nor stops another server on the machine), and stops it with
// bin/kafka-server-stop.sh.
package tools

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// spoolBin is the spool binary built from this repository for the tests.
var spoolBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "spool-tools-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	spoolBin = filepath.Join(dir, "spool")
	args := []string{"build", "-o", spoolBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "../../cmd/spool")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build spool:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
