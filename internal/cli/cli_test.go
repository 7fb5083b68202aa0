package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// tools are the Kafka tools and the sentence each prints above its options.
var tools = map[string]string{
	"topics":              "Create, delete, describe, or change a topic.",
	"console-producer":    "This tool helps to read data from standard input and publish it to Kafka.",
	"console-consumer":    "This tool helps to read data from Kafka topics and outputs it to standard output.",
	"configs":             "This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group",
	"get-offsets":         "An interactive shell for getting topic-partition offsets.",
	"delete-records":      "This tool helps to delete records of the given partitions down to the specified offset.",
	"dump-log":            "This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.",
	"producer-perf-test":  "This tool is used to verify the producer performance.",
	"consumer-perf-test":  "This tool is used to verify the consumer performance.",
	"broker-api-versions": "This tool helps to retrieve broker version information.",
	"consumer-groups":     consumerGroupsAbout,
	"leader-election":     "This tool attempts to elect a new leader for a set of topic partitions.",
	"reassign-partitions": reassignAbout,
}

func TestHelpOnEveryTool(t *testing.T) {
	for tool, about := range tools {
		r := run(t, "", tool, "--help")
		if r.code != 0 || !strings.HasPrefix(r.stdout, about) || !strings.Contains(r.stdout, "\nOption ") ||
			!strings.Contains(r.stdout, "\n--help ") || r.stderr != "" {
			t.Errorf("%s --help: exit %d\nstdout:\n%s\nstderr:\n%s", tool, r.code, r.stdout, r.stderr)
		}
		// consumer-perf-test's default group is random, as Kafka's.
		same := regexp.MustCompile(`perf-consumer-\d+`)
		if h := run(t, "", "help", tool); h.code != 0 || same.ReplaceAllString(h.stdout, "") != same.ReplaceAllString(r.stdout, "") {
			t.Errorf("spool help %s differs from %s --help:\n%s", tool, tool, h.stdout)
		}
		// No arguments at all: the same text, as an error.
		r = run(t, "", tool)
		if r.code != 1 || !strings.HasPrefix(r.stderr, about) || r.stdout != "" {
			t.Errorf("%s without arguments: exit %d, stderr %q", tool, r.code, r.stderr)
		}
	}
}

func TestBadOptionsOnEveryTool(t *testing.T) {
	for tool := range tools {
		r := run(t, "", tool, "--no-such-option", "x")
		if r.code != 1 || !strings.HasPrefix(r.stderr, "no-such-option is not a recognized option\n") {
			t.Errorf("%s: exit %d, stderr %q", tool, r.code, r.stderr)
		}
		r = run(t, "", tool, "--zookeeper", "localhost:2181")
		if r.code != 1 || !strings.Contains(r.stderr, "Spool keeps its metadata in its own Raft quorum") ||
			!strings.Contains(r.stderr, "--bootstrap-server") || strings.Contains(r.stderr, "Option ") {
			t.Errorf("%s --zookeeper: exit %d, stderr %q", tool, r.code, r.stderr)
		}
		r = run(t, "", tool, "--zookeeper=localhost:2181")
		if r.code != 1 || !strings.Contains(r.stderr, "Raft quorum") {
			t.Errorf("%s --zookeeper=: exit %d, stderr %q", tool, r.code, r.stderr)
		}
	}
}

func TestRootCommand(t *testing.T) {
	r := run(t, "", "--help")
	for tool := range tools {
		if !strings.Contains(r.stdout, "\n  "+tool+" ") {
			t.Errorf("spool --help does not list %s:\n%s", tool, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "\n  server ") {
		t.Errorf("spool --help does not list server")
	}
	r = run(t, "", "no-such-tool")
	if r.code != 1 || !strings.Contains(r.stderr, `unknown command "no-such-tool"`) {
		t.Fatalf("unknown command: %+v", r)
	}
	r = run(t, "", "topics", "--version")
	if r.code != 0 || r.stdout == "" {
		t.Fatalf("--version: %+v", r)
	}
	r = run(t, "", "topics", "--list", "--bootstrap-server", "x:1", "stray")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "Found non-option argument(s): stray\n") {
		t.Fatalf("stray argument: %+v", r)
	}
}

func TestWithCommandsReplacesServer(t *testing.T) {
	server := &cobra.Command{
		Use: "server",
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.Println("the real server", strings.Join(args, " "))
			return nil
		},
	}
	var out, errOut bytes.Buffer
	code := Run(context.Background(), []string{"server", "config/server.properties"}, strings.NewReader(""), &out, &errOut, WithCommands(server))
	if code != 0 || out.String()+errOut.String() != "the real server config/server.properties\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestOptionTableLayout(t *testing.T) {
	r := run(t, "", "console-producer", "--help")
	for _, want := range []string{
		"Option                                   Description\n------                                   -----------\n",
		"\n--batch-size <Integer: size>             Number of messages to send in a single\n",
		"\n--compression-codec [String:             The compression codec: either 'none',\n  compression-codec]",
		"(default: 16384)",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, l := range lines(r.stdout)[1:] {
		if len(l) > tableWidth && len(strings.Fields(l)) > 1 { // a word longer than a column stays whole
			t.Errorf("line wider than %d: %q", tableWidth, l)
		}
	}
}
