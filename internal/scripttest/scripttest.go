// Package scripttest runs data-driven test scripts: text files of lines
// `command args => expected`, where blank lines and lines starting with '#'
// are skipped. Each package's tests give the commands their meaning.
package scripttest

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Runner executes one command (the fields before "=>") and returns its
// output; an error is a broken script, not a failed expectation.
type Runner func(fields []string) (string, error)

// Run runs every file matching glob as a subtest, each with a fresh Runner
// from newRunner, and reports every line whose output differs from the
// expected text after "=>".
func Run(t *testing.T, glob string, newRunner func() Runner) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts match %s: %v", glob, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) { runFile(t, file, newRunner()) })
	}
}

func runFile(t *testing.T, file string, run Runner) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := bufio.NewScanner(f)
	for n := 1; lines.Scan(); n++ {
		line := strings.TrimSpace(lines.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cmd, want, ok := strings.Cut(line, "=>")
		if !ok {
			t.Fatalf("%s:%d: no '=>' in %q", file, n, line)
		}
		got, err := run(strings.Fields(cmd))
		if err != nil {
			t.Fatalf("%s:%d: %v", file, n, err)
		}
		if want = strings.TrimSpace(want); got != want {
			t.Errorf("%s:%d: %s\n got: %s\nwant: %s", file, n, strings.TrimSpace(cmd), got, want)
		}
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}
}
