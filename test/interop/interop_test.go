//go:build interop

// Package interop drives a broker with Kafka clients that nobody on this
// project wrote: kcat, confluent-kafka (librdkafka) and kafka-python, all from
// Debian packages. By default it builds `spool`, starts `spool server` on free
// ports with a temporary server.properties and stops it with SIGTERM at the
// end (a broker that does not exit cleanly fails the run). With
// INTEROP_BOOTSTRAP=host:port it drives an already-running broker instead;
// that address must be the one the broker advertises.
//
//	make interop
//	INTEROP_BOOTSTRAP=127.0.0.1:9092 go test -tags interop -count=1 -v ./test/interop/
//
// Every scenario creates its own uniquely named topics, so runs against a
// long-lived broker do not see each other's records.
package interop

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	python         = "/usr/bin/python3" // the interpreter Debian's python3-* packages install into
	scenarioTime   = 90 * time.Second
	startupTime    = 60 * time.Second
	shutdownTime   = 20 * time.Second
	installCommand = "apt-get install -y kcat python3-confluent-kafka python3-kafka"
)

var (
	bootstrap string       // host:port of the broker under test
	admin     *kadm.Client // franz-go admin client for setting up topics
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if err := checkTools(); err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		return 1
	}
	var b *broker
	if addr := os.Getenv("INTEROP_BOOTSTRAP"); addr != "" {
		bootstrap = addr
	} else {
		var err error
		if b, err = startSpool(); err != nil {
			fmt.Fprintln(os.Stderr, "interop:", err)
			return 1
		}
		defer b.cleanup()
		bootstrap = b.addr
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		return 1
	}
	admin = kadm.NewClient(cl)
	if err := waitReady(b); err != nil {
		cl.Close()
		fmt.Fprintln(os.Stderr, "interop:", err)
		if b != nil {
			b.stop()
			b.printLog()
		}
		return 1
	}
	fmt.Fprintln(os.Stderr, "interop: broker under test at", bootstrap)

	code := m.Run()
	cl.Close()
	if b != nil {
		if err := b.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "interop:", err)
			code = 1
		}
		if code != 0 {
			b.printLog()
		}
	}
	return code
}

// checkTools fails early, with the command that fixes it, when a client is
// missing.
func checkTools() error {
	if _, err := exec.LookPath("kcat"); err != nil {
		return fmt.Errorf("kcat not found; install the clients: %s", installCommand)
	}
	out, err := exec.Command(python, "-c", "import confluent_kafka, kafka").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s cannot import the clients (%v: %s); install them: %s",
			python, err, bytes.TrimSpace(out), installCommand)
	}
	return nil
}

// broker is a `spool server` subprocess.
type broker struct {
	dir    string
	addr   string
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{} // closed when cmd has been waited for
	err    error         // cmd.Wait's result, set before exited closes
}

func startSpool() (b *broker, err error) {
	dir, err := os.MkdirTemp("", "spool-interop-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()

	bin := filepath.Join(dir, "spool")
	build := exec.Command("go", "build", "-o", bin, "github.com/spoolhq/spool/cmd/spool")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build spool: %v\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	controllerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	props := strings.Join([]string{
		"process.roles=broker,controller",
		"node.id=1",
		fmt.Sprintf("listeners=PLAINTEXT://%s,CONTROLLER://127.0.0.1:%d", addr, controllerPort),
		"advertised.listeners=PLAINTEXT://" + addr,
		"controller.listener.names=CONTROLLER",
		fmt.Sprintf("controller.quorum.voters=1@127.0.0.1:%d", controllerPort),
		"log.dirs=" + filepath.Join(dir, "data"),
		"spool.metrics.address=127.0.0.1:0",
		"",
	}, "\n")
	config := filepath.Join(dir, "server.properties")
	if err := os.WriteFile(config, []byte(props), 0o644); err != nil {
		return nil, err
	}

	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "server", config)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start spool server: %w", err)
	}
	b = &broker{dir: dir, addr: addr, cmd: cmd, log: log, exited: make(chan struct{})}
	go func() {
		b.err = cmd.Wait()
		close(b.exited)
	}()
	return b, nil
}

