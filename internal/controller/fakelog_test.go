package controller

import (
	"context"
	"sync"

	"github.com/spoolhq/spool/internal/metadata"
	"github.com/spoolhq/spool/internal/quorum"
)

// fakeLog is an in-memory metadata log with quorum's ProposeAt semantics.
type fakeLog struct {
	mu        sync.Mutex
	img       *metadata.Image
	follower  bool
	err       error // returned by every proposal when set
	interfere int   // proposals that find the image moved on by another change
	proposals [][]metadata.Record
}

func fakeLogFor(img *metadata.Image) *fakeLog { return &fakeLog{img: img} }

func (f *fakeLog) Image() *metadata.Image {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.img
}

func (f *fakeLog) IsLeader() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.follower
}

func (f *fakeLog) ProposeAt(ctx context.Context, base int64, records []metadata.Record) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return -1, f.err
	}
	if f.interfere > 0 {
		f.interfere--
		// Someone else's batch lands first.
		f.img, _, _ = f.img.ApplyAt(f.img.Offset()+1, 1, nil)
	}
	if base != f.img.Offset() {
		return -1, quorum.ErrStale
	}
	next, _, err := f.img.ApplyAt(f.img.Offset()+1, 1, records)
	if err != nil {
		return -1, quorum.ErrRejected
	}
	f.img = next
	f.proposals = append(f.proposals, records)
	return next.Offset(), nil
}
