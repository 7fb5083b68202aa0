//go:build interop

package interop

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// testKcatBalanced: two `kcat -G` processes in one group split a
// four-partition topic (range: two partitions each); records produced once
// both have their partitions reach exactly the process that owns the
// partition; on SIGTERM each commits what it read and leaves. A third
// `kcat -G ... -e` resumes after those commits, reads exactly the records
// produced since, and exits at the end of every partition.
func testKcatBalanced(t *testing.T) {
	const partitions, perPartition = 4, 25
	topic := createTopic(t, partitions, nil)
	group := "group-" + topic
	members := map[string]*kcatProcess{}
	for _, name := range []string{"kcat-a", "kcat-b"} {
		members[name] = startKcat(t, "-G", group, "-X", "client.id="+name, "-X", "auto.offset.reset=earliest",
			"-X", "partition.assignment.strategy=range", "-u", "-f", "%p %o %s\n", topic)
	}

	// Both members hold two partitions before anything is produced.
	owned := waitAssigned(t, group, map[string]int{"kcat-a": 2, "kcat-b": 2})
	produceRange(t, topic, partitions, 0, perPartition)
	for name, k := range members {
		want := kcatLines(owned[name], 0, perPartition)
		waitFor(t, name+" to read its partitions' records", func() error {
			if got := k.lines(); len(got) < len(want) {
				return fmt.Errorf("%s read %d of %d records", name, len(got), len(want))
			}
			return nil
		})
	}
	for name, k := range members {
		k.stop(t)
		if got, want := k.lines(), kcatLines(owned[name], 0, perPartition); !slices.Equal(got, want) {
			t.Errorf("%s (partitions %v) read\n%q\nwant\n%q", name, owned[name], got, want)
		}
	}
	checkCommitted(t, group, topic, partitions, perPartition)
	waitFor(t, "the group to be empty", func() error {
		g, err := describeGroup(group)
		if err == nil && (g.State != "Empty" || len(g.Members) != 0) {
			err = fmt.Errorf("group %s: state %s, %d members", group, g.State, len(g.Members))
		}
		return err
	})

	// A new member resumes at the commits.
	produceRange(t, topic, partitions, perPartition, perPartition+3)
	out := kcat(t, "", "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-f", "%p %o %s\n", topic)
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	slices.Sort(got)
	if want := kcatLines([]int32{0, 1, 2, 3}, perPartition, perPartition+3); !slices.Equal(got, want) {
		t.Errorf("kcat -G -e after the commits read\n%q\nwant\n%q", got, want)
	}
	checkCommitted(t, group, topic, partitions, perPartition+3)
}

// testKcatMemberDies: of two `kcat -G` members that have read and
// committed their partitions, one is killed with SIGKILL. The group
// coordinator expires it after its session timeout (6s, the broker's
// minimum), not before, and the survivor is given every partition; it then
// reads exactly the records produced since, the dead member's partitions
// from that member's commits.
func testKcatMemberDies(t *testing.T) {
	const partitions = 4
	topic := createTopic(t, partitions, nil)
	group := "group-" + topic
	members := map[string]*kcatProcess{}
	for _, name := range []string{"kcat-a", "kcat-b"} {
		members[name] = startKcat(t, "-G", group, "-X", "client.id="+name, "-X", "auto.offset.reset=earliest",
			"-X", "partition.assignment.strategy=range", "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
			"-X", "auto.commit.interval.ms=100", "-u", "-f", "%p %o %s\n", topic)
	}
	owned := waitAssigned(t, group, map[string]int{"kcat-a": 2, "kcat-b": 2})
	produceRange(t, topic, partitions, 0, 10)
	waitCommitted(t, group, topic, partitions, 10)

	killed := time.Now()
	if err := members["kcat-b"].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-members["kcat-b"].done
	waitAssigned(t, group, map[string]int{"kcat-a": partitions})
	// The last heartbeat may have come up to heartbeat.interval.ms before
	// the kill.
	if d := time.Since(killed); d < 5500*time.Millisecond {
		t.Errorf("the killed member's partitions moved %v after the kill, before its 6s session timeout", d)
	} else {
		t.Logf("the killed member's partitions moved %v after the kill", d)
	}
	produceRange(t, topic, partitions, 10, 15)
	want := append(kcatLines(owned["kcat-a"], 0, 15), kcatLines(owned["kcat-b"], 10, 15)...)
	slices.Sort(want)
	a := members["kcat-a"]
	waitFor(t, "the survivor to read on", func() error {
		if got := a.lines(); len(got) < len(want) {
			return fmt.Errorf("kcat-a read %d of %d records", len(got), len(want))
		}
		return nil
	})
	a.stop(t)
	if got := a.lines(); !slices.Equal(got, want) {
		t.Errorf("survivor (first %v, then every partition) read\n%q\nwant\n%q", owned["kcat-a"], got, want)
	}
	if got := members["kcat-b"].lines(); !slices.Equal(got, kcatLines(owned["kcat-b"], 0, 10)) {
		t.Errorf("killed member (partitions %v) read\n%q", owned["kcat-b"], got)
	}
	checkCommitted(t, group, topic, partitions, 15)
}

