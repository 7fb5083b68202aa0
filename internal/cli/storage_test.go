package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStorageFormatAndInfo formats a node's directory for a cluster id as
// kafka-storage.sh does, refuses to format it twice, and describes it.
func TestStorageFormatAndInfo(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "server.properties")
	props := "process.roles=broker,controller\nnode.id=2\ncontroller.quorum.voters=1@127.0.0.1:9093,2@127.0.0.1:9094,3@127.0.0.1:9095\n" +
		"listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9094\nadvertised.listeners=PLAINTEXT://127.0.0.1:9092\n" +
		"controller.listener.names=CONTROLLER\nlog.dirs=" + filepath.Join(dir, "data") + "\n"
	if err := os.WriteFile(cfg, []byte(props), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, int) {
		var out, errOut bytes.Buffer
		code := Run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), code
	}
	id, code := run("storage", "random-uuid")
	id = strings.TrimSpace(id)
	if code != 0 || len(id) != 22 {
		t.Fatalf("random-uuid: %q %d", id, code)
	}
	out, code := run("storage", "format", "--cluster-id", id, "--config", cfg)
	if code != 0 || !strings.Contains(out, "Formatting data directory "+filepath.Join(dir, "data")) {
		t.Fatalf("format: %d %s", code, out)
	}
	if out, code = run("storage", "format", "-t", id, "-c", cfg); code == 0 || !strings.Contains(out, "is already formatted") {
		t.Fatalf("second format: %d %s", code, out)
	}
	if out, code = run("storage", "format", "-t", id, "-c", cfg, "--ignore-formatted"); code != 0 {
		t.Fatalf("format --ignore-formatted: %d %s", code, out)
	}
	out, code = run("storage", "info", "-c", cfg)
	if code != 0 || !strings.Contains(out, "Found metadata: {cluster.id="+id) || !strings.Contains(out, "node.id=2, version=1}") {
		t.Fatalf("info: %d %s", code, out)
	}
}
