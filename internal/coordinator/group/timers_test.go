package group

import "testing"

func TestTimersOrderReplaceCancel(t *testing.T) {
	ts := newTimers()
	key := func(m string) timerKey { return timerKey{kind: timerHeartbeat, group: "g", member: m} }
	ts.set(timer{key: key("a"), at: 30})
	ts.set(timer{key: key("b"), at: 10})
	ts.set(timer{key: key("c"), at: 20})
	ts.set(timer{key: key("d"), at: 10}) // same deadline as b: after it
	ts.set(timer{key: key("c"), at: 5})  // replaces c's earlier setting
	ts.cancel(key("a"))
	ts.cancel(key("zz"))
	if at, ok := ts.next(); !ok || at != 5 {
		t.Fatalf("next = %d, %v", at, ok)
	}
	if _, ok := ts.popDue(4); ok {
		t.Fatal("a timer fired early")
	}
	var fired []string
	for {
		tm, ok := ts.popDue(100)
		if !ok {
			break
		}
		fired = append(fired, tm.key.member)
	}
	if got := len(fired); got != 3 || fired[0] != "c" || fired[1] != "b" || fired[2] != "d" {
		t.Fatalf("fired %v, want [c b d]", fired)
	}
	if _, ok := ts.next(); ok || len(ts.byKey) != 0 {
		t.Fatal("timers left after all fired")
	}
}
