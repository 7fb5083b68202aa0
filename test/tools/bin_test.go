package tools

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tools, by wrapper name, as Kafka's bin/ has them.
var wrappers = []string{
	"kafka-topics.sh", "kafka-console-producer.sh", "kafka-console-consumer.sh", "kafka-configs.sh",
	"kafka-get-offsets.sh", "kafka-delete-records.sh", "kafka-dump-log.sh", "kafka-producer-perf-test.sh",
	"kafka-consumer-perf-test.sh", "kafka-broker-api-versions.sh", "kafka-consumer-groups.sh",
}

// TestQuickstart runs Kafka's quickstart commands, as written, against a
// spool server started and stopped with the bin/ scripts.
func TestQuickstart(t *testing.T) {
	w := newWorkdir(t)
	srv := w.startServer(t)

	r := w.mustRun(t, "", "bin/kafka-topics.sh --create --topic my-topic --bootstrap-server localhost:9092 --partitions 3 --replication-factor 1")
	if r.stdout != "Created topic my-topic.\n" || r.stderr != "" {
		t.Fatalf("create: %+v", r)
	}
	describe := "bin/kafka-topics.sh --bootstrap-server=localhost:9092 --describe --topic my-topic"
	w.checkDescribe(t, w.mustRun(t, "", describe), `(?:.*,)?segment\.bytes=1073741824(?:,.*)?`)

	r = w.mustRun(t, "hello\nspool\nworld\n", "bin/kafka-console-producer.sh --topic my-topic --bootstrap-server localhost:9092")
	if r.stdout != "" || r.stderr != "" {
		t.Fatalf("console producer: %+v", r)
	}
	// Keyless records spread over the three partitions, so only the set of
	// lines is certain, not their order.
	consume := "bin/kafka-console-consumer.sh --topic my-topic --from-beginning --bootstrap-server localhost:9092"
	r = w.mustRun(t, "", consume+" --max-messages 3")
	if got := sortedLines(r.stdout); got != "hello,spool,world" || r.stderr != "Processed a total of 3 messages\n" {
		t.Fatalf("console consumer --max-messages: %+v", r)
	}
	r = w.mustRun(t, "", consume+" --timeout-ms 500")
	if got := sortedLines(r.stdout); got != "hello,spool,world" || !strings.Contains(r.stderr, "org.apache.kafka.common.errors.TimeoutException\n") ||
		!strings.HasSuffix(r.stderr, "Processed a total of 3 messages\n") {
		t.Fatalf("console consumer --timeout-ms: %+v", r)
	}

	r = w.mustRun(t, "", "bin/kafka-configs.sh --bootstrap-server localhost:9092 --entity-type topics --entity-name my-topic --alter --add-config retention.ms=172800000")
	if r.stdout != "Completed updating config for topic my-topic.\n" || r.stderr != "" {
		t.Fatalf("configs --alter: %+v", r)
	}
	r = w.mustRun(t, "", "bin/kafka-configs.sh --bootstrap-server localhost:9092 --entity-type topics --entity-name my-topic --describe")
	if !strings.HasPrefix(r.stdout, "Dynamic configs for topic my-topic are:\n  retention.ms=172800000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=172800000") {
		t.Fatalf("configs --describe: %+v", r)
	}
	w.checkDescribe(t, w.mustRun(t, "", describe), `(?:.*,)?retention\.ms=172800000(?:,.*)?`)

	srv.stop(t, w)
}

// TestOptionErrors checks --help, --zookeeper and an unknown option on
// every wrapper: each gets its message, and none a stack trace.
func TestOptionErrors(t *testing.T) {
	w := newWorkdir(t)
	for _, name := range wrappers {
		r := w.run(t, "", "bin/"+name+" --help")
		if r.code != 0 || !strings.Contains(r.stdout, "\nOption ") || !strings.Contains(r.stdout, "\n--help ") || r.stderr != "" {
			t.Errorf("%s --help: %+v", name, r)
		}
		r = w.run(t, "", "bin/"+name+" --zookeeper localhost:2181")
		if r.code != 1 || r.stdout != "" || r.stderr != "The --zookeeper option is not supported: Spool keeps its metadata in its own Raft quorum, "+
			"not in ZooKeeper (as Kafka does since 4.0). Use --bootstrap-server <host:port> to connect to a broker instead.\n" {
			t.Errorf("%s --zookeeper: %+v", name, r)
		}
		r = w.run(t, "", "bin/"+name+" --bootstrap-servers localhost:9092")
		if r.code != 1 || !strings.HasPrefix(r.stderr, "bootstrap-servers is not a recognized option\nOption ") || hasStackTrace(r.stderr) {
			t.Errorf("%s with a wrong option: %+v", name, r)
		}
	}
}

// hasStackTrace reports a Go panic or a Java-style stack trace.
func hasStackTrace(s string) bool {
	return strings.Contains(s, "goroutine ") || strings.Contains(s, "panic:") || strings.Contains(s, "\tat ")
}

func sortedLines(s string) string {
	l := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	slices.Sort(l)
	return strings.Join(l, ",")
}

