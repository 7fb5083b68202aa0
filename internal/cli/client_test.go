package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadProps(t *testing.T) {
	path := writeFile(t, "client.properties", "# a comment\n! another\nacks = all\nclient.id: tool\nlinger.ms 5\n"+
		"sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n    username=\"u\" password=\"p${x}\";\n")
	p, err := loadProps(path)
	if err != nil {
		t.Fatal(err)
	}
	want := props{"acks": "all", "client.id": "tool", "linger.ms": "5",
		"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p${x}";`}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q", k, p[k], v)
		}
	}
	if _, err := loadProps(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("missing file loaded")
	}
	kv := parseKeyValues([]string{"a=b=c", "d", "e="})
	if kv["a"] != "b=c" || kv["d"] != "" || kv["e"] != "" {
		t.Fatalf("parseKeyValues: %v", kv)
	}
}

func TestClientConfig(t *testing.T) {
	var warn bytes.Buffer
	_, err := newClientConfig(roleProducer, props{"bootstrap.servers": "x:1", "acks": "1", "linger.ms": "5", "compression.type": "zstd",
		"compression.zstd.level": "3", "key.serializer": "org.apache.kafka.common.serialization.StringSerializer", "frobnicate": "yes"}, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if warn.String() != "WARN The configuration 'frobnicate' was supplied but isn't a known config. (ProducerConfig)\n" {
		t.Fatalf("warnings: %q", warn.String())
	}
	// A consumer key means nothing to a producer.
	warn.Reset()
	if _, err := newClientConfig(roleProducer, props{"group.id": "g"}, &warn); err != nil || !strings.Contains(warn.String(), "'group.id'") {
		t.Fatalf("group.id on a producer: %v %q", err, warn.String())
	}

	bad := []struct {
		role clientRole
		p    props
		want string
	}{
		{roleProducer, props{"linger.ms": "soon"}, "Invalid value soon for configuration linger.ms: Not a number of type LONG"},
		{roleProducer, props{"compression.type": "brotli"}, "Invalid value brotli for configuration compression.type"},
		{roleProducer, props{"acks": "0", "enable.idempotence": "true"}, "Must set acks to all in order to use the idempotent producer."},
		{roleProducer, props{"max.in.flight.requests.per.connection": "6", "enable.idempotence": "true"}, "at most 5"},
		{roleConsumer, props{"isolation.level": "read_most"}, "Invalid value read_most for configuration isolation.level"},
		{roleConsumer, props{"auto.offset.reset": "smallest"}, "Invalid value smallest for configuration auto.offset.reset"},
		{roleConsumer, props{"partition.assignment.strategy": "com.example.MyAssignor"}, "com.example.MyAssignor is not supported"},
		{roleAdmin, props{"security.protocol": "SSL", "ssl.truststore.location": "/x.jks", "ssl.truststore.type": "JKS"}, "ssl.truststore.type JKS is not supported"},
		{roleAdmin, props{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "GSSAPI", "sasl.jaas.config": "x"}, "sasl.mechanism GSSAPI is not supported"},
		{roleAdmin, props{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN", "sasl.jaas.config": "nothing"}, `sasl.jaas.config must give username`},
	}
	for _, b := range bad {
		if _, err := newClientConfig(b.role, b.p, &warn); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%v: %v, want %q", b.p, err, b.want)
		}
	}
	c, err := newClientConfig(roleConsumer, props{"group.id": "g", "enable.auto.commit": "false", "max.poll.records": "7", "auto.offset.reset": "earliest"}, &warn)
	if err != nil || c.groupID != "g" || c.autoCommit || c.maxPollRecords != 7 || c.offsetReset != "earliest" {
		t.Fatalf("consumer config: %+v, %v", c, err)
	}
}

// TestCommandConfigSASL checks that a --command-config with Kafka's SASL
// keys reaches a broker that requires authentication. It runs against kfake:
// Spool does not serve SaslHandshake/SaslAuthenticate or SCRAM credentials yet.
func TestCommandConfigSASL(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", "alice", "secret"), kfake.SeedTopics(1, "guarded"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	bs := c.ListenAddrs()[0]
	conf := writeFile(t, "client.properties", "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\n"+
		`sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="secret";`+"\n")
	r := mustRun(t, "", "topics", "--bootstrap-server", bs, "--list", "--command-config", conf)
	if r.stdout != "guarded\n" {
		t.Fatalf("list over SASL: %q", r.stdout)
	}
	mustRun(t, "hello\n", "console-producer", "--bootstrap-server", bs, "--topic", "guarded", "--producer.config", conf)
	r = mustRun(t, "", "console-consumer", "--bootstrap-server", bs, "--topic", "guarded", "--from-beginning", "--max-messages", "1", "--consumer.config", conf)
	if r.stdout != "hello\n" {
		t.Fatalf("consume over SASL: %q", r.stdout)
	}

	// The same with SCRAM, for a user kafka-configs creates.
	mustRun(t, "", "configs", "--bootstrap-server", bs, "--command-config", conf, "--alter", "--entity-type", "users", "--entity-name", "bob",
		"--add-config", "SCRAM-SHA-512=[password=bob-secret]")
	scram := writeFile(t, "scram.properties", "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"+
		`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="bob-secret";`+"\n")
	r = mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "guarded", "--command-config", scram)
	if r.stdout != "guarded:0:1\n" {
		t.Fatalf("get-offsets over SCRAM: %q", r.stdout)
	}
	bad := writeFile(t, "bad.properties", "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"+
		`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="bob" password="wrong";`+"\n")
	if r = run(t, "", "topics", "--bootstrap-server", bs, "--list", "--command-config", bad); r.code != 1 {
		t.Fatalf("wrong password accepted: %+v", r)
	}
}
