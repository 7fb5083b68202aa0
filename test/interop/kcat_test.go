//go:build interop

package interop

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestKcat(t *testing.T) {
	t.Run("Metadata", testKcatMetadata)
	t.Run("KeyedRoundTrip", testKcatKeyedRoundTrip)
	t.Run("Headers", testKcatHeaders)
	t.Run("OffsetAndPartition", testKcatOffsetAndPartition)
	t.Run("Balanced", testKcatBalanced)
	t.Run("MemberDies", testKcatMemberDies)
}

// kcatMetadata is the part of `kcat -L -J` output the test reads.
type kcatMetadata struct {
	Brokers []struct {
		ID   int32  `json:"id"`
		Name string `json:"name"`
	} `json:"brokers"`
	Topics []struct {
		Topic      string `json:"topic"`
		Error      string `json:"error"`
		Partitions []struct {
			Partition int32  `json:"partition"`
			Leader    int32  `json:"leader"`
			Error     string `json:"error"`
			Replicas  []struct {
				ID int32 `json:"id"`
			} `json:"replicas"`
			ISRs []struct {
				ID int32 `json:"id"`
			} `json:"isrs"`
		} `json:"partitions"`
	} `json:"topics"`
}

// testKcatMetadata: `kcat -L` lists the broker at its advertised address and a
// topic's partitions, each led by that broker with itself as the only replica
// and in-sync replica.
func testKcatMetadata(t *testing.T) {
	topic := createTopic(t, 2, nil)
	var md kcatMetadata
	out := kcat(t, "", "-L", "-J", "-t", topic)
	if err := json.Unmarshal([]byte(out), &md); err != nil {
		t.Fatalf("kcat -L -J output: %v\n%s", err, out)
	}
	ids := map[int32]string{}
	for _, b := range md.Brokers {
		ids[b.ID] = b.Name
	}
	if !slices.Contains(mapValues(ids), bootstrap) {
		t.Errorf("brokers %v: none at %s", ids, bootstrap)
	}
	if len(md.Topics) != 1 || md.Topics[0].Topic != topic || md.Topics[0].Error != "" {
		t.Fatalf("topics: got %+v, want %s alone without error", md.Topics, topic)
	}
	parts := md.Topics[0].Partitions
	if len(parts) != 2 {
		t.Fatalf("got %d partitions, want 2", len(parts))
	}
	for i, p := range parts {
		if p.Partition != int32(i) || p.Error != "" {
			t.Errorf("partition entry %d: id %d, error %q", i, p.Partition, p.Error)
		}
		if _, ok := ids[p.Leader]; !ok {
			t.Errorf("partition %d: leader %d is not a listed broker", p.Partition, p.Leader)
		}
		if len(p.Replicas) != 1 || p.Replicas[0].ID != p.Leader || len(p.ISRs) != 1 || p.ISRs[0].ID != p.Leader {
			t.Errorf("partition %d: replicas %v, isr %v, want only the leader %d", p.Partition, p.Replicas, p.ISRs, p.Leader)
		}
	}
}

func mapValues(m map[int32]string) []string {
	var vs []string
	for _, v := range m {
		vs = append(vs, v)
	}
	return vs
}

