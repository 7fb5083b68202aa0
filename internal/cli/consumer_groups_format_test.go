package cli

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// printRun is a groupsRun that only prints, for states and member shapes a
// broker is hard to put in on demand.
func printRun(verbose bool) (*groupsRun, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &groupsRun{o: &consumerGroupsOptions{verbose: verbose}, t: &toolEnv{stdout: &out, stderr: &errOut}}, &out, &errOut
}

func TestConsumerGroupsPrintStates(t *testing.T) {
	rows := []offsetRow{{topic: "t", partition: "0", epoch: "-", offset: "1", end: "2", lag: "1", consumer: "m", host: "/10.0.0.1", client: "c"}}
	offsets := "\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n" +
		"g               t               0          1               2               1               m               /10.0.0.1       c\n"
	for _, c := range []struct {
		state, stdout, stderr string
	}{
		{"Stable", offsets, ""},
		{"PreparingRebalance", offsets, "\nWarning: Consumer group 'g' is rebalancing.\n"},
		{"CompletingRebalance", offsets, "\nWarning: Consumer group 'g' is rebalancing.\n"},
		{"Assigning", offsets, "\nWarning: Consumer group 'g' is rebalancing.\n"},
		{"Reconciling", offsets, "\nWarning: Consumer group 'g' is rebalancing.\n"},
		{"Empty", offsets, "\nConsumer group 'g' has no active members.\n"},
		{"Dead", "\nError: Consumer group 'g' does not exist.\n", ""},
	} {
		r, out, errOut := printRun(false)
		if err := r.printOffsets(&groupDescription{name: "g", state: c.state}, rows); err != nil || out.String() != c.stdout || errOut.String() != c.stderr {
			t.Errorf("%s: %v\nstdout:\n%s\nstderr: %q", c.state, err, out, errOut)
		}
	}

	// Kafka prints the members header even for a dead group.
	r, out, _ := printRun(false)
	if err := r.printMembers(&groupDescription{name: "g", state: "Dead"}); err != nil ||
		out.String() != "\nError: Consumer group 'g' does not exist.\n\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n" {
		t.Errorf("dead members: %v %q", err, out)
	}
	// A state Kafka does not expect of a consumer group fails the command.
	r, _, _ = printRun(false)
	err := r.printState(&groupDescription{name: "g", state: "NotReady"})
	var f *groupsFailure
	if !errors.As(err, &f) || f.msg != "Expected a valid consumer group state, but found 'NotReady'." {
		t.Errorf("unexpected state: %v", err)
	}
}

// TestConsumerGroupsPrintMembers: static members add GROUP-INSTANCE-ID; a
// KIP-848 group with classic members still joining (a migration) adds
// UPGRADED to the verbose view.
func TestConsumerGroupsPrintMembers(t *testing.T) {
	g := &groupDescription{name: "g", state: "Stable", coordinator: kgo.BrokerMetadata{NodeID: 1, Host: "h", Port: 9092},
		assignor: "uniform", groupEpoch: 7, targetEpoch: 7, members: []groupMember{
			{id: "member-one", instanceID: "instance-one", host: "/10.0.0.1", clientID: "c1", epoch: 7, memberType: 1,
				assigned: []topicPartition{{"b", 1}, {"a", 0}, {"b", 0}}, target: []topicPartition{{"b", 1}, {"a", 0}, {"b", 0}}},
			{id: "member-two", host: "/10.0.0.2", clientID: "c2", epoch: 6, memberType: 0,
				target: []topicPartition{{"c", 0}}},
		}}
	r, out, _ := printRun(true)
	if err := r.printMembers(g); err != nil {
		t.Fatal(err)
	}
	want := "\n" +
		"GROUP           CONSUMER-ID     GROUP-INSTANCE-ID HOST            CLIENT-ID       #PARTITIONS     CURRENT-EPOCH   CURRENT-ASSIGNMENT   TARGET-EPOCH    TARGET-ASSIGNMENT    UPGRADED\n" +
		"g               member-one      instance-one      /10.0.0.1       c1              3               7               a:0;b:0,1            7               a:0;b:0,1            true\n" +
		"g               member-two                        /10.0.0.2       c2              0               6               -                    7               c:0                  false\n"
	if out.String() != want {
		t.Errorf("members:\n%s\nwant:\n%s", out, want)
	}

	r, out, _ = printRun(false)
	if err := r.printState(g); err != nil {
		t.Fatal(err)
	}
	want = "\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n" +
		"g               h:9092  (1)               uniform              Stable               2\n"
	if out.String() != want {
		t.Errorf("state:\n%s\nwant:\n%s", out, want)
	}
}

