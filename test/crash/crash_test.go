// Package crash kills real spool processes with SIGKILL while clients
// produce, restarts them, and checks that no acknowledged record was lost
// and none duplicated.
package crash

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

var spoolBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "spool-crash-bin")
	if err != nil {
		panic(err)
	}
	spoolBin = filepath.Join(dir, "spool")
	build := exec.Command("go", "build", "-o", spoolBin, "../../cmd/spool")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build spool:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a spool process on fixed ports and a data directory, so it can
// be killed and started again in the same place.
type server struct {
	t       *testing.T
	dir     string
	port    int
	ctrl    int
	cmd     *exec.Cmd
	logFile *os.File
}

func newServer(t *testing.T) *server {
	s := &server{t: t, dir: t.TempDir(), port: freePort(t), ctrl: freePort(t)}
	t.Cleanup(func() {
		if s.cmd != nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(s.dir, "server.log")); err == nil {
				t.Logf("server log:\n%s", log)
			}
		}
	})
	return s
}

func (s *server) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

func (s *server) start(extra ...string) {
	s.t.Helper()
	args := []string{"server",
		"--override", fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", s.port, s.ctrl),
		"--override", "advertised.listeners=PLAINTEXT://" + s.addr(),
		"--override", fmt.Sprintf("controller.quorum.voters=1@127.0.0.1:%d", s.ctrl),
		"--override", "log.dirs=" + filepath.Join(s.dir, "data"),
		"--override", "spool.metrics.address=",
	}
	for _, e := range extra {
		args = append(args, "--override", e)
	}
	logFile, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	s.logFile = logFile
	s.cmd = exec.Command(spoolBin, args...)
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.waitReady()
}

func (s *server) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", s.addr(), time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("spool did not start listening on %s", s.addr())
}

// kill sends SIGKILL and reaps the process.
func (s *server) kill() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s.cmd = nil
	s.logFile.Close()
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// ack is one acknowledged record.
type ack struct {
	partition int32
	offset    int64
}

// history collects what the producer was told.
type history struct {
	mu    sync.Mutex
	acked map[string]ack // value -> where the broker said it is
}

func (h *history) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.acked)
}

// produce sends records named prefix-N until ctx ends, recording acks.
func produce(ctx context.Context, cl *kgo.Client, topic, prefix string, h *history) {
	var wg sync.WaitGroup
	for i := 0; ctx.Err() == nil; i++ {
		value := fmt.Sprintf("%s-%d", prefix, i)
		wg.Add(1)
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(value), Value: []byte(value)}, func(r *kgo.Record, err error) {
			defer wg.Done()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.acked[string(r.Value)] = ack{r.Partition, r.Offset}
			h.mu.Unlock()
		})
	}
	wg.Wait()
}

// TestKillNineLosesNoAcknowledgedRecord kills the broker three times while
// an idempotent acks=all producer keeps sending through the crashes. After
// each restart the producer's retries must not duplicate anything, and at
// the end every acknowledged record must be where its ack said.
func TestKillNineLosesNoAcknowledgedRecord(t *testing.T) {
	s := newServer(t)
	s.start("num.partitions=3")
	const topic = "crash"
	h := &history{acked: map[string]ack{}}
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr()), kgo.AllowAutoTopicCreation(),
		kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 50 * time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		produce(ctx, cl, topic, "r", h)
	}()
	for round := 1; round <= 3; round++ {
		target := h.count() + 5000
		waitFor(t, 60*time.Second, func() bool { return h.count() >= target })
		s.kill()
		t.Logf("round %d: killed with %d acknowledged", round, h.count())
		s.start("num.partitions=3")
	}
	target := h.count() + 2000
	waitFor(t, 60*time.Second, func() bool { return h.count() >= target })
	stop()
	<-done
	flushCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl.Flush(flushCtx)
	verify(t, s, topic, h)
}

func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// verify reads the whole topic and checks every acknowledged record is at
// its acknowledged place, that no value appears twice, and that offsets
// are contiguous.
func verify(t *testing.T, s *server, topic string, h *history) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr()), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	seen := map[string]ack{}
	next := map[int32]int64{}
	missing := func() int {
		n := 0
		for v := range h.acked {
			if _, ok := seen[v]; !ok {
				n++
			}
		}
		return n
	}
	for missing() > 0 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%d acknowledged records never read back (%d read)", missing(), len(seen))
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("fetch partition %d: %v", p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			v := string(r.Value)
			if prev, dup := seen[v]; dup {
				t.Fatalf("%s stored twice: %v and partition %d offset %d", v, prev, r.Partition, r.Offset)
			}
			if r.Offset != next[r.Partition] {
				t.Fatalf("partition %d: offset %d where %d was expected", r.Partition, r.Offset, next[r.Partition])
			}
			next[r.Partition] = r.Offset + 1
			seen[v] = ack{r.Partition, r.Offset}
		})
	}
	for v, a := range h.acked {
		if seen[v] != a {
			t.Fatalf("%s acknowledged at %v but stored at %v", v, a, seen[v])
		}
	}
	t.Logf("%d records acknowledged, %d stored, none lost or duplicated", len(h.acked), len(seen))
}
