package producerstate

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/spoolhq/spool/internal/record"
	"github.com/spoolhq/spool/internal/scripttest"
)

// The scripts in testdata/*.txt drive a State through produce requests the
// way a partition leader would. Each line is `command args => expected`;
// '#' starts a comment line. Commands:
//
//	produce pid= epoch= seq= [n=1] [ts=1000] [txn]  Check, then append at the log end
//	                                       => ok FIRST-LAST | duplicate FIRST-LAST | KAFKA_ERROR
//	marker pid= epoch= [ts=1000]           CheckEpoch, then append a control batch => ok OFFSET | KAFKA_ERROR
//	plain [n=1]                            append a batch without producer id => ok FIRST-LAST
//	expire now= [ms=86400000]              RemoveExpired => removed N
//	state pid=                             => epoch=E seqs=F-L,... txn=OFFSET | unknown
//	reload                                 snapshot round trip replaces the state => ok
//	replay                                 the log replayed into a new state equals it => ok
func TestScripts(t *testing.T) {
	scripttest.Run(t, "testdata/*.txt", func() scripttest.Runner {
		sc := &script{st: New(0)}
		return sc.run
	})
}

// kafkaCodes is the mapping the api layer is expected to use.
var kafkaCodes = []struct {
	err  error
	name string
}{
	{ErrInvalidProducerEpoch, "INVALID_PRODUCER_EPOCH"},
	{ErrOutOfOrderSequence, "OUT_OF_ORDER_SEQUENCE_NUMBER"},
	{ErrInvalidTxnState, "INVALID_TXN_STATE"},
}

func codeName(err error) string {
	for _, c := range kafkaCodes {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return "unexpected error: " + err.Error()
}

type script struct {
	st  *State
	log []record.Batch
}

func (sc *script) leo() int64 {
	if len(sc.log) == 0 {
		return 0
	}
	return sc.log[len(sc.log)-1].NextOffset()
}

func (sc *script) run(fields []string) (string, error) {
	if len(fields) == 0 {
		return "", errors.New("empty command")
	}
	args, err := parseArgs(fields[1:])
	if err != nil {
		return "", err
	}
	switch fields[0] {
	case "produce":
		return sc.produce(args)
	case "marker":
		return sc.marker(args)
	case "plain":
		b := makeBatch(spec{pid: -1, epoch: -1, seq: -1, n: int32(args.get("n", 1)), offset: sc.leo(), ts: 1000})
		sc.append(b)
		return fmt.Sprintf("ok %d-%d", b.BaseOffset(), b.LastOffset()), nil
	case "expire":
		return fmt.Sprintf("removed %d", sc.st.RemoveExpired(args.get("now", 0), args.get("ms", DefaultExpirationMs))), nil
	case "state":
		return describe(sc.st, args.get("pid", 0)), nil
	case "reload":
		return sc.reload()
	case "replay":
		return sc.replay(), nil
	}
	return "", fmt.Errorf("unknown command %q", fields[0])
}

func (sc *script) produce(args args) (string, error) {
	b := makeBatch(spec{
		pid: args.get("pid", 0), epoch: int16(args.get("epoch", 0)), seq: int32(args.get("seq", 0)),
		n: int32(args.get("n", 1)), offset: sc.leo(), ts: args.get("ts", 1000), txn: args.has("txn"),
	})
	dup, err := sc.st.Check(b)
	switch {
	case err != nil:
		return codeName(err), nil
	case dup != nil:
		return fmt.Sprintf("duplicate %d-%d", dup.FirstOffset, dup.LastOffset), nil
	}
	sc.append(b)
	return fmt.Sprintf("ok %d-%d", b.BaseOffset(), b.LastOffset()), nil
}

func (sc *script) marker(args args) (string, error) {
	b := makeBatch(spec{
		pid: args.get("pid", 0), epoch: int16(args.get("epoch", 0)), seq: -1, n: 1,
		offset: sc.leo(), ts: args.get("ts", 1000), txn: true, control: true,
	})
	if err := sc.st.CheckEpoch(b); err != nil {
		return codeName(err), nil
	}
	sc.append(b)
	return fmt.Sprintf("ok %d", b.BaseOffset()), nil
}

func (sc *script) append(b record.Batch) {
	sc.log = append(sc.log, b)
	sc.st.Append(b)
}

func (sc *script) reload() (string, error) {
	data, err := sc.st.MarshalSnapshot(sc.leo())
	if err != nil {
		return "", err
	}
	st, err := UnmarshalSnapshot(data, sc.leo())
	if err != nil {
		return "", err
	}
	if !reflect.DeepEqual(st.Producers(), sc.st.Producers()) {
		return "differs", nil
	}
	sc.st = st
	return "ok", nil
}

func (sc *script) replay() string {
	st := New(0)
	for _, b := range sc.log {
		st.Append(b)
	}
	if !reflect.DeepEqual(st.Producers(), sc.st.Producers()) || st.EndOffset() != sc.st.EndOffset() {
		return "differs"
	}
	return "ok"
}

func describe(st *State, pid int64) string {
	e, ok := st.Producer(pid)
	if !ok {
		return "unknown"
	}
	seqs := make([]string, len(e.Batches))
	for i, m := range e.Batches {
		seqs[i] = fmt.Sprintf("%d-%d", m.FirstSeq, m.LastSeq)
	}
	return fmt.Sprintf("epoch=%d seqs=%s txn=%d", e.Epoch, strings.Join(seqs, ","), e.TxnFirstOffset)
}

// args are a command's key=value arguments, all integers; a bare word is
// a flag.
type args map[string]int64

func parseArgs(fields []string) (args, error) {
	a := args{}
	for _, f := range fields {
		k, v, kv := strings.Cut(f, "=")
		if _, dup := a[k]; dup {
			return nil, fmt.Errorf("argument %q given twice", k)
		}
		if !kv {
			a[k] = 1
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("argument %s: %w", k, err)
		}
		a[k] = n
	}
	return a, nil
}

func (a args) has(k string) bool { _, ok := a[k]; return ok }

func (a args) get(k string, def int64) int64 {
	if v, ok := a[k]; ok {
		return v
	}
	return def
}
