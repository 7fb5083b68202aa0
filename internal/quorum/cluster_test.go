package quorum

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func clusterConfig(t *testing.T, id int32, dir string, voters map[int32]string) Config {
	return Config{
		NodeID:             id,
		Dir:                dir,
		ClusterID:          testClusterID,
		Voters:             voters,
		Logger:             testLogger(t),
		HeartbeatTimeout:   150 * time.Millisecond,
		ElectionTimeout:    150 * time.Millisecond,
		LeaderLeaseTimeout: 75 * time.Millisecond,
		CommitTimeout:      5 * time.Millisecond,
	}
}

func leaderOf(t *testing.T, qs map[int32]*Quorum) *Quorum {
	t.Helper()
	var leader *Quorum
	checkFor(t, 10*time.Second, func() error {
		leader = nil
		for id, q := range qs {
			if q.IsLeader() {
				if leader != nil {
					return fmt.Errorf("two leaders")
				}
				leader = q
				if l, ok := q.LeaderID(); !ok || l != id {
					return fmt.Errorf("leader %d reports leader %d", id, l)
				}
			}
		}
		if leader == nil {
			return fmt.Errorf("no leader")
		}
		return nil
	})
	return leader
}

// TestThreeVoters runs a three-controller quorum over loopback TCP: one
// leader, followers that replay what it commits, a failover, and a node
// that catches up after a restart.
func TestThreeVoters(t *testing.T) {
	addrs := freeAddrs(t, 3)
	voters := map[int32]string{1: addrs[0], 2: addrs[1], 3: addrs[2]}
	dirs := map[int32]string{1: t.TempDir(), 2: t.TempDir(), 3: t.TempDir()}
	qs := map[int32]*Quorum{}
	for id := range voters {
		qs[id] = open(t, clusterConfig(t, id, dirs[id], voters))
	}
	for _, q := range qs {
		if err := q.WaitReady(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	leader := leaderOf(t, qs)
	propose(t, leader, createTopic("a", 1))
	for _, q := range qs {
		if q == leader {
			continue
		}
		if _, err := q.Propose(context.Background(), createTopic("x", 9)); !errors.Is(err, ErrNotLeader) {
			t.Fatalf("propose on a follower: %v", err)
		}
	}
	waitTopics(t, qs, "[a]")

	// Fail over: the other two elect a leader that keeps the log.
	var stopped int32
	for id, q := range qs {
		if q == leader {
			stopped = id
			q.Close()
			delete(qs, id)
		}
	}
	propose(t, leaderOf(t, qs), createTopic("b", 2))
	waitTopics(t, qs, "[a b]")

	// The stopped node comes back and catches up.
	q := open(t, clusterConfig(t, stopped, dirs[stopped], voters))
	if err := q.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	qs[stopped] = q
	waitTopics(t, qs, "[a b]")
}

func waitTopics(t *testing.T, qs map[int32]*Quorum, want string) {
	t.Helper()
	checkFor(t, 10*time.Second, func() error {
		for id, q := range qs {
			if got := topicNames(q.Image()); got != want {
				return fmt.Errorf("node %d has topics %s, want %s", id, got, want)
			}
		}
		return nil
	})
}

// TestFollowersLearnACommitBeforeItIsAnswered: with CommitTimeout so long
// that an idle leader would tell followers of a commit only after many
// seconds, a proposal is still on every follower at once, since the leader
// spreads the commit before answering. (Otherwise a topic created through
// one broker is unknown to the others for up to 100 ms.)
func TestFollowersLearnACommitBeforeItIsAnswered(t *testing.T) {
	addrs := freeAddrs(t, 3)
	voters := map[int32]string{1: addrs[0], 2: addrs[1], 3: addrs[2]}
	qs := map[int32]*Quorum{}
	for id := range voters {
		cfg := clusterConfig(t, id, t.TempDir(), voters)
		cfg.CommitTimeout = time.Minute
		qs[id] = open(t, cfg)
	}
	leader := leaderOf(t, qs)
	for i, name := range []string{"a", "b", "c"} {
		propose(t, leader, createTopic(name, i+1))
		want := fmt.Sprint([]string{"a", "b", "c"}[:i+1])
		// Far below CommitTimeout: only the spread commit gets it there.
		checkFor(t, 5*time.Second, func() error {
			for id, q := range qs {
				if got := topicNames(q.Image()); got != want {
					return fmt.Errorf("node %d has topics %s, want %s", id, got, want)
				}
			}
			return nil
		})
	}
}
