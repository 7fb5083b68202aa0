//go:build interop

package interop

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/test/history"
	"github.com/spoolhq/spool/test/spoolproc"
)

// clusterProps are the three nodes' properties: short sessions so that a
// killed broker is fenced in seconds, and replicated internal topics so
// that groups survive it.
var clusterProps = map[string]string{
	"broker.heartbeat.interval.ms":     "300",
	"broker.session.timeout.ms":        "3000",
	"offsets.topic.replication.factor": "3",
	"group.initial.rebalance.delay.ms": "0",
}

// TestClusterFailover runs librdkafka clients (confluent-kafka and kcat)
// against a cluster of three spool processes while the broker that
// coordinates their group (and leads some of their partitions) is killed
// with SIGKILL and started again: the idempotent acks=all producer keeps
// going, the group consumer keeps reading, and every acknowledged record
// is stored once, where and in the order it was acknowledged.
func TestClusterFailover(t *testing.T) {
	bin, err := spoolproc.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := spoolproc.StartCluster(t, bin, spoolproc.Options{Nodes: 3, Props: clusterProps})
	adm := c.Admin()
	t.Run("ConfluentKafka", func(t *testing.T) { testConfluentFailover(t, c, adm) })
	t.Run("Kcat", func(t *testing.T) { testKcatFailover(t, c, adm) })
}

// createReplicated waits for every node to be unfenced (one restarted by
// an earlier scenario may not be yet), creates a topic with replication
// factor 3 and min.insync.replicas=2 and waits for its leaders.
func createReplicated(t *testing.T, c *spoolproc.Cluster, adm *kadm.Client, partitions int32) string {
	t.Helper()
	c.WaitBrokers(len(c.Nodes), startupTime)
	topic := topicName(t)
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTime)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, 3, map[string]*string{"min.insync.replicas": kadm.StringPtr("2")}, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
	for {
		md, err := adm.Metadata(ctx, topic)
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

// victim is the node coordinating group, or leading partition 0 of topic
// while the group is not known yet.
func victim(t *testing.T, c *spoolproc.Cluster, adm *kadm.Client, group, topic string) *spoolproc.Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if gs, err := adm.DescribeGroups(ctx, group); err == nil {
		if g, ok := gs[group]; ok && g.Err == nil && g.Coordinator.NodeID > 0 {
			return c.Node(g.Coordinator.NodeID)
		}
	}
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	return c.Node(md.Topics[topic].Partitions[0].Leader)
}

// hurt kills n with SIGKILL.
func hurt(t *testing.T, c *spoolproc.Cluster, n *spoolproc.Node) {
	t.Helper()
	t.Logf("kill -9 node %d", n.ID)
	n.Kill()
}

func testConfluentFailover(t *testing.T, c *spoolproc.Cluster, adm *kadm.Client) {
	const count = 6000
	topic := createReplicated(t, c, adm, 3)
	group := "group-" + topic
	historyPath := filepath.Join(t.TempDir(), "history")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "confluent_failover.py", c.Bootstrap(), topic, group,
		strconv.Itoa(count), historyPath)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var killed *spoolproc.Node
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(&out, line)
		switch line {
		case "acked 1500":
			killed = victim(t, c, adm, group, topic)
			hurt(t, c, killed)
		case "acked 4000":
			t.Logf("restart node %d", killed.ID)
			c.Restart(killed)
		}
	}
	err = cmd.Wait()
	if killed != nil && !killed.Running() {
		c.Restart(killed)
	}
	if err != nil {
		t.Fatalf("confluent_failover.py: %v\n%s%s", err, out.String(), stderr.String())
	}
	t.Logf("confluent_failover.py:\n%s", out.String())
	if killed == nil {
		t.Fatal("the script never reported 1500 acknowledged records, so no broker was killed")
	}
	ops, err := readHistory(historyPath)
	if err != nil {
		t.Fatal(err)
	}
	logs, err := history.ReadAll(ctx, topic, kgo.SeedBrokers(strings.Split(c.Bootstrap(), ",")...))
	if err != nil {
		t.Fatal(err)
	}
	sum, errs := history.Check(ops, logs)
	t.Logf("history: %v", sum)
	if len(errs) > 0 {
		t.Fatalf("history check failed:\n%v", errors.Join(errs...))
	}
}

