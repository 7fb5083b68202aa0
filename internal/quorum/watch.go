package quorum

import (
	"github.com/hashicorp/raft"
)

// watch follows leadership and replay progress: it makes this node active
// once it leads with every earlier entry applied, and closes ready once the
// log on disk has been replayed. It wakes on Raft's leadership
// notifications, leader observations and applied entries, never on a timer.
func (q *Quorum) watch() {
	defer q.wg.Done()
	for {
		applied := q.fsm.commandSignal()
		q.checkReady()
		select {
		case <-q.stop:
			return
		case leader := <-q.notify:
			q.onLeadership(leader)
		case <-q.observations:
		case <-applied:
		}
	}
}

// onLeadership deactivates the node and, if it now leads, reactivates it
// after a barrier: a new leader may hold committed entries its image lacks,
// and the controller must not decide on such an image.
func (q *Quorum) onLeadership(leader bool) {
	q.active.Store(false)
	if !leader {
		q.log.Info("no longer the metadata leader")
		return
	}
	for q.raft.State() == raft.Leader {
		err := q.raft.Barrier(q.cfg.ElectionTimeout).Error()
		if err == nil {
			q.active.Store(true)
			q.log.Info("became the metadata leader", "offset", q.Image().Offset())
			return
		}
		q.log.Warn("metadata leader barrier failed", "err", err)
		select {
		case <-q.stop:
			return
		default:
		}
	}
}

func (q *Quorum) checkReady() {
	select {
	case <-q.ready:
		return
	default:
	}
	if q.active.Load() {
		close(q.ready)
		return
	}
	_, leader := q.LeaderID()
	if leader && q.fsm.lastCommand.Load() >= q.readyTarget && q.raft.State() != raft.Leader {
		close(q.ready)
	}
}
