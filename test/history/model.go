package history

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/anishathalye/porcupine"
)

// The model: each partition is an append-only log. An append of a value
// answered with offset o is legal only when the log holds exactly o
// records, and adds the value; the final read of a partition must return
// the whole log. The state is the log's length and a hash chained over its
// values, so states compare in constant time.
//
// A produce that was never acknowledged (an error, or no answer) may or may
// not have happened. If its value was read back, it happened at the offset
// it was read at, at some time after it was sent (its return is open); if
// it was not, it is left out: a linearization in which it takes effect
// after the read exists, because nothing bounds its return. So every
// operation the checker sees has a known output, and the search stays
// linear in the history.

type logState struct {
	n int64
	h uint64
}

type input struct {
	partition int32
	value     string // empty for the read
	read      bool
}

type readOutput struct {
	n int64
	h uint64
}

func chain(h uint64, value string) uint64 {
	f := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], h)
	f.Write(b[:])
	f.Write([]byte(value))
	return f.Sum64()
}

var logModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byPart := map[int32][]porcupine.Operation{}
		var order []int32
		for _, op := range history {
			p := op.Input.(input).partition
			if _, ok := byPart[p]; !ok {
				order = append(order, p)
			}
			byPart[p] = append(byPart[p], op)
		}
		var out [][]porcupine.Operation
		for _, p := range order {
			out = append(out, byPart[p])
		}
		return out
	},
	Init: func() any { return logState{} },
	Step: func(state, in, out any) (bool, any) {
		s, i := state.(logState), in.(input)
		if i.read {
			o := out.(readOutput)
			return o.n == s.n && o.h == s.h, s
		}
		if out.(int64) != s.n {
			return false, s
		}
		return true, logState{n: s.n + 1, h: chain(s.h, i.value)}
	},
	Equal: func(a, b any) bool { return a.(logState) == b.(logState) },
	Hash:  func(s any) uint64 { return s.(logState).h ^ uint64(s.(logState).n) },
	DescribeOperation: func(in, out any) string {
		i := in.(input)
		if i.read {
			return fmt.Sprintf("read(p%d) -> %d records", i.partition, out.(readOutput).n)
		}
		return fmt.Sprintf("append(p%d, %s) -> %d", i.partition, i.value, out.(int64))
	},
	DescribeState: func(s any) string { return fmt.Sprintf("%d records", s.(logState).n) },
}

// Linearizable checks ops and the final reads logs with porcupine. On
// failure it writes porcupine's visualization next to the error's
// message when HISTORY_DIR names a directory.
func Linearizable(ops []Produce, logs map[int32][]Stored) error {
	where := map[string]Stored{}
	for _, log := range logs {
		for _, s := range log {
			where[s.Value] = s
		}
	}
	var end int64
	for _, p := range ops {
		end = max(end, p.Call, p.Return)
	}
	var history []porcupine.Operation
	for _, p := range ops {
		op := porcupine.Operation{ClientId: 0, Input: input{partition: p.Partition, value: p.Value}, Call: p.Call}
		switch s, stored := where[p.Value]; {
		case p.Acked():
			op.Output, op.Return = p.Offset, p.Return
		case stored:
			op.Output, op.Return = s.Offset, math.MaxInt64
		default:
			continue // never happened, as far as anyone can tell
		}
		history = append(history, op)
	}
	for part, log := range logs {
		var h uint64
		for _, s := range log {
			h = chain(h, s.Value)
		}
		history = append(history, porcupine.Operation{ClientId: 1, Input: input{partition: part, read: true},
			Call: end + 1, Output: readOutput{n: int64(len(log)), h: h}, Return: end + 2})
	}
	res, info := porcupine.CheckOperationsVerbose(logModel, history, 2*time.Minute)
	switch res {
	case porcupine.Ok:
		return nil
	case porcupine.Unknown:
		return fmt.Errorf("porcupine could not decide within its time limit (%d operations)", len(history))
	}
	msg := "porcupine: the history is not linearizable as append-only logs"
	if dir := os.Getenv("HISTORY_DIR"); dir != "" {
		path := filepath.Join(dir, fmt.Sprintf("history-%d.html", time.Now().UnixNano()))
		if err := porcupine.VisualizePath(logModel, info, path); err == nil {
			msg += "; see " + path
		}
	}
	return fmt.Errorf("%s", msg)
}
