package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/spoolhq/spool/test/faultproxy"
)

// TestKillLeader kills -9 the node leading partition 0 under load, then
// starts it again.
func TestKillLeader(t *testing.T) {
	r := start(t)
	victim := r.c.Node(int32(r.leaderOf(0)))
	affected := r.ledBy(victim.ID)
	t.Logf("kill -9 node %d, leader of %v", victim.ID, affected)
	at := time.Now()
	victim.Kill()
	r.report("failover", r.failover(at, affected))
	r.waitAcked(2000)

	back := time.Now()
	r.c.Restart(victim)
	r.report("recovery", r.recovery(at, back, affected))
	r.finish()
}

// TestZombieLeader stops the active controller, which leads partitions
// too, with SIGSTOP for twice the session timeout, so that the other two
// elect a new controller, which fences it and moves its leaderships while
// it still believes it leads; then lets it go on. It must not acknowledge
// anything it then loses: records it took while stopped are never
// committed, and its stale tail is truncated when it rejoins.
func TestZombieLeader(t *testing.T) {
	r := start(t)
	victim := r.c.Node(int32(r.activeController()))
	affected := r.ledBy(victim.ID)
	t.Logf("SIGSTOP node %d, the active controller, leader of %v", victim.ID, affected)
	at := time.Now()
	if err := victim.Pause(); err != nil {
		t.Fatal(err)
	}
	r.report("failover", r.failover(at, affected))
	if wait := time.Until(at.Add(2 * sessionTimeout)); wait > 0 {
		time.Sleep(wait) // the fault's length, not a wait for a condition
	}
	r.waitAcked(1000)

	back := time.Now()
	if err := victim.Resume(); err != nil {
		t.Fatal(err)
	}
	r.report("recovery", r.recovery(at, back, affected))
	r.finish()
}

// TestKillActiveController kills -9 the active controller; the other two
// elect a new one, which fences the dead node and moves its leaderships.
func TestKillActiveController(t *testing.T) {
	r := start(t)
	victim := r.c.Node(int32(r.activeController()))
	affected := r.ledBy(victim.ID)
	t.Logf("kill -9 node %d, the active controller, leader of %v", victim.ID, affected)
	at := time.Now()
	victim.Kill()
	r.report("failover", r.failover(at, affected))
	ctx, cancel := context.WithTimeout(context.Background(), failoverBound)
	defer cancel()
	for {
		resp, err := r.adm.CreateTopic(ctx, 1, 2, nil, "after-controller-failover")
		if err == nil && resp.Err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no topic created within %v of the controller's death: %v %v", failoverBound, err, resp.Err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.report("controller failover (to a created topic)", time.Since(at))
	if now := r.activeController(); now == victim.ID {
		t.Fatalf("node %d is still the active controller", now)
	}

	back := time.Now()
	r.c.Restart(victim)
	r.report("recovery", r.recovery(at, back, affected))
	r.finish()
}

// TestRollingRestart stops every node in turn with SIGTERM (a controlled
// shutdown), starts it again and waits for it to rejoin every ISR before
// the next.
func TestRollingRestart(t *testing.T) {
	r := start(t)
	for _, n := range r.c.Nodes {
		affected := r.ledBy(n.ID)
		t.Logf("SIGTERM node %d, leader of %v", n.ID, affected)
		at := time.Now()
		if err := n.Terminate(60 * time.Second); err != nil {
			t.Fatal(err)
		}
		r.report("shutdown", time.Since(at))
		r.report("failover", r.failover(at, affected))
		back := time.Now()
		r.c.Restart(n)
		r.report("recovery", r.recovery(at, back, affected))
		r.waitAcked(1000)
	}
	r.finish()
}

// TestPartitionLeader cuts every link of the node leading partition 0 —
// to the other nodes and to clients — for twice the session timeout, then
// heals the network.
func TestPartitionLeader(t *testing.T) {
	partitionLeader(t, true)
}

// TestPartitionLeaderFromNodes cuts the node leading partition 0 off the
// other nodes only: clients still reach it and send it records, which it
// must never acknowledge (its followers are gone and it cannot shrink its
// ISR without the controller), while the rest of the cluster fences it
// and elects new leaders. When the network heals its uncommitted tail is
// truncated.
func TestPartitionLeaderFromNodes(t *testing.T) {
	partitionLeader(t, false)
}

func partitionLeader(t *testing.T, clientsToo bool) {
	r := start(t)
	victim := r.leaderOf(0)
	affected := r.ledBy(victim)
	others := r.c.IDs()
	if clientsToo {
		others = append(others, faultproxy.Client)
	}
	t.Logf("cut node %d, leader of %v, off %v", victim, affected, others)
	at := time.Now()
	r.c.Net.Isolate(victim, others...)
	r.report("failover", r.failover(at, affected))
	if wait := time.Until(at.Add(2 * sessionTimeout)); wait > 0 {
		time.Sleep(wait) // the fault's length, not a wait for a condition
	}
	r.waitAcked(1000)

	back := time.Now()
	r.c.Net.Heal()
	r.report("recovery", r.recovery(at, back, affected))
	r.finish()
}