// readHistory parses confluent_failover.py's history file.
func readHistory(path string) ([]history.Produce, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ops []history.Produce
	var base int64 = -1
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var p history.Produce
		var call, ret int64
		var errText string
		if _, err := fmt.Sscan(line, &p.Value, &p.Partition, &p.Offset, &call, &ret, &errText); err != nil {
			return nil, fmt.Errorf("history line %q: %w", line, err)
		}
		if base < 0 {
			base = call - 1
		}
		p.Seq, _ = strconv.ParseInt(strings.TrimPrefix(p.Value, "c-"), 10, 64)
		p.Call, p.Return = call-base, ret-base
		if errText != "-" {
			p.Err = errors.New(errText)
		}
		ops = append(ops, p)
	}
	return ops, nil
}

// testKcatFailover: `kcat -P` with enable.idempotence and acks=all
// produces lines fed one a millisecond while a broker is killed and
// restarted, and a `kcat -G` group consumer reads along. kcat must exit 0
// with every line delivered; each is then stored exactly once, in the
// order sent within its partition, and the group consumer reads them all.
func testKcatFailover(t *testing.T, c *spoolproc.Cluster, adm *kadm.Client) {
	const count = 6000
	topic := createReplicated(t, c, adm, 3)
	group := "group-" + topic
	consumer := startClusterKcat(t, c.Bootstrap(), nil, "-G", group, "-X", "auto.offset.reset=earliest",
		"-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500", "-u", "-f", "%s\n", topic)

	stdin, stdinW := io.Pipe()
	producer := startClusterKcat(t, c.Bootstrap(), stdin, "-P", "-t", topic,
		"-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=1")
	var killed *spoolproc.Node
	for i := range count {
		switch i {
		case 2000:
			killed = victim(t, c, adm, group, topic)
			hurt(t, c, killed)
		case 4000:
			t.Logf("restart node %d", killed.ID)
			c.Restart(killed)
		}
		if _, err := fmt.Fprintf(stdinW, "k-%d\n", i); err != nil {
			t.Fatalf("write to kcat -P: %v (%s)", err, producer.stderrText())
		}
		time.Sleep(time.Millisecond)
	}
	stdinW.Close()
	select {
	case <-producer.done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("kcat -P did not finish delivering within 3 minutes: %s", producer.stderrText())
	}
	if producer.err != nil || strings.Contains(producer.stderrText(), "Delivery failed") {
		t.Fatalf("kcat -P: %v\n%s", producer.err, producer.stderrText())
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logs, err := history.ReadAll(ctx, topic, kgo.SeedBrokers(strings.Split(c.Bootstrap(), ",")...))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for p, log := range logs {
		last := -1
		for _, s := range log {
			if seen[s.Value] {
				t.Fatalf("%s stored twice", s.Value)
			}
			seen[s.Value] = true
			i, _ := strconv.Atoi(strings.TrimPrefix(s.Value, "k-"))
			if i <= last {
				t.Fatalf("partition %d: k-%d stored after k-%d", p, i, last)
			}
			last = i
		}
	}
	for i := range count {
		if !seen[fmt.Sprintf("k-%d", i)] {
			t.Fatalf("k-%d was delivered (kcat exited 0) but is not stored", i)
		}
	}
	t.Logf("kcat -P delivered %d records through the kill; each stored once, in order", count)

	waitFor(t, "kcat -G to read every record", func() error {
		got := map[string]bool{}
		for _, l := range consumer.lines() {
			got[l] = true
		}
		if len(got) < count {
			return fmt.Errorf("kcat -G read %d of %d distinct records; its stderr:\n%s", len(got), count, consumer.stderrText())
		}
		return nil
	})
}

// startClusterKcat starts kcat against bootstrap, with stdin if not nil;
// it is killed when the test ends.
func startClusterKcat(t *testing.T, bootstrap string, stdin io.Reader, args ...string) *kcatProcess {
	t.Helper()
	k := &kcatProcess{done: make(chan struct{})}
	k.cmd = exec.Command("kcat", append([]string{"-b", bootstrap}, args...)...)
	k.cmd.Stdin = stdin
	k.cmd.Stdout, k.cmd.Stderr = k, stderrWriter{k}
	if err := k.cmd.Start(); err != nil {
		t.Fatalf("start kcat %v: %v", args, err)
	}
	go func() {
		k.err = k.cmd.Wait()
		close(k.done)
	}()
	t.Cleanup(func() {
		k.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-k.done:
		case <-time.After(10 * time.Second):
			k.cmd.Process.Kill()
			<-k.done
		}
	})
	return k
}

func (k *kcatProcess) stderrText() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stderr.String()
}

// stderrWriter appends to a kcatProcess's stderr under its lock, so that
// the test can look while kcat runs.
type stderrWriter struct{ k *kcatProcess }

func (w stderrWriter) Write(p []byte) (int, error) {
	w.k.mu.Lock()
	defer w.k.mu.Unlock()
	return w.k.stderr.Write(p)
}