// checkDescribe checks kafka-topics --describe of my-topic; configs is the
// pattern the Configs column must match.
func (w *workdir) checkDescribe(t *testing.T, r result, configs string) {
	t.Helper()
	got := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	head := regexp.MustCompile(`^Topic: my-topic\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: ` + configs + `$`)
	if len(got) != 4 || !head.MatchString(got[0]) || r.stderr != "" {
		t.Fatalf("describe, Configs: %s:\n%s\nstderr:\n%s", configs, r.stdout, r.stderr)
	}
	for p, l := range got[1:] {
		if want := fmt.Sprintf("\tTopic: my-topic\tPartition: %d\tLeader: %d\tReplicas: %d\tIsr: %d\tElr: \tLastKnownElr: ", p, w.node, w.node, w.node); l != want {
			t.Fatalf("partition line %q, want %q", l, want)
		}
	}
}

// workdir is a directory laid out like a Kafka installation: bin/ (this
// repository's wrappers) and config/server.properties (the sample, on other
// ports and with a node id no other server here has).
type workdir struct {
	dir                 string
	port, ctrl, metrics int
	node                int
}

func newWorkdir(t *testing.T) *workdir {
	t.Helper()
	ports := freePorts(t, 3)
	w := &workdir{dir: t.TempDir(), port: ports[0], ctrl: ports[1], metrics: ports[2], node: 1_000_000 + rand.IntN(1_000_000)}
	bin, err := filepath.Abs(filepath.Join("..", "..", "bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(w.dir, "bin")); err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile(filepath.Join("..", "..", "config", "server.properties"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer(":9092", fmt.Sprintf(":%d", w.port), ":9093", fmt.Sprintf(":%d", w.ctrl), ":9644", fmt.Sprintf(":%d", w.metrics),
		"\nnode.id=1\n", fmt.Sprintf("\nnode.id=%d\n", w.node), "voters=1@", fmt.Sprintf("voters=%d@", w.node)).Replace(string(sample))
	for _, want := range []string{fmt.Sprintf("\nnode.id=%d\n", w.node), fmt.Sprintf("\ncontroller.quorum.voters=%d@localhost:%d\n", w.node, w.ctrl),
		fmt.Sprintf("\nlisteners=PLAINTEXT://:%d,", w.port), fmt.Sprintf("\nadvertised.listeners=PLAINTEXT://localhost:%d,", w.port),
		"\nlog.dirs=./data\n"} {
		if !strings.Contains(cfg, want) {
			t.Fatalf("config/server.properties changed shape: no %q after moving it to other ports:\n%s", want, cfg)
		}
	}
	if err := os.Mkdir(filepath.Join(w.dir, "config"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(w.dir, "config", "server.properties"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return w
}

// freePorts returns n distinct loopback ports that were free a moment ago.
// Every listener stays open until all n are chosen: closed one by one, the
// kernel may hand the same port out twice, and the server then refuses
// its configuration (two listeners on one port).
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// env is the environment of the wrappers: they run the spool built for
// the tests.
func env() []string {
	return append(os.Environ(), "SPOOL_BIN="+spoolBin, "GORACE=atexit_sleep_ms=0")
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs a command line with bash in the work directory, with the
// quickstart's localhost:9092 pointing at this server's port.
func (w *workdir) run(t *testing.T, stdin, line string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	line = strings.ReplaceAll(line, "localhost:9092", fmt.Sprintf("localhost:%d", w.port))
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Dir, cmd.Env, cmd.Stdin = w.dir, env(), strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil && (cmd.ProcessState == nil || cmd.ProcessState.ExitCode() <= 0) {
		t.Fatalf("%s: %v\nstderr:\n%s", line, err, errOut.String())
	}
	return result{code: cmd.ProcessState.ExitCode(), stdout: out.String(), stderr: errOut.String()}
}

func (w *workdir) mustRun(t *testing.T, stdin, line string) result {
	t.Helper()
	r := w.run(t, stdin, line)
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", line, r.code, r.stdout, r.stderr)
	}
	return r
}

// server is `bin/kafka-server-start.sh config/server.properties` running
// in the work directory, its output in server.log.
type server struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	log     string
}

func (w *workdir) startServer(t *testing.T) *server {
	t.Helper()
	s := &server{exited: make(chan struct{}), log: filepath.Join(w.dir, "server.log")}
	logFile, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	s.cmd = exec.Command("bash", "-c", "bin/kafka-server-start.sh config/server.properties")
	s.cmd.Dir, s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = w.dir, env(), logFile, logFile
	// A process group of its own, so that a failed test can kill exactly it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
		if t.Failed() {
			out, _ := os.ReadFile(s.log)
			t.Logf("server log:\n%s", out)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.output(), `msg="spool started"`) {
		select {
		case <-s.exited:
			t.Fatalf("spool server exited at start: %v", s.waitErr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("spool server did not start within 30s")
		}
	}
	return s
}

func (s *server) output() string {
	out, _ := os.ReadFile(s.log)
	return string(out)
}

// stop runs bin/kafka-server-stop.sh for this server's node id and checks
// that the server shut down cleanly.
func (s *server) stop(t *testing.T, w *workdir) {
	t.Helper()
	r := w.mustRun(t, "", fmt.Sprintf("bin/kafka-server-stop.sh --node-id=%d", w.node))
	if r.stdout != "" || r.stderr != "" {
		t.Fatalf("kafka-server-stop.sh: %+v", r)
	}
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		t.Fatal("spool server still running 30s after kafka-server-stop.sh")
	}
	if s.waitErr != nil {
		t.Fatalf("spool server exited with %v", s.waitErr)
	}
	if out := s.output(); !strings.Contains(out, `msg="shut down cleanly"`) {
		t.Fatalf("server log does not say it shut down cleanly:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "data", ".kafka_cleanshutdown")); err != nil {
		t.Fatalf("no clean shutdown marker: %v", err)
	}
}
