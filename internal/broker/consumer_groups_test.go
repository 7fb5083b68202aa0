package broker_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/spoolhq/spool/internal/testcluster"
)

// cutDialer lets a test sever a client from the broker without the client
// knowing it should leave its group: the connections it dialed close and
// new dials fail, as when its process dies.
type cutDialer struct {
	mu    sync.Mutex
	cut   bool
	conns []net.Conn
}

func (d *cutDialer) dial(ctx context.Context, network, host string) (net.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cut {
		return nil, errors.New("cut off")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, host)
	if err == nil {
		d.conns = append(d.conns, c)
	}
	return c, err
}

func (d *cutDialer) sever() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cut = true
	for _, c := range d.conns {
		c.Close()
	}
}

// TestConsumerGroupMembersSplitAndTakeOver runs franz-go's KIP-848
// consumer (ServerSideBalancer): three members split six partitions; one
// leaves, one dies (its session expires), the last takes everything; every
// record is read exactly once across the members, and a member of the
// group started after a broker restart resumes from the commits.
func TestConsumerGroupMembersSplitAndTakeOver(t *testing.T) {
	for name, balancer := range map[string]kgo.GroupBalancer{
		"uniform": kgo.CooperativeStickyBalancer(),
		"range":   kgo.RangeBalancer(),
	} {
		t.Run(name, func(t *testing.T) {
			node := testcluster.Start(t, map[string]string{
				"group.consumer.session.timeout.ms":        "6000",
				"group.consumer.min.session.timeout.ms":    "6000",
				"group.consumer.heartbeat.interval.ms":     "500",
				"group.consumer.min.heartbeat.interval.ms": "500",
			})
			topic, group := "orders", "billing"
			node.CreateTopic(topic, 6, nil)

			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			dialers := make([]*cutDialer, 3)
			readers := make([]*groupReader, 3)
			for i := range readers {
				dialers[i] = &cutDialer{}
				readers[i] = newGroupReader(t, node, group, topic, kgo.Balancers(balancer), kgo.ServerSideBalancer(),
					kgo.Dialer(dialers[i].dial))
				wg.Add(1)
				go func() { defer wg.Done(); readers[i].poll(ctx) }()
			}
			defer func() {
				stop()
				wg.Wait()
			}()
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

			// The group is a KIP-848 consumer group, as the admin client sees it.
			adm := node.Admin()
			listed, err := adm.ListGroupsByType(ctxFor(t, 10*time.Second), []string{"consumer"})
			if err != nil || len(listed) != 1 || listed[group].State != "Stable" || listed[group].ProtocolType != "consumer" {
				t.Fatalf("ListGroups of type consumer: %v, %v", listed, err)
			}
			described, err := adm.DescribeConsumerGroups(ctxFor(t, 10*time.Second), group)
			if err != nil {
				t.Fatal(err)
			}
			d := described[group]
			wantAssignor := map[string]string{"uniform": "uniform", "range": "range"}[name]
			if d.Err != nil || d.State != "Stable" || len(d.Members) != 3 || d.AssignorName != wantAssignor || d.Epoch != d.AssignmentEpoch {
				t.Fatalf("described group: %+v", d)
			}

			produceAll(t, node.Client(), topic, 3000)
			total := func(rs []*groupReader) int {
				n := 0
				for _, r := range rs {
					n += r.count()
				}
				return n
			}
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if n := total(readers); n < 3000 {
					return fmt.Errorf("read %d of 3000", n)
				}
				return nil
			})
			for i, r := range readers {
				if r.count() == 0 {
					t.Errorf("member %d read nothing", i)
				}
			}
			if n := total(readers); n != 3000 {
				t.Fatalf("read %d distinct records in all, want 3000", n)
			}

			// Member 0 leaves (epoch -1); member 1 dies without leaving.
			readers[0].cl.Close()
			dialers[1].sever()
			more := make([]*kgo.Record, 600)
			for i := range more {
				more[i] = &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "late-%d", i)}
			}
			if err := node.Client().ProduceSync(ctxFor(t, 20*time.Second), more...).FirstErr(); err != nil {
				t.Fatal(err)
			}
			// Member 2 takes all six partitions once member 1's session
			// has expired, and reads the late records.
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if p := readers[2].partitions(); p != 6 {
					return fmt.Errorf("the survivor holds %d partitions", p)
				}
				return nil
			})
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if n := total(readers); n < 3600 {
					return fmt.Errorf("read %d distinct of 3600", n)
				}
				return nil
			})
			stop()
			wg.Wait()
			readers[2].cl.Close()
			readers[1].cl.Close()
			if n := total(readers); n != 3600 {
				t.Fatalf("read %d distinct records in all, want 3600", n)
			}
			// Nothing was read by two members: a record read twice would
			// make the sum of the members' counts exceed the distinct count.
			all := map[string]int{}
			for _, r := range readers {
				r.mu.Lock()
				for v := range r.seen {
					all[v]++
				}
				r.mu.Unlock()
			}
			for v, n := range all {
				if n > 1 && !dying(readers[1], v) {
					t.Fatalf("record %s read by %d members", v, n)
				}
			}

			// The broker restarts; a new member resumes from the commits
			// and finds nothing left to read.
			node.Restart()
			fresh := newGroupReader(t, node, group, topic, kgo.Balancers(balancer), kgo.ServerSideBalancer())
			defer fresh.cl.Close()
			pollCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			fresh.poll(pollCtx)
			if n := fresh.count(); n != 0 {
				t.Fatalf("a resumed member re-read %d committed records", n)
			}
			if p := fresh.partitions(); p != 6 {
				t.Fatalf("the resumed member holds %d partitions, want 6", p)
			}
		})
	}
}

// dying reports a record the severed member read but may not have
// committed: its partitions go to the survivor from the last commit, so
// those records are read again (at-least-once, as with any consumer that
// dies between reading and committing).
func dying(r *groupReader, v string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[v] > 0
}
