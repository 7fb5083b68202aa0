package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestConfigsTopicAlterDescribe(t *testing.T) {
	bs := newCluster(t, seed(1, "cfg"))
	r := mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "topics", "--entity-name", "cfg",
		"--alter", "--add-config", "retention.ms=172800000,cleanup.policy=[compact,delete]")
	if r.stdout != "Completed updating config for topic cfg.\n" {
		t.Fatalf("alter output %q", r.stdout)
	}
	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--topic", "cfg", "--describe")
	// Synonyms are compared apart: Kafka lists only the topic override here
	// (the broker synonyms of retention.ms start at log.retention.ms, which
	// is unset), Spool also lists DEFAULT_CONFIG:log.retention.hours=168.
	want := "Dynamic configs for topic cfg are:\n" +
		"  cleanup.policy=compact,delete sensitive=false synonyms={}\n" +
		"  retention.ms=172800000 sensitive=false synonyms={}\n"
	if got := withoutSynonyms(r.stdout); got != want {
		t.Fatalf("describe:\n%s\nwant:\n%s", r.stdout, want)
	}
	if !strings.Contains(r.stdout, "  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n") {
		t.Fatalf("cleanup.policy synonyms:\n%s", r.stdout)
	}

	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--topic", "cfg", "--alter", "--delete-config", "retention.ms")
	if r.stdout != "Completed updating config for topic cfg.\n" {
		t.Fatalf("delete output %q", r.stdout)
	}
	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--topic", "cfg", "--describe")
	if strings.Contains(r.stdout, "retention.ms=") {
		t.Fatalf("retention.ms still set:\n%s", r.stdout)
	}
	r = run(t, "", "configs", "--bootstrap-server", bs, "--topic", "cfg", "--alter", "--delete-config", "retention.ms")
	if r.code != 1 || r.stderr != "Invalid config(s): retention.ms\n" {
		t.Fatalf("deleting an unset config: %+v", r)
	}

	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--topic", "cfg", "--describe", "--all")
	if !strings.HasPrefix(r.stdout, "All configs for topic cfg are:\n") || !strings.Contains(r.stdout, "  retention.ms=604800000 sensitive=false synonyms={") {
		t.Fatalf("describe --all:\n%s", r.stdout)
	}
}

// withoutSynonyms empties the synonyms of describe lines.
func withoutSynonyms(s string) string {
	return regexp.MustCompile(`synonyms=\{.*\}`).ReplaceAllString(s, "synonyms={}")
}

