package quorum

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

func TestHCLogAdapter(t *testing.T) {
	var buf bytes.Buffer
	l := newHCLogAdapter(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))
	l.Info("entering follower state", "node", 1)
	l.Warn("heartbeat timeout reached, starting election")
	l.Named("raft").With("peer", 2).Warn("failed to contact", "err", "boom")
	l.Error("fatal", "x", 1)
	out := buf.String()
	if strings.Contains(out, "entering follower state") || strings.Contains(out, "heartbeat timeout") {
		t.Fatalf("routine messages logged at Info or above:\n%s", out)
	}
	for _, want := range []string{"level=WARN msg=\"failed to contact\" component=raft peer=2 err=boom", "level=ERROR msg=fatal x=1"} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in:\n%s", want, out)
		}
	}
	if l.IsDebug() || !l.IsInfo() || l.GetLevel() != hclog.Info || l.Named("a").Named("b").Name() != "a.b" {
		t.Fatal("level or name queries wrong")
	}
	if l.StandardLogger(nil) == nil || l.StandardWriter(nil) == nil {
		t.Fatal("no standard logger")
	}
}
