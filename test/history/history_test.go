package history

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// build makes a history of n records per partition, all acknowledged at
// consecutive offsets, sent in overlapping windows, and the logs that hold
// them.
func build(parts, n int) ([]Produce, map[int32][]Stored) {
	var ops []Produce
	logs := map[int32][]Stored{}
	for i := range parts * n {
		p := int32(i % parts)
		v := fmt.Sprintf("v-%d", i)
		off := int64(len(logs[p]))
		ops = append(ops, Produce{Partition: p, Value: v, Seq: int64(i), Call: int64(10*i + 1), Return: int64(10*i + 500), Offset: off})
		logs[p] = append(logs[p], Stored{Partition: p, Offset: off, Value: v})
	}
	return ops, logs
}

func mustFail(t *testing.T, ops []Produce, logs map[int32][]Stored, want string) {
	t.Helper()
	_, errs := Check(ops, logs)
	if len(errs) == 0 {
		t.Fatalf("no problem found; want %q", want)
	}
	if !strings.Contains(errors.Join(errs...).Error(), want) {
		t.Fatalf("problems %v; want one with %q", errs, want)
	}
}

func TestGoodHistoryPasses(t *testing.T) {
	ops, logs := build(3, 20000)
	// One record failed but was written, one failed and was not, one was
	// never answered and was written.
	ops[3].Err, ops[3].Offset = errors.New("timeout"), -1
	ops[4].Err, ops[4].Offset = errors.New("timeout"), -1
	ops[5].Return, ops[5].Offset = 0, -1
	logs[1] = append(logs[1][:1], logs[1][2:]...) // ops[4] (partition 1, offset 1) missing
	for i := range logs[1] {
		logs[1][i].Offset = int64(i)
	}
	for i := range ops {
		if ops[i].Partition == 1 && ops[i].Offset > 1 {
			ops[i].Offset--
		}
	}
	sum, errs := Check(ops, logs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if sum.Acked != 60000-3 || sum.StoredUnacked != 2 || sum.Failed != 2 || sum.Unanswered != 1 {
		t.Fatalf("summary %v", sum)
	}
}

func TestLostRecordFails(t *testing.T) {
	ops, logs := build(2, 100)
	logs[0] = logs[0][:99]
	mustFail(t, ops, logs, "lost")
}

func TestDuplicateFails(t *testing.T) {
	ops, logs := build(2, 100)
	logs[0] = append(logs[0], Stored{Partition: 0, Offset: 100, Value: logs[0][5].Value})
	mustFail(t, ops, logs, "stored twice")
}

func TestGapFails(t *testing.T) {
	ops, logs := build(1, 10)
	logs[0][9].Offset = 10
	mustFail(t, ops, logs, "gap")
}

func TestReorderFails(t *testing.T) {
	ops, logs := build(1, 10)
	// Records 3 and 4 swapped places, and their acks say so.
	logs[0][3].Value, logs[0][4].Value = logs[0][4].Value, logs[0][3].Value
	ops[3].Offset, ops[4].Offset = 4, 3
	mustFail(t, ops, logs, "reordered")
}

// TestStaleAppendIsNotLinearizable is what a lost-then-overwritten write
// looks like from outside: b acknowledged at offset 1, then c, sent after
// that ack, acknowledged at offset 0. Every record is stored once where its
// ack said, so only the order in time gives it away; the same acks with c
// sent while b was in flight are fine.
func TestStaleAppendIsNotLinearizable(t *testing.T) {
	ops := []Produce{
		{Partition: 0, Value: "b", Seq: 0, Call: 3, Return: 6, Offset: 1},
		{Partition: 0, Value: "c", Seq: 1, Call: 5, Return: 8, Offset: 0},
	}
	logs := map[int32][]Stored{0: {{0, 0, "c"}, {0, 1, "b"}}}
	if err := Linearizable(ops, logs); err != nil {
		t.Fatalf("c sent while b was in flight: %v", err)
	}
	ops[1].Call = 7
	if err := Linearizable(ops, logs); err == nil {
		t.Fatal("c acknowledged at offset 0 though sent after b's ack at offset 1 passed")
	}
}