func TestConfigsAddConfigFileAndBrokers(t *testing.T) {
	bs := newCluster(t, seed(1, "cfg"))
	file := filepath.Join(t.TempDir(), "add.properties")
	if err := os.WriteFile(file, []byte("# comment\nmax.message.bytes = 2048\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "topics", "--entity-name", "cfg", "--alter", "--add-config-file", file)
	r := mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "topics", "--entity-name", "cfg", "--describe")
	if !strings.Contains(r.stdout, "  max.message.bytes=2048 sensitive=false") {
		t.Fatalf("describe:\n%s", r.stdout)
	}

	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.retention.ms=1000")
	if r.stdout != "Completed updating default config for brokers in the cluster.\n" {
		t.Fatalf("broker default alter: %q", r.stdout)
	}
	// Kafka shows the value under "Default configs for brokers in the
	// cluster", source DYNAMIC_DEFAULT_BROKER_CONFIG.
	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--entity-type", "brokers", "--describe")
	want := "Dynamic configs for broker 1 are:\nDefault configs for brokers in the cluster are:\n" +
		"  log.retention.ms=1000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=1000}\n"
	if r.stdout != want {
		t.Fatalf("broker describe:\n%s\nwant:\n%s", r.stdout, want)
	}
}

// Kafka's tool checks logger names against the broker's list before it
// alters anything.
func TestConfigsBrokerLoggers(t *testing.T) {
	bs := newCluster(t)
	r := mustRun(t, "", "configs", "--bootstrap-server", bs, "--describe", "--entity-type", "broker-loggers", "--entity-name", "1")
	if !strings.HasPrefix(r.stdout, "Dynamic configs for broker-logger 1 are:\n") || r.stderr != "" {
		t.Fatalf("describe: %+v", r)
	}
	r = run(t, "", "configs", "--bootstrap-server", bs, "--alter", "--entity-type", "broker-loggers", "--entity-name", "1", "--add-config", "no.such.logger=DEBUG")
	if r.code != 1 || r.stderr != "Invalid broker logger(s): no.such.logger\n" {
		t.Fatalf("alter of an unknown logger: %+v", r)
	}
}

// TestConfigsQuotas runs against kfake: Spool does not serve client quotas
// (DescribeClientQuotas, AlterClientQuotas) or SCRAM credentials
// (DescribeUserScramCredentials, AlterUserScramCredentials) yet.
func TestConfigsQuotas(t *testing.T) {
	bs := newKfakeCluster(t)
	r := mustRun(t, "", "configs", "--bootstrap-server", bs, "--alter", "--entity-type", "users", "--entity-name", "alice",
		"--entity-type", "clients", "--entity-name", "app", "--add-config", "producer_byte_rate=1024,consumer_byte_rate=2048")
	if r.stdout != "Completed updating config for user alice.\n" {
		t.Fatalf("quota alter: %q", r.stdout)
	}
	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--describe", "--entity-type", "users", "--entity-name", "alice", "--entity-type", "clients", "--entity-name", "app")
	if r.stdout != "Quota configs for user-principal 'alice', client-id 'app' are consumer_byte_rate=2048.0, producer_byte_rate=1024.0\n" {
		t.Fatalf("quota describe: %q", r.stdout)
	}
	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--alter", "--entity-type", "users", "--entity-name", "bob",
		"--add-config", "SCRAM-SHA-256=[iterations=8192,password=secret]")
	r = mustRun(t, "", "configs", "--bootstrap-server", bs, "--describe", "--entity-type", "users", "--entity-name", "bob")
	if r.stdout != "SCRAM credential configs for user-principal 'bob' are SCRAM-SHA-256=iterations=8192\n" {
		t.Fatalf("scram describe: %q", r.stdout)
	}
}

func TestConfigsUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--bootstrap-server", "x:1", "--topic", "t"}, "Command must include exactly one action: --describe, --alter"},
		{[]string{"--bootstrap-server", "x:1", "--describe"}, "At least one entity type must be specified"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--entity-type", "widgets"}, "Invalid entity type widgets, the entity type must be one of topics, clients, users, brokers, ips, broker-loggers, client-metrics, groups"},
		{[]string{"--describe", "--topic", "t"}, "One of the required --bootstrap-server or --bootstrap-controller arguments must be specified"},
		{[]string{"--bootstrap-server", "x:1", "--alter", "--topic", "t"}, "At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter"},
		{[]string{"--bootstrap-server", "x:1", "--alter", "--entity-type", "topics", "--add-config", "a=b"}, "An entity name must be specified with --alter of topics"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--entity-type", "brokers", "--entity-name", "one"}, "The entity name for brokers must be a valid integer broker id, but it is: one"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--entity-name", "x", "--topic", "t"}, "--entity-{type,name,default} should not be used in conjunction with specific entity flags"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--entity-type", "topics", "--topic", "t"}, "Duplicate entity type(s) specified: topics"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--entity-type", "brokers", "--topic", "t"}, "Only 'users' and 'clients' entity types may be specified together"},
		{[]string{"--bootstrap-server", "x:1", "--describe", "--topic", "t", "--add-config", "a=b"}, `Option "[describe]" can't be used with option "[add-config]"`},
		{[]string{"--zookeeper", "x:2181", "--describe", "--topic", "t"}, "Use --bootstrap-server"},
	}
	for _, c := range cases {
		r := run(t, "", append([]string{"configs"}, c.args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("configs %v: exit %d, stderr %q; want %q", c.args, r.code, r.stderr, c.want)
		}
	}
}

func TestSplitOutsideBrackets(t *testing.T) {
	got := splitOutsideBrackets("a=1,b=[x,y],c = 3", ',')
	if strings.Join(got, "|") != "a=1|b=[x,y]|c = 3" {
		t.Fatalf("pairs %q", got)
	}
	kv := splitOutsideBrackets("c = 3", '=')
	if len(kv) != 2 || kv[0] != "c" || kv[1] != "3" {
		t.Fatalf("kv %q", kv)
	}
}