func TestParseKafkaDateTime(t *testing.T) {
	ms := func(s string) int64 {
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts.UnixMilli()
	}
	for in, want := range map[string]int64{
		"2024-01-01T00:00:00.000":       ms("2024-01-01T00:00:00Z"),
		"2024-01-01T00:00:00.000Z":      ms("2024-01-01T00:00:00Z"),
		"2024-06-30T23:59:59.999+02:00": ms("2024-06-30T21:59:59.999Z"),
		"2024-06-30T23:59:59.999-0130":  ms("2024-07-01T01:29:59.999Z"),
		"2024-06-30T12:00:00.5+05":      ms("2024-06-30T07:00:00.005Z"),
		"2024-2-3T4:05:06.007":          ms("2024-02-03T04:05:06.007Z"),
	} {
		if got, err := parseKafkaDateTime(in); err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"2024-01-01":               "Error parsing timestamp. It does not contain a 'T' according to ISO8601 format",
		"2024-01-01T":              "Error parsing timestamp. It does not contain a 'T' according to ISO8601 format",
		"2024-01-01T00:00:00":      `Unparseable date: "2024-01-01T00:00:00Z"`,
		"2024-01-01T24:00:00.000":  `Unparseable date: "2024-01-01T24:00:00.000Z"`,
		"2023-02-29T00:00:00.000":  `Unparseable date: "2023-02-29T00:00:00.000Z"`,
		"2024-01-01T00:00:00.0000": `Unparseable date: "2024-01-01T00:00:00.0000Z"`,
		"yesterdayT00:00:00.000":   `Unparseable date: "yesterdayT00:00:00.000Z"`,
	} {
		if _, err := parseKafkaDateTime(in); err == nil || err.Error() != want {
			t.Errorf("%s: %v; want %s", in, err, want)
		}
	}
}

func TestParseISODuration(t *testing.T) {
	for in, want := range map[string]int64{
		"P1D":      86_400_000,
		"PT1H30M":  5_400_000,
		"pt15m":    900_000,
		"PT0.5S":   500,
		"PT1,25S":  1_250,
		"PT-0.5S":  -500,
		"P2DT3H4M": 2*86_400_000 + 3*3_600_000 + 4*60_000,
		"-PT6H3M":  -(6*3_600_000 + 3*60_000),
		"PT-6H3M":  -6*3_600_000 + 3*60_000,
		"+PT1S":    1_000,
	} {
		if got, err := parseISODuration(in); err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "P", "PT", "P1DT", "1H", "PT1.5H", "P1H", "PT1H1D", "PT1S2"} {
		if _, err := parseISODuration(in); err == nil || err.Error() != "Text cannot be parsed to a Duration" {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestResetPlanCSV(t *testing.T) {
	plan := resetPlan{
		"group,with\"quotes": {{"t", 0}: 5, {"t", 1}: 7},
		"plain":              {{"u", 3}: 0},
	}
	csv := exportPlan(plan, false)
	if csv != "\"group,with\"\"quotes\",t,0,5\n\"group,with\"\"quotes\",t,1,7\nplain,u,3,0\n" {
		t.Fatalf("export: %q", csv)
	}
	path := t.TempDir() + "/plan.csv"
	if err := writePlan(path, csv+"\n"); err != nil {
		t.Fatal(err)
	}
	read, err := readResetPlan(path, []string{"plain"})
	if err != nil || len(read) != 2 || read["group,with\"quotes"][topicPartition{"t", 1}] != 7 || read["plain"][topicPartition{"u", 3}] != 0 {
		t.Fatalf("read back: %v %v", read, err)
	}
	// One group and three columns: the group-less form, Windows line ends too.
	if err := writePlan(path, "t,0,5\r\nt,1,6\r\n"); err != nil {
		t.Fatal(err)
	}
	read, err = readResetPlan(path, []string{"g"})
	if err != nil || len(read) != 1 || read["g"][topicPartition{"t", 1}] != 6 {
		t.Fatalf("group-less: %v %v", read, err)
	}
	// ... which needs exactly one group.
	if _, err = readResetPlan(path, []string{"g", "h"}); err == nil || !strings.Contains(err.Error(), "is not group,topic,partition,offset") {
		t.Fatalf("group-less with two groups: %v", err)
	}
}

func writePlan(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
