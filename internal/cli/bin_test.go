package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The bin/ wrapper tests run this test binary as the spool binary: with
// SPOOL_CLI_TEST_MAIN=run it is the command line, with =server it stands in
// for a running `spool server` until SIGTERM.
func TestMain(m *testing.M) {
	switch os.Getenv("SPOOL_CLI_TEST_MAIN") {
	case "run":
		os.Exit(Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	case "server":
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
		defer stop()
		select {
		case <-ctx.Done():
			os.Exit(0)
		case <-time.After(time.Minute):
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}

// fakeSpool links this test binary under the name spool.
func fakeSpool(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "spool")
	if err := os.Symlink(self, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// childEnv is the environment of a child process running this test binary;
// a race-enabled binary would otherwise pause a second before exiting.
func childEnv(extra ...string) []string {
	return append(append(os.Environ(), "GORACE=atexit_sleep_ms=0"), extra...)
}

func binDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBinWrappers(t *testing.T) {
	spool := fakeSpool(t)
	bs := newCluster(t)
	wrappers := map[string]string{
		"kafka-topics.sh": "Create, delete, describe, or change a topic.", "kafka-console-producer.sh": "publish it to Kafka.",
		"kafka-console-consumer.sh": "outputs it to standard output.", "kafka-configs.sh": "manipulate and describe entity config",
		"kafka-get-offsets.sh": "getting topic-partition offsets", "kafka-delete-records.sh": "delete records",
		"kafka-dump-log.sh": "parse a log file", "kafka-producer-perf-test.sh": "verify the producer performance",
		"kafka-consumer-perf-test.sh": "verify the consumer performance", "kafka-broker-api-versions.sh": "retrieve broker version information",
		"kafka-consumer-groups.sh":     "reset consumer group offsets",
		"kafka-storage.sh":             "The Kafka storage tool.",
		"kafka-metadata-quorum.sh":     "Describe the metadata quorum",
		"kafka-leader-election.sh":     "attempts to elect a new leader",
		"kafka-reassign-partitions.sh": "move topic partitions between replicas",
	}
	for name, about := range wrappers {
		cmd := exec.Command(filepath.Join(binDir(t), name), "--help")
		cmd.Env = childEnv("SPOOL_BIN="+spool, "SPOOL_CLI_TEST_MAIN=run")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), about) {
			t.Errorf("%s --help: %v\n%s", name, err, out)
		}
	}
	cmd := exec.Command(filepath.Join(binDir(t), "kafka-topics.sh"), "--bootstrap-server", bs, "--create", "--topic", "via-script")
	cmd.Env = childEnv("SPOOL_BIN="+spool, "SPOOL_CLI_TEST_MAIN=run")
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "Created topic via-script.\n" {
		t.Fatalf("kafka-topics.sh --create: %v\n%s", err, out)
	}
}

func TestServerStopScript(t *testing.T) {
	spool := fakeSpool(t)
	dir := t.TempDir()
	// A node id no other server on this machine has, so that the script
	// stops only the stand-in started here.
	node := fmt.Sprint(1_000_000 + rand.IntN(1_000_000))
	if err := os.WriteFile(filepath.Join(dir, "server.properties"), []byte("process.roles=broker,controller\nnode.id="+node+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	server := exec.Command(spool, "server", "server.properties")
	server.Dir = dir
	server.Env = childEnv("SPOOL_CLI_TEST_MAIN=server")
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	exited := make(chan struct{})
	go func() {
		waitErr = server.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = server.Process.Kill()
		<-exited
	})

	stop := func(arg string) string {
		out, err := exec.Command(filepath.Join(binDir(t), "kafka-server-stop.sh"), arg).CombinedOutput()
		if err != nil {
			t.Fatalf("kafka-server-stop.sh %s: %v\n%s", arg, err, out)
		}
		return string(out)
	}
	stop("--node-id=" + node + "0") // another node: left running
	select {
	case <-exited:
		t.Fatalf("server stopped by a stop for another node: %v", waitErr)
	case <-time.After(100 * time.Millisecond):
	}
	stop("--node-id=" + node)
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("server exited with %v", waitErr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("kafka-server-stop.sh did not stop the server")
	}
}
