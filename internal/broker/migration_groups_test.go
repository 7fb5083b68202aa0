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

// migrationProps make sessions and heartbeats short enough for a test, for
// both protocols.
var migrationProps = map[string]string{
	"group.initial.rebalance.delay.ms":         "0",
	"group.consumer.session.timeout.ms":        "6000",
	"group.consumer.min.session.timeout.ms":    "6000",
	"group.consumer.heartbeat.interval.ms":     "500",
	"group.consumer.min.heartbeat.interval.ms": "500",
}

// readers runs group members, each polling in its own goroutine until
// stopped.
type readers struct {
	t       *testing.T
	node    *testcluster.Node
	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	members []*groupReader
}

func newReaders(t *testing.T, node *testcluster.Node) *readers {
	ctx, stop := context.WithCancel(context.Background())
	rs := &readers{t: t, node: node, ctx: ctx, stop: stop}
	t.Cleanup(rs.close)
	return rs
}

// classic starts a member of the classic protocol with balancer.
func (rs *readers) classic(group, topic string, balancer kgo.GroupBalancer) *groupReader {
	return rs.start(group, topic, kgo.Balancers(balancer),
		kgo.SessionTimeout(6*time.Second), kgo.HeartbeatInterval(500*time.Millisecond))
}

// consumer starts a member of the KIP-848 consumer protocol.
func (rs *readers) consumer(group, topic string) *groupReader {
	return rs.start(group, topic, kgo.Balancers(kgo.CooperativeStickyBalancer()), kgo.ServerSideBalancer())
}

func (rs *readers) start(group, topic string, opts ...kgo.Opt) *groupReader {
	r := newGroupReader(rs.t, rs.node, group, topic, opts...)
	rs.members = append(rs.members, r)
	rs.wg.Add(1)
	go func() { defer rs.wg.Done(); r.poll(rs.ctx) }()
	return r
}

func (rs *readers) close() {
	rs.stop()
	rs.wg.Wait()
	for _, r := range rs.members {
		r.cl.Close()
	}
}

// waitSplit waits until every member holds a partition and together they
// hold n.
func (rs *readers) waitSplit(n int, members ...*groupReader) {
	rs.t.Helper()
	testcluster.CheckFor(rs.t, 60*time.Second, func() error {
		sum := 0
		for i, r := range members {
			if r.partitions() == 0 {
				return fmt.Errorf("member %d has no partitions yet", i)
			}
			sum += r.partitions()
		}
		if sum != n {
			return fmt.Errorf("members hold %d partitions, want %d", sum, n)
		}
		return nil
	})
}

// waitRead waits until the members have read n distinct records, then
// checks that none was read twice, by one member or by two.
func (rs *readers) waitRead(n int) {
	rs.t.Helper()
	all := func() map[string]int {
		seen := map[string]int{}
		for _, r := range rs.members {
			r.mu.Lock()
			for v, k := range r.seen {
				seen[v] += k
			}
			r.mu.Unlock()
		}
		return seen
	}
	testcluster.CheckFor(rs.t, 60*time.Second, func() error {
		if got := len(all()); got < n {
			return fmt.Errorf("read %d distinct records of %d", got, n)
		}
		return nil
	})
	seen := all()
	if len(seen) != n {
		rs.t.Fatalf("read %d distinct records, want %d", len(seen), n)
	}
	for v, k := range seen {
		if k > 1 {
			rs.t.Fatalf("record %s read %d times", v, k)
		}
	}
}

