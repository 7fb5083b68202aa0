package partition

import "testing"

func TestThrottledFollowsTheTopicConfig(t *testing.T) {
	h := openReplicated(t, 2, "1")
	if l, f := h.p.Throttled(); l || f {
		t.Fatalf("throttled (%v, %v) without lists", l, f)
	}
	set := func(leader, follower string) {
		t.Helper()
		if err := h.p.SetConfig(topicConfig(t, map[string]string{
			"leader.replication.throttled.replicas": leader, "follower.replication.throttled.replicas": follower})); err != nil {
			t.Fatal(err)
		}
	}
	set("0:1,0:2", "0:3,1:2") // partition 0 leads on 1 and 2, moves to 3
	if l, f := h.p.Throttled(); !l || f {
		t.Fatalf("broker 2 of partition 0: throttled (%v, %v), want leader only", l, f)
	}
	set("", "*")
	if l, f := h.p.Throttled(); l || !f {
		t.Fatalf("follower *: throttled (%v, %v), want follower only", l, f)
	}
	set("", "")
	if l, f := h.p.Throttled(); l || f {
		t.Fatalf("cleared lists: throttled (%v, %v)", l, f)
	}
}

func TestInSyncIsTheCommittedISR(t *testing.T) {
	h := openReplicated(t, 1, "1")
	h.lead(1, 1, 1, 2)
	if !h.p.InSync(2) || h.p.InSync(3) {
		t.Fatalf("ISR [1 2]: InSync(2)=%v InSync(3)=%v", h.p.InSync(2), h.p.InSync(3))
	}
}
