package crash

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// terminate sends SIGTERM and returns the exit error (nil for status 0).
func (s *server) terminate() error {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		s.cmd = nil
		s.logFile.Close()
		return err
	case <-time.After(30 * time.Second):
		s.t.Fatal("spool did not exit within 30s of SIGTERM")
		return nil
	}
}

// TestSigtermShutsDownCleanly checks that SIGTERM flushes and marks the
// log directory clean, and that the next start trusts it and keeps every
// record and the idempotent producers' state.
func TestSigtermShutsDownCleanly(t *testing.T) {
	s := newServer(t)
	s.start("num.partitions=4")
	h := &history{acked: map[string]ack{}}
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		produce(ctx, cl, "orderly", "o", h)
	}()
	waitFor(t, 60*time.Second, func() bool { return h.count() >= 20000 })
	stop()
	<-done
	cl.Close()

	if err := s.terminate(); err != nil {
		var exit *exec.ExitError
		errors.As(err, &exit)
		t.Fatalf("spool exited with %v after SIGTERM", err)
	}
	marker := filepath.Join(s.dir, "data", ".kafka_cleanshutdown")
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("no clean shutdown marker after SIGTERM: %v", err)
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if !strings.Contains(string(log), "shut down cleanly") {
		t.Fatalf("server log does not report a clean shutdown:\n%s", log)
	}

	s.start("num.partitions=4")
	log, _ = os.ReadFile(filepath.Join(s.dir, "server.log"))
	if strings.Contains(string(log), "not shut down cleanly") {
		t.Fatal("restart after SIGTERM treated the directory as unclean")
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Fatalf("clean shutdown marker still present while running: %v", err)
	}
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "spool started") {
			t.Log(line)
		}
	}
	verify(t, s, "orderly", h)
}