// freePort returns a TCP port on 127.0.0.1 that nothing listened on a moment
// ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls until the broker answers a Metadata request that lists a
// broker; b, when not nil, is the subprocess whose early exit ends the wait.
func waitReady(b *broker) error {
	deadline := time.Now().Add(startupTime)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		brokers, err := admin.ListBrokers(ctx)
		cancel()
		if err == nil && len(brokers) > 0 {
			return nil
		}
		last = err
		if err == nil {
			last = errors.New("metadata lists no brokers")
		}
		var exited chan struct{} // nil: blocks forever when there is no subprocess
		if b != nil {
			exited = b.exited
		}
		select {
		case <-exited:
			return fmt.Errorf("spool server exited before it answered: %v", b.err)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("broker at %s not ready after %v: %v", bootstrap, startupTime, last)
		}
	}
}

// stop sends SIGTERM and waits for a clean exit, killing the process if it
// does not come.
func (b *broker) stop() error {
	select {
	case <-b.exited:
		return fmt.Errorf("spool server exited during the tests: %v", b.err)
	default:
	}
	if err := b.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("signal spool server: %w", err)
	}
	select {
	case <-b.exited:
		if b.err != nil {
			return fmt.Errorf("spool server after SIGTERM: %v", b.err)
		}
		return nil
	case <-time.After(shutdownTime):
		b.cmd.Process.Kill()
		<-b.exited
		return fmt.Errorf("spool server still running %v after SIGTERM; killed", shutdownTime)
	}
}

// printLog copies the end of the server's log to stderr.
func (b *broker) printLog() {
	data, err := os.ReadFile(b.log.Name())
	if err != nil {
		return
	}
	if len(data) > 16<<10 {
		data = data[len(data)-16<<10:]
	}
	fmt.Fprintf(os.Stderr, "--- end of %s ---\n%s\n---\n", b.log.Name(), data)
}

func (b *broker) cleanup() {
	b.log.Close()
	os.RemoveAll(b.dir)
}

// topicName returns a topic name unique to this test and run.
func topicName(t *testing.T) string {
	var buf [4]byte
	rand.Read(buf[:])
	name := strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name()))
	return "interop-" + name + "-" + hex.EncodeToString(buf[:])
}

// createTopic creates a topic with franz-go and waits until Metadata shows a
// leader for every partition.
func createTopic(t *testing.T, partitions int32, configs map[string]*string) string {
	t.Helper()
	topic := topicName(t)
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTime)
	defer cancel()
	if _, err := admin.CreateTopic(ctx, partitions, 1, configs, topic); err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	for {
		md, err := admin.Metadata(ctx, topic)
		if err == nil && leadersKnown(md.Topics[topic], partitions) {
			return topic
		}
		select {
		case <-ctx.Done():
			t.Fatalf("topic %s: no leaders in metadata: %v", topic, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func leadersKnown(td kadm.TopicDetail, partitions int32) bool {
	if td.Err != nil || int32(len(td.Partitions)) != partitions {
		return false
	}
	for _, p := range td.Partitions {
		if p.Err != nil || p.Leader < 0 {
			return false
		}
	}
	return true
}

// runPython runs a scenario script with the bootstrap address and args, and
// marks the test failed, with the script's output, if it exits non-zero.
func runPython(t *testing.T, script string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTime)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{script, bootstrap}, args...)...)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1") // no __pycache__ in the tree
	out, err := cmd.CombinedOutput()
	name := strings.Join(append([]string{script}, args...), " ")
	if err != nil {
		t.Errorf("%s: %v\n%s", name, err, out)
		return
	}
	t.Logf("%s:\n%s", name, out)
}

// kcat runs kcat against the broker with stdin as its input and returns its
// standard output, failing the test if it exits non-zero.
func kcat(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTime)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", append([]string{"-b", bootstrap}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
	}
	return stdout.String()
}