// testKcatKeyedRoundTrip produces keyed lines with `kcat -P -K:` to three
// partitions and reads them all back: every record exactly once, a key always
// in the same partition, each partition in produce order from offset 0, and
// an empty value sent with -Z read back as null.
func testKcatKeyedRoundTrip(t *testing.T) {
	topic := createTopic(t, 3, nil)
	type rec struct{ key, value string }
	var sent []rec
	for i := range 60 {
		sent = append(sent, rec{fmt.Sprintf("user-%d", i%9), fmt.Sprintf(`{"n": %d, "text": "hello spool ü"}`, i)})
	}
	sent = append(sent, rec{"user-3", ""}) // a tombstone with -Z
	var in strings.Builder
	for _, r := range sent {
		fmt.Fprintf(&in, "%s:%s\n", r.key, r.value)
	}
	kcat(t, in.String(), "-P", "-t", topic, "-K:", "-Z")

	// %S is the value's length, -1 for null.
	out := kcat(t, "", "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%p %o %k=%s %S\n")
	got := map[string][]string{} // partition → "offset key=value length" lines
	keyPartition := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		fields := strings.SplitN(line, " ", 3) // partition, offset, key=value length
		key, _, found := strings.Cut(fields[len(fields)-1], "=")
		if len(fields) < 3 || !found {
			t.Fatalf("unexpected kcat output line %q in\n%s", line, out)
		}
		partition := fields[0]
		got[partition] = append(got[partition], fields[1]+" "+fields[2])
		if p, ok := keyPartition[key]; ok && p != partition {
			t.Errorf("key %s in partitions %s and %s", key, p, partition)
		}
		keyPartition[key] = partition
	}
	want := map[string][]string{}
	for _, r := range sent {
		p := keyPartition[r.key]
		length := fmt.Sprint(len(r.value))
		if r.value == "" {
			length = "-1"
		}
		want[p] = append(want[p], fmt.Sprintf("%d %s=%s %s", len(want[p]), r.key, r.value, length))
	}
	for p := range want {
		if !slices.Equal(got[p], want[p]) {
			t.Errorf("partition %s:\ngot  %q\nwant %q", p, got[p], want[p])
		}
	}
	if len(got) != len(want) {
		t.Errorf("records in partitions %v, want only %v", mapKeys(got), mapKeys(want))
	}
}

func mapKeys(m map[string][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// testKcatHeaders: headers given with -H come back with every record (%h).
func testKcatHeaders(t *testing.T) {
	topic := createTopic(t, 1, nil)
	kcat(t, "order-1:created\norder-1:paid\norder-2:created\n",
		"-P", "-t", topic, "-p", "0", "-K:", "-H", "trace=abc-123", "-H", "source=kcat")
	out := kcat(t, "", "-C", "-t", topic, "-p", "0", "-o", "beginning", "-e", "-f", "%o|%k|%h|%s\n")
	want := "0|order-1|trace=abc-123,source=kcat|created\n" +
		"1|order-1|trace=abc-123,source=kcat|paid\n" +
		"2|order-2|trace=abc-123,source=kcat|created\n"
	if out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

// testKcatOffsetAndPartition reads one partition from an absolute offset and
// from an offset relative to its end, and leaves the other partition's
// records out.
func testKcatOffsetAndPartition(t *testing.T) {
	topic := createTopic(t, 2, nil)
	var in strings.Builder
	for i := range 10 {
		fmt.Fprintf(&in, "p1-record-%d\n", i)
	}
	kcat(t, in.String(), "-P", "-t", topic, "-p", "1")
	kcat(t, "p0-a\np0-b\np0-c\n", "-P", "-t", topic, "-p", "0")

	lines := func(first, last int) string {
		var b strings.Builder
		for i := first; i <= last; i++ {
			fmt.Fprintf(&b, "1:%d:p1-record-%d\n", i, i)
		}
		return b.String()
	}
	for _, tc := range []struct{ offset, want string }{
		{"6", lines(6, 9)},         // absolute
		{"-3", lines(7, 9)},        // three before the end
		{"beginning", lines(0, 9)}, // earliest
		{"end", ""},                // nothing new
	} {
		out := kcat(t, "", "-C", "-t", topic, "-p", "1", "-o", tc.offset, "-e", "-f", "%p:%o:%s\n")
		if out != tc.want {
			t.Errorf("-p 1 -o %s: got\n%s\nwant\n%s", tc.offset, out, tc.want)
		}
	}
	out := kcat(t, "", "-C", "-t", topic, "-p", "0", "-o", "1", "-e", "-f", "%p:%o:%s\n")
	if want := "0:1:p0-b\n0:2:p0-c\n"; out != want {
		t.Errorf("-p 0 -o 1: got\n%s\nwant\n%s", out, want)
	}
}
