package partition

import (
	"errors"
	"testing"

	"github.com/spoolhq/spool/internal/record"
)

func TestAppendFencedToALeaderEpoch(t *testing.T) {
	h := openReplicated(t, 1, "1")
	h.lead(3, 0, 1)
	b := func() []byte { return batch(t, 1, 9_000, -1, -1, record.CodecNone) }
	if _, err := h.p.AppendRecords(b(), AppendOptions{Acks: 1, FenceEpoch: true, LeaderEpoch: 2}); !errors.Is(err, ErrNotLeader) {
		t.Fatalf("append fenced to an older epoch: %v", err)
	}
	if _, err := h.p.AppendRecords(b(), AppendOptions{Acks: 1, FenceEpoch: true, LeaderEpoch: 3}); err != nil {
		t.Fatalf("append in the current epoch: %v", err)
	}
	if end := h.p.LogEndOffset(); end != 1 {
		t.Fatalf("log end %d, want 1", end)
	}
}
