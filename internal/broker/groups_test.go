package broker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// groupReader is one group member that records what it reads.
type groupReader struct {
	cl       *kgo.Client
	mu       sync.Mutex
	seen     map[string]int
	assigned int // partitions currently assigned
}

func newGroupReader(t *testing.T, node *testcluster.Node, group, topic string, opts ...kgo.Opt) *groupReader {
	t.Helper()
	g := &groupReader{seen: map[string]int{}}
	base := []kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { g.addAssigned(m, 1) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { g.addAssigned(m, -1) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) { g.addAssigned(m, -1) }),
	}
	cl, err := kgo.NewClient(append(append([]kgo.Opt{kgo.SeedBrokers(node.Addr())}, base...), opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	g.cl = cl
	return g
}

func (g *groupReader) addAssigned(m map[string][]int32, sign int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, ps := range m {
		g.assigned += sign * len(ps)
	}
}

func (g *groupReader) partitions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.assigned
}

// poll reads until ctx ends, committing after each poll as an application
// that processes then commits would.
func (g *groupReader) poll(ctx context.Context) {
	for ctx.Err() == nil {
		fs := g.cl.PollFetches(ctx)
		g.mu.Lock()
		fs.EachRecord(func(r *kgo.Record) { g.seen[string(r.Value)]++ })
		g.mu.Unlock()
		if err := g.cl.CommitUncommittedOffsets(context.Background()); err != nil && ctx.Err() == nil {
			return
		}
	}
}

func (g *groupReader) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen)
}

func TestGroupMembersSplitAndTakeOver(t *testing.T) {
	for name, balancer := range map[string]kgo.GroupBalancer{
		"cooperative-sticky": kgo.CooperativeStickyBalancer(),
		"range (eager)":      kgo.RangeBalancer(),
	} {
		t.Run(name, func(t *testing.T) {
			node := testcluster.Start(t, map[string]string{"group.initial.rebalance.delay.ms": "0"})
			topic, group := "orders", "billing"
			node.CreateTopic(topic, 6, nil)

			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			readers := make([]*groupReader, 3)
			for i := range readers {
				readers[i] = newGroupReader(t, node, group, topic, kgo.Balancers(balancer))
				wg.Add(1)
				go func() { defer wg.Done(); readers[i].poll(ctx) }()
			}
			// Produce once the three members share the six partitions, so
			// that each one has something to read.
			testcluster.CheckFor(t, 60*time.Second, func() error {
				sum := 0
				for i, r := range readers {
					if r.partitions() == 0 {
						return fmt.Errorf("member %d has no partitions yet", i)
					}
					sum += r.partitions()
				}
				if sum != 6 {
					return fmt.Errorf("members hold %d partitions, want 6", sum)
				}
				return nil
			})
			produceAll(t, node.Client(), topic, 3000)
			total := func() int {
				n := 0
				for _, r := range readers {
					n += r.count()
				}
				return n
			}
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if n := total(); n < 3000 {
					return fmt.Errorf("read %d of 3000", n)
				}
				return nil
			})
			// Every member got a share, and nothing was read twice.
			for i, r := range readers {
				if r.count() == 0 {
					t.Errorf("member %d read nothing", i)
				}
			}
			if n := total(); n != 3000 {
				t.Fatalf("read %d distinct records in all, want 3000", n)
			}

			// One member leaves; the others take its partitions over.
			readers[0].cl.Close()
			more := make([]*kgo.Record, 600)
			for i := range more {
				more[i] = &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "late-%d", i)}
			}
			if err := node.Client().ProduceSync(ctxFor(t, 20*time.Second), more...).FirstErr(); err != nil {
				t.Fatal(err)
			}
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if n := readers[1].count() + readers[2].count() - (3000 - readers[0].count()); n < 600 {
					return fmt.Errorf("survivors read %d of the 600 late records", n)
				}
				return nil
			})
			stop()
			wg.Wait()
			for _, r := range readers[1:] {
				r.cl.Close()
			}

			// A new member of the group resumes from the commits: nothing
			// is left to read.
			fresh := newGroupReader(t, node, group, topic, kgo.Balancers(balancer))
			defer fresh.cl.Close()
			pollCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			fresh.poll(pollCtx)
			if n := fresh.count(); n != 0 {
				t.Fatalf("a resumed member re-read %d committed records", n)
			}
		})
	}
}
