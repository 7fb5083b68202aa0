package quorum

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
)

// serveStream accepts on ln as a shared listener would: connections that
// start with the preamble go to the stream, others are answered "kafka".
func serveStream(t *testing.T, ln net.Listener) *Stream {
	s := NewStream(ln.Addr())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				head := make([]byte, len(Preamble))
				if _, err := io.ReadFull(c, head); err != nil {
					c.Close()
					return
				}
				if bytes.Equal(head, Preamble) {
					s.Handoff(c)
					return
				}
				c.Write([]byte("kafka"))
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return s
}

func listen(t *testing.T) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// TestStreamVotersAndObserver runs three voters whose Raft traffic shares
// a listener with another protocol, and an observer the leader adds that
// receives the log but never votes or leads.
func TestStreamVotersAndObserver(t *testing.T) {
	lns := map[int32]net.Listener{1: listen(t), 2: listen(t), 3: listen(t), 4: listen(t)}
	voters := map[int32]string{}
	for id := int32(1); id <= 3; id++ {
		voters[id] = lns[id].Addr().String()
	}
	qs := map[int32]*Quorum{}
	for id := int32(1); id <= 3; id++ {
		cfg := clusterConfig(t, id, t.TempDir(), voters)
		cfg.Stream = serveStream(t, lns[id])
		qs[id] = open(t, cfg)
	}
	leader := leaderOf(t, qs)
	propose(t, leader, createTopic("a", 1))

	// Another protocol still gets through on the same port.
	c, err := net.Dial("tcp", voters[1])
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte{0, 0, 0, 8})
	got, _ := io.ReadAll(c)
	c.Close()
	if string(got) != "kafka" {
		t.Fatalf("a non-raft connection got %q", got)
	}

	ocfg := clusterConfig(t, 4, t.TempDir(), voters)
	ocfg.Observer = true
	ocfg.Stream = serveStream(t, lns[4])
	obs := open(t, ocfg)
	if err := leader.AddObserver(context.Background(), 4, lns[4].Addr().String()); err != nil {
		t.Fatal(err)
	}
	if err := obs.WaitReady(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := map[int32]*Quorum{1: qs[1], 2: qs[2], 3: qs[3], 4: obs}
	waitTopics(t, all, "[a]")
	if _, err := obs.Propose(context.Background(), createTopic("x", 9)); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("propose on an observer: %v", err)
	}
	if id, ok := obs.LeaderID(); !ok || qs[id] != leader {
		t.Fatalf("observer sees leader %d (%v)", id, ok)
	}
	// Fail over: the observer follows the new leader.
	for id, q := range qs {
		if q == leader {
			q.Close()
			delete(qs, id)
		}
	}
	propose(t, leaderOf(t, qs), createTopic("b", 2))
	delete(all, 1)
	delete(all, 2)
	delete(all, 3)
	for id, q := range qs {
		all[id] = q
	}
	waitTopics(t, all, "[a b]")
}
