package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/spoolhq/spool/internal/broker"
	"github.com/spoolhq/spool/internal/config"
)

// topicSeed is a topic a test needs before it starts.
type topicSeed struct {
	partitions int32
	topics     []string
}

func seed(partitions int32, topics ...string) topicSeed { return topicSeed{partitions, topics} }

// newCluster starts a one-broker cluster for one test and returns its
// bootstrap address. By default it is franz-go's fake broker (kfake); with
// SPOOL_CLI_TEST_BROKER=spool it is Spool's own broker, in-process, so the
// same tests check the tools against the real thing.
func newCluster(t *testing.T, seeds ...topicSeed) string {
	t.Helper()
	if os.Getenv("SPOOL_CLI_TEST_BROKER") == "spool" {
		return newSpoolCluster(t, seeds)
	}
	opts := []kfake.Opt{kfake.NumBrokers(1)}
	for _, s := range seeds {
		opts = append(opts, kfake.SeedTopics(s.partitions, s.topics...))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("start fake cluster: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()[0]
}

// onKfake reports whether the tests run against kfake, for the few
// answers where kfake differs from Kafka.
func onKfake() bool { return os.Getenv("SPOOL_CLI_TEST_BROKER") != "spool" }

func newSpoolCluster(t *testing.T, seeds []topicSeed) string {
	t.Helper()
	client, controller := freePort(t), freePort(t)
	cfg, _, err := config.Parse(map[string]string{
		"node.id":                  "1",
		"listeners":                "PLAINTEXT://127.0.0.1:" + client + ",CONTROLLER://127.0.0.1:" + controller,
		"advertised.listeners":     "PLAINTEXT://127.0.0.1:" + client,
		"controller.quorum.voters": "1@127.0.0.1:" + controller,
		"log.dirs":                 t.TempDir(),
	})
	if err != nil {
		t.Fatalf("spool config: %v", err)
	}
	b, err := broker.Start(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("start spool: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	bs := "127.0.0.1:" + client
	for _, s := range seeds {
		for _, topic := range s.topics {
			mustRun(t, "", "topics", "--bootstrap-server", bs, "--create", "--topic", topic, "--partitions", fmt.Sprint(s.partitions))
		}
	}
	return bs
}

// freePort finds a port nothing listens on; the broker binds it right after.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// result is what one run of the command line produced.
type result struct {
	code           int
	stdout, stderr string
}

// run executes the spool command line in-process with stdin as input.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := Run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// mustRun is run that fails the test on a non-zero exit code.
func mustRun(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	r := run(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("spool %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// lines splits output into lines without the trailing empty one.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

// syncBuffer is a bytes.Buffer a test may read while a tool writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
