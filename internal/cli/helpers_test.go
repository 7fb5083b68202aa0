package cli

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/spoolhq/spool/internal/testcluster"
)

// topicSeed is a topic a test needs before it starts.
type topicSeed struct {
	partitions int32
	topics     []string
}

func seed(partitions int32, topics ...string) topicSeed { return topicSeed{partitions, topics} }

// newCluster starts Spool's own broker, in-process (internal/testcluster),
// for one test, creates the seed topics and returns the bootstrap address.
// Every tool test whose feature Spool serves runs against it.
func newCluster(t *testing.T, seeds ...topicSeed) string {
	t.Helper()
	return newSpoolNode(t, nil, seeds...).Addr()
}

// newSpoolNode is newCluster that also returns the node, for tests that
// restart it or read its log directory (node.Dir + "/data").
func newSpoolNode(t *testing.T, props map[string]string, seeds ...topicSeed) *testcluster.Node {
	t.Helper()
	node := testcluster.Start(t, props)
	adm := node.Admin()
	for _, s := range seeds {
		resp, err := adm.CreateTopics(t.Context(), s.partitions, 1, nil, s.topics...)
		if err == nil {
			err = resp.Error()
		}
		if err != nil {
			t.Fatalf("seed topics %v: %v", s.topics, err)
		}
	}
	return node
}

// newKfakeCluster starts franz-go's fake broker (kfake) instead. It is only
// for what Spool's broker does not serve yet: transactions, client quotas,
// SCRAM credentials and SASL. Each caller says which of those it needs;
// move it to newCluster when Spool serves it. Consumer groups, classic and
// KIP-848, run against Spool (newGroupsCluster).
func newKfakeCluster(t *testing.T, seeds ...topicSeed) string {
	t.Helper()
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