// waitAssigned waits until the group is Stable with the members given (by
// client id) holding that many partitions, and returns their partitions.
func waitAssigned(t *testing.T, group string, counts map[string]int) map[string][]int32 {
	t.Helper()
	owned := map[string][]int32{}
	waitFor(t, fmt.Sprintf("group %s to assign %v partitions", group, counts), func() error {
		g, err := describeGroup(group)
		if err != nil {
			return err
		}
		clear(owned)
		for _, m := range g.Members {
			if c, ok := m.Assigned.AsConsumer(); ok {
				for _, at := range c.Topics {
					owned[m.ClientID] = append(owned[m.ClientID], at.Partitions...)
				}
			}
		}
		ok := g.State == "Stable" && len(g.Members) == len(counts)
		for id, n := range counts {
			ok = ok && len(owned[id]) == n
		}
		if !ok {
			return fmt.Errorf("group %s %s/%s, %d members, assignments %v", group, g.State, g.Protocol, len(g.Members), owned)
		}
		return nil
	})
	var all []int32
	for _, ps := range owned {
		all = append(all, ps...)
	}
	if slices.Sort(all); len(all) != len(slices.Compact(slices.Clone(all))) {
		t.Fatalf("partitions assigned twice: %v", owned)
	}
	return owned
}

// waitCommitted waits until the group committed offset want everywhere.
func waitCommitted(t *testing.T, group, topic string, partitions int32, want int64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("group %s to commit %d on every partition", group, want), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		offsets, err := admin.FetchOffsets(ctx, group)
		if err != nil {
			return err
		}
		for p := range partitions {
			if o, ok := offsets.Lookup(topic, p); !ok || o.At != want {
				return fmt.Errorf("partition %d: %+v", p, o)
			}
		}
		return nil
	})
}

// kcatProcess is a kcat running in the background.
type kcatProcess struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	err    error
}

func (k *kcatProcess) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stdout.Write(p)
}

// lines is what kcat printed so far, one record a line, sorted.
func (k *kcatProcess) lines() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := strings.Split(strings.TrimSuffix(k.stdout.String(), "\n"), "\n")
	if len(l) == 1 && l[0] == "" {
		return nil
	}
	slices.Sort(l)
	return l
}

func startKcat(t *testing.T, args ...string) *kcatProcess {
	t.Helper()
	k := &kcatProcess{done: make(chan struct{})}
	k.cmd = exec.Command("kcat", append([]string{"-b", bootstrap}, args...)...)
	k.cmd.Stdout, k.cmd.Stderr = k, &k.stderr
	if err := k.cmd.Start(); err != nil {
		t.Fatalf("start kcat %v: %v", args, err)
	}
	go func() {
		k.err = k.cmd.Wait()
		close(k.done)
	}()
	t.Cleanup(func() {
		select {
		case <-k.done:
		default:
			k.cmd.Process.Kill()
			<-k.done
		}
	})
	return k
}

// stop sends SIGTERM, on which kcat commits, leaves the group and exits 0.
func (k *kcatProcess) stop(t *testing.T) {
	t.Helper()
	if err := k.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal kcat: %v", err)
	}
	select {
	case <-k.done:
	case <-time.After(scenarioTime):
		t.Fatalf("kcat still running %v after SIGTERM\n%s", scenarioTime, k.stderr.String())
	}
	if k.err != nil {
		t.Fatalf("kcat after SIGTERM: %v\n%s", k.err, k.stderr.String())
	}
}

// kcatLines is `%p %o %s` for records first..last-1 of each partition, as
// produceRange wrote them, sorted.
func kcatLines(partitions []int32, first, last int) []string {
	var l []string
	for _, p := range partitions {
		for i := first; i < last; i++ {
			l = append(l, fmt.Sprintf("%d %d p%d-record-%d", p, i, p, i))
		}
	}
	slices.Sort(l)
	return l
}

// produceRange writes records first..last-1 to every partition, so that
// record i of a partition is at offset i.
func produceRange(t *testing.T, topic string, partitions int32, first, last int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	var offsets []int64 // where each record must land
	for p := range partitions {
		for i := first; i < last; i++ {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "p%d-record-%d", p, i)})
			offsets = append(offsets, int64(i))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTime)
	defer cancel()
	results := cl.ProduceSync(ctx, recs...)
	if err := results.FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	for i, r := range results {
		if r.Record.Offset != offsets[i] {
			t.Fatalf("record %q at offset %d of partition %d, want %d", r.Record.Value, r.Record.Offset, r.Record.Partition, offsets[i])
		}
	}
}

func describeGroup(group string) (kadm.DescribedGroup, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := admin.DescribeGroups(ctx, group)
	if err != nil {
		return kadm.DescribedGroup{}, err
	}
	g := d[group]
	return g, g.Err
}

// checkCommitted: the group committed offset want on every partition.
func checkCommitted(t *testing.T, group, topic string, partitions int32, want int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTime)
	defer cancel()
	offsets, err := admin.FetchOffsets(ctx, group)
	if err == nil {
		err = offsets.Error()
	}
	if err != nil {
		t.Fatalf("fetch offsets of %s: %v", group, err)
	}
	got := map[int32]int64{}
	offsets.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic {
			got[o.Partition] = o.At
		}
	})
	for p := range partitions {
		if got[p] != want {
			t.Errorf("group %s committed %v, want %d on every partition", group, got, want)
			return
		}
	}
	if len(got) != int(partitions) {
		t.Errorf("group %s committed %v, want only partitions 0-%d", group, got, partitions-1)
	}
}

// waitFor polls fn until it returns nil, failing the test with its last
// error after scenarioTime.
func waitFor(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(scenarioTime)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