func produceLate(t *testing.T, node *testcluster.Node, topic, prefix string, n int) {
	t.Helper()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Topic: topic, Value: fmt.Appendf(nil, "%s-%d", prefix, i)}
	}
	if err := node.Client().ProduceSync(ctxFor(t, 20*time.Second), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// TestClassicAndConsumerMembersShareAGroup runs a franz-go classic
// consumer (cooperative-sticky, or eager range) and a franz-go KIP-848
// consumer in one group: the KIP-848 member's join upgrades the classic
// group, the two split the topic, every record is read once; then the
// KIP-848 member leaves, the group goes back to classic, and the classic
// member gets every partition.
func TestClassicAndConsumerMembersShareAGroup(t *testing.T) {
	for name, balancer := range map[string]kgo.GroupBalancer{
		"cooperative-sticky": kgo.CooperativeStickyBalancer(),
		"range (eager)":      kgo.RangeBalancer(),
	} {
		t.Run(name, func(t *testing.T) {
			node := testcluster.Start(t, migrationProps)
			topic, group := "orders", "billing"
			node.CreateTopic(topic, 6, nil)
			rs := newReaders(t, node)

			classic := rs.classic(group, topic, balancer)
			rs.waitSplit(6, classic)
			modern := rs.consumer(group, topic)
			rs.waitSplit(6, classic, modern)

			adm := node.Admin()
			listed, err := adm.ListGroupsByType(ctxFor(t, 10*time.Second), []string{"consumer"})
			if err != nil || len(listed) != 1 || listed[group].ProtocolType != "consumer" {
				t.Fatalf("ListGroups of type consumer: %v, %v", listed, err)
			}
			described, err := adm.DescribeConsumerGroups(ctxFor(t, 10*time.Second), group)
			if err != nil {
				t.Fatal(err)
			}
			d := described[group]
			types := map[int8]int{}
			for _, m := range d.Members {
				types[m.MemberType]++
			}
			if d.Err != nil || len(d.Members) != 2 || types[0] != 1 || types[1] != 1 {
				t.Fatalf("described group: %+v (member types %v)", d, types)
			}

			produceAll(t, node.Client(), topic, 3000)
			rs.waitRead(3000)
			for i, r := range []*groupReader{classic, modern} {
				if r.count() == 0 {
					t.Errorf("member %d read nothing", i)
				}
			}

			// The KIP-848 member leaves: the group is classic again and
			// the classic member takes everything over.
			modern.cl.Close()
			produceLate(t, node, topic, "late", 600)
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if p := classic.partitions(); p != 6 {
					return fmt.Errorf("the classic member holds %d partitions", p)
				}
				return nil
			})
			rs.waitRead(3600)
			listed, err = adm.ListGroupsByType(ctxFor(t, 10*time.Second), []string{"classic"})
			if err != nil || len(listed) != 1 || listed[group].State != "Stable" {
				t.Fatalf("ListGroups of type classic: %v, %v", listed, err)
			}
			groups, err := adm.DescribeGroups(ctxFor(t, 10*time.Second), group)
			if err != nil || groups[group].State != "Stable" || len(groups[group].Members) != 1 {
				t.Fatalf("DescribeGroups: %+v, %v", groups[group], err)
			}
		})
	}
}

// TestRollingUpgradeToConsumerProtocol restarts the two classic members
// of a group one at a time as KIP-848 consumers: the first KIP-848 member
// upgrades the group, the last classic member leaves it through
// LeaveGroup, and no committed record is lost or read again on the way.
func TestRollingUpgradeToConsumerProtocol(t *testing.T) {
	for name, balancer := range map[string]kgo.GroupBalancer{
		"cooperative-sticky": kgo.CooperativeStickyBalancer(),
		"range (eager)":      kgo.RangeBalancer(),
	} {
		t.Run(name, func(t *testing.T) {
			node := testcluster.Start(t, migrationProps)
			topic, group := "events", "indexer"
			node.CreateTopic(topic, 6, nil)
			rs := newReaders(t, node)

			c0, c1 := rs.classic(group, topic, balancer), rs.classic(group, topic, balancer)
			rs.waitSplit(6, c0, c1)
			produceLate(t, node, topic, "a", 1000)
			rs.waitRead(1000)

			// The first instance restarts with the consumer protocol.
			c0.cl.Close()
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if p := c1.partitions(); p != 6 {
					return fmt.Errorf("the remaining classic member holds %d partitions", p)
				}
				return nil
			})
			produceLate(t, node, topic, "b", 500)
			m0 := rs.consumer(group, topic)
			rs.waitSplit(6, c1, m0)
			rs.waitRead(1500)

			// Then the second.
			c1.cl.Close()
			testcluster.CheckFor(t, 60*time.Second, func() error {
				if p := m0.partitions(); p != 6 {
					return fmt.Errorf("the consumer member holds %d partitions", p)
				}
				return nil
			})
			produceLate(t, node, topic, "c", 500)
			m1 := rs.consumer(group, topic)
			rs.waitSplit(6, m0, m1)
			produceLate(t, node, topic, "d", 500)
			rs.waitRead(2500)

			described, err := node.Admin().DescribeConsumerGroups(ctxFor(t, 10*time.Second), group)
			if err != nil {
				t.Fatal(err)
			}
			d := described[group]
			if d.Err != nil || len(d.Members) != 2 || d.Members[0].MemberType != 1 || d.Members[1].MemberType != 1 {
				t.Fatalf("described group: %+v", d)
			}
		})
	}
}
