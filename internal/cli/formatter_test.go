package cli

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func formatRecord(t *testing.T, p props, r *kgo.Record) string {
	t.Helper()
	var b bytes.Buffer
	if err := newMessageFormatter(p, io.Discard).write(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMessageFormatterFieldsAndSeparators(t *testing.T) {
	rec := &kgo.Record{
		Topic: "t", Partition: 2, Offset: 9, LeaderEpoch: 4, Key: []byte("k"), Value: []byte("v"),
		Timestamp: time.UnixMilli(1700000000000),
		Headers:   []kgo.RecordHeader{{Key: "a", Value: []byte("1")}, {Key: "b"}},
	}
	cases := []struct {
		p    props
		want string
	}{
		{props{}, "v\n"},
		{props{"print.key": "true"}, "k\tv\n"},
		{props{"print.key": "true", "print.value": "false"}, "k\n"},
		{props{"print.value": "false", "print.offset": "true"}, "Offset:9\n"},
		{props{"print.timestamp": "true", "print.partition": "true", "print.offset": "true", "print.epoch": "true", "print.delivery": "true", "print.headers": "true", "print.key": "true"},
			"CreateTime:1700000000000\tPartition:2\tOffset:9\tDelivery:NOT_PRESENT\tEpoch:4\ta:1,b:null\tk\tv\n"},
		{props{"print.key": " TRUE ", "key.separator": " => ", "line.separator": ";"}, "k => v;"},
		{props{"print.headers": "true", "headers.separator": "|", "null.literal": "<nil>"}, "a:1|b:<nil>\tv\n"},
		{props{"print.key": "yes"}, "v\n"}, // only "true" is true
	}
	for _, c := range cases {
		if got := formatRecord(t, c.p, rec); got != c.want {
			t.Errorf("%v: %q, want %q", c.p, got, c.want)
		}
	}
	noHeaders := &kgo.Record{Value: nil, Headers: nil, LeaderEpoch: -1}
	if got := formatRecord(t, props{"print.headers": "true", "print.epoch": "true"}, noHeaders); got != "Epoch:NOT_PRESENT\tNO_HEADERS\tnull\n" {
		t.Errorf("empty record: %q", got)
	}
}

func TestDeserializers(t *testing.T) {
	long := binary.BigEndian.AppendUint64(nil, uint64(1<<40))
	double := binary.BigEndian.AppendUint64(nil, math.Float64bits(1e10))
	cases := []struct {
		class string
		in    []byte
		want  string
	}{
		{"org.apache.kafka.common.serialization.StringDeserializer", []byte("héllo"), "héllo"},
		{"org.apache.kafka.common.serialization.LongDeserializer", long, "1099511627776"},
		{"org.apache.kafka.common.serialization.IntegerDeserializer", []byte{0xff, 0xff, 0xff, 0xfe}, "-2"},
		{"org.apache.kafka.common.serialization.ShortDeserializer", []byte{0, 7}, "7"},
		{"org.apache.kafka.common.serialization.DoubleDeserializer", double, "1.0E10"},
		{"org.apache.kafka.common.serialization.BytesDeserializer", []byte("a\x00\\"), `a\x00\x5C`},
	}
	for _, c := range cases {
		got := formatRecord(t, props{"value.deserializer": c.class}, &kgo.Record{Value: c.in})
		if got != c.want+"\n" {
			t.Errorf("%s(%x) = %q, want %q", c.class, c.in, got, c.want)
		}
	}
	var b bytes.Buffer
	f := newMessageFormatter(props{"value.deserializer": "org.apache.kafka.common.serialization.LongDeserializer"}, io.Discard)
	if err := f.write(&b, &kgo.Record{Value: []byte("short")}); err == nil || !strings.Contains(err.Error(), "Size of data received by LongDeserializer is not 8") {
		t.Fatalf("short long: %v", err)
	}
	var warn bytes.Buffer
	newMessageFormatter(props{"key.deserializer": "com.example.Custom"}, &warn)
	if !strings.Contains(warn.String(), "Unable to instantiate a deserializer from com.example.Custom") {
		t.Fatalf("unknown deserializer: %q", warn.String())
	}
}

func TestJavaDouble(t *testing.T) {
	cases := map[float64]string{0: "0.0", 1: "1.0", 1024: "1024.0", 0.5: "0.5", 1e7: "1.0E7", 1.5e-4: "1.5E-4", 123456.25: "123456.25"}
	for v, want := range cases {
		if got := javaDouble(v, 64); got != want {
			t.Errorf("javaDouble(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestConsoleConsumerSkipsBadMessages(t *testing.T) {
	bs := newCluster(t, seed(1, "nums"))
	mustRun(t, "12345678\nshort\n", "console-producer", "--bootstrap-server", bs, "--topic", "nums")
	args := []string{"console-consumer", "--bootstrap-server", bs, "--topic", "nums", "--from-beginning", "--max-messages", "2",
		"--value-deserializer", "org.apache.kafka.common.serialization.LongDeserializer"}
	// Kafka counts the message it failed on, then reports the error.
	r := run(t, "", args...)
	if r.code != 1 || !strings.Contains(r.stderr, "Size of data received by LongDeserializer is not 8") || !strings.Contains(r.stderr, "Processed a total of 2 messages") {
		t.Fatalf("without skip: %+v", r)
	}
	r = mustRun(t, "", append(args, "--skip-message-on-error")...)
	if r.stdout != "3544952156018063160\n" || !strings.Contains(r.stderr, "Error processing message, skipping this message") || !strings.HasSuffix(r.stderr, "Processed a total of 2 messages\n") {
		t.Fatalf("with skip: %+v", r)
	}
}
