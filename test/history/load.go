package history

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ProducerOpts are franz-go options for a Load's client: an idempotent
// producer (franz-go's default) with acks=all, partitions chosen by the
// Load, and client timeouts short enough that a dead or stopped leader is
// given up on in seconds rather than tens of seconds, and metadata looked
// up again soon after an error.
func ProducerOpts() []kgo.Opt {
	return []kgo.Opt{
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(time.Millisecond),
		kgo.MaxBufferedRecords(2000),
		kgo.ProduceRequestTimeout(3 * time.Second),
		kgo.RequestTimeoutOverhead(2 * time.Second),
		kgo.MetadataMinAge(200 * time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 100 * time.Millisecond }),
	}
}

// Load sends records to every partition of a topic in turn, recording each
// send and its answer, until stopped.
type Load struct {
	cl   *kgo.Client
	rec  *Recorder
	stop context.CancelFunc
	done chan struct{}
	wg   sync.WaitGroup
}

// StartLoad starts sending to topic's partitions 0..partitions-1 through
// cl (made with ProducerOpts), one record per interval at most.
func StartLoad(cl *kgo.Client, topic string, partitions int32, rec *Recorder, interval time.Duration) *Load {
	ctx, stop := context.WithCancel(context.Background())
	l := &Load{cl: cl, rec: rec, stop: stop, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			part := int32(i) % partitions
			p := rec.Call(part, fmt.Sprintf("r%d", i))
			l.wg.Add(1)
			cl.Produce(ctx, &kgo.Record{Topic: topic, Partition: part, Value: []byte(p.Value)},
				func(r *kgo.Record, err error) {
					defer l.wg.Done()
					rec.Return(p, r.Offset, err)
				})
		}
	}()
	return l
}

// Stop stops sending and waits up to d for every record sent to be
// answered; it reports how many were still unanswered.
func (l *Load) Stop(d time.Duration) (unanswered int) {
	l.stop()
	<-l.done
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	l.cl.Flush(ctx)
	for _, p := range l.rec.Ops() {
		if p.Return == 0 {
			unanswered++
		}
	}
	return unanswered
}

// ReadAll reads every partition of topic from offset 0 to the end offset
// the cluster reports, with a client made from opts, within ctx.
func ReadAll(ctx context.Context, topic string, opts ...kgo.Opt) (map[int32][]Stored, error) {
	admCl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	ends, err := kadm.NewClient(admCl).ListEndOffsets(ctx, topic)
	admCl.Close()
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	want := map[int32]int64{}
	start := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) {
		want[o.Partition] = o.Offset
		start[o.Partition] = kgo.NewOffset().At(0)
	})
	cl, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}))...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	logs := map[int32][]Stored{}
	pending := func() bool {
		for p, end := range want {
			if int64(len(logs[p])) < end {
				return true
			}
		}
		return false
	}
	for pending() {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return logs, fmt.Errorf("read %s: %w (read %v of %v)", topic, err, lens(logs), want)
		}
		var ferr error
		fs.EachError(func(_ string, p int32, err error) { ferr = fmt.Errorf("fetch partition %d: %w", p, err) })
		if ferr != nil {
			return logs, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			logs[r.Partition] = append(logs[r.Partition], Stored{Partition: r.Partition, Offset: r.Offset, Value: string(r.Value)})
		})
	}
	return logs, nil
}

func lens(logs map[int32][]Stored) map[int32]int {
	out := map[int32]int{}
	for p, l := range logs {
		out[p] = len(l)
	}
	return out
}
