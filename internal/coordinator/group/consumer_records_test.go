package group

import (
	"bytes"
	"testing"

	"github.com/spoolhq/spool/internal/coordinator/assignor"
)

// The consumer group records are encoded by hand here from Kafka's
// schemas (docs/format/consumer-offsets.md), not with this package's
// encoder, and must match it byte for byte and decode back.
func TestConsumerRecordLayouts(t *testing.T) {
	id := assignor.TopicID{0: 0x10, 15: 7}
	m := &consumerMember{
		id: "m1", instanceID: ptr("i1"), clientID: "c", clientHost: "/h",
		topics: []string{"a", "b"}, regex: "x.*", rebalanceTimeoutMs: 30000, serverAssignor: ptr("range"),
		epoch: 5, previousEpoch: 4, state: memberUnrevokedPartitions,
		assigned: assignor.Assignment{id: {0, 2}}, revoking: assignor.Assignment{id: {1}},
	}
	tps := func(e *enc, ps ...int32) *enc {
		e.uvarint(2).b = append(e.b, id[:]...)
		e.uvarint(uint64(len(ps)) + 1)
		for _, p := range ps {
			e.i32(p)
		}
		return e.uvarint(0)
	}
	recs := map[string][2][]byte{}
	r := groupEpochRecord("g", 9, 42)
	recs["metadata"] = [2][]byte{r.Key, r.Value}
	r = memberRecord("g", m)
	recs["member"] = [2][]byte{r.Key, r.Value}
	r = targetEpochRecord("g", 9)
	recs["target epoch"] = [2][]byte{r.Key, r.Value}
	r = targetMemberRecord("g", "m1", m.assigned)
	recs["target member"] = [2][]byte{r.Key, r.Value}
	r = currentRecord("g", m)
	recs["current"] = [2][]byte{r.Key, r.Value}
	r = regexRecord("g", "x.*", resolvedRegex{topics: []string{"xa"}, version: 3, timestamp: 1000})
	recs["regex"] = [2][]byte{r.Key, r.Value}

	current := (&enc{}).i16(0).i32(5).i32(4)
	current.b = append(current.b, byte(memberUnrevokedPartitions))
	tps(current, 0, 2)
	tps(current, 1)
	current.uvarint(0)
	wantValues := map[string][]byte{
		"metadata": (&enc{}).i16(0).i32(9).uvarint(1).uvarint(0).uvarint(8).i64(42).b,
		"member": (&enc{}).i16(0).compactStr("i1").uvarint(0).compactStr("c").compactStr("/h").
			uvarint(3).compactStr("a").compactStr("b").compactStr("x.*").i32(30000).compactStr("range").uvarint(0).b,
		"target epoch":  (&enc{}).i16(0).i32(9).uvarint(0).b,
		"target member": tps((&enc{}).i16(0), 0, 2).uvarint(0).b,
		"current":       current.b,
		"regex":         (&enc{}).i16(0).uvarint(2).compactStr("xa").i64(3).i64(1000).uvarint(0).b,
	}
	wantKeys := map[string][]byte{
		"metadata":      (&enc{}).i16(3).str("g").b,
		"member":        (&enc{}).i16(5).str("g").str("m1").b,
		"target epoch":  (&enc{}).i16(6).str("g").b,
		"target member": (&enc{}).i16(7).str("g").str("m1").b,
		"current":       (&enc{}).i16(8).str("g").str("m1").b,
		"regex":         (&enc{}).i16(16).str("g").str("x.*").b,
	}
	for name, kv := range recs {
		if !bytes.Equal(kv[0], wantKeys[name]) {
			t.Errorf("%s key:\n got %x\nwant %x", name, kv[0], wantKeys[name])
		}
		if !bytes.Equal(kv[1], wantValues[name]) {
			t.Errorf("%s value:\n got %x\nwant %x", name, kv[1], wantValues[name])
		}
	}

	// And they decode back.
	s := NewShard(DefaultConfig(), 0)
	for i, name := range []string{"metadata", "member", "target epoch", "target member", "current", "regex"} {
		if err := s.Replay(int64(i), recs[name][0], recs[name][1]); err != nil {
			t.Fatalf("replay %s: %v", name, err)
		}
	}
	g := s.groups["g"].(*consumerGroup)
	got := g.members["m1"]
	if g.epoch != 9 || g.metadataHash != 42 || g.targetEpoch != 9 || !g.target["m1"].Equal(m.assigned) ||
		!got.sameSubscription(m) || !got.sameAssignment(m) || len(g.regexes["x.*"].topics) != 1 {
		t.Fatalf("replayed group %+v, member %+v", g, got)
	}
	if g.ownerEpoch(id, 1) != 5 || g.ownerEpoch(id, 0) != 5 || g.ownerEpoch(id, 3) != -1 {
		t.Fatalf("partition owners %v", g.owners)
	}
}

// A classic member's subscription record carries ClassicMemberMetadata in
// tagged field 0: a nullable struct, so a presence byte, then the session
// timeout and the protocols (name, metadata bytes, tags each), then the
// struct's tags.
func TestClassicMemberMetadataLayout(t *testing.T) {
	m := &consumerMember{
		id: "m1", clientID: "c", clientHost: "/h", topics: []string{"a"}, rebalanceTimeoutMs: 30000,
		classic: &classicMetadata{sessionTimeoutMs: 10000, protocols: []protocol{
			{name: "range", metadata: []byte{0, 1}}, {name: "cooperative-sticky", metadata: []byte{}},
		}},
	}
	body := (&enc{}).i8(1).i32(10000).uvarint(3).
		compactStr("range").uvarint(3).raw(0, 1).uvarint(0).
		compactStr("cooperative-sticky").uvarint(1).uvarint(0).
		uvarint(0).b
	want := (&enc{}).i16(0).uvarint(0).uvarint(0).compactStr("c").compactStr("/h").
		uvarint(2).compactStr("a").compactStr("").i32(30000).uvarint(0).
		uvarint(1).uvarint(0).uvarint(uint64(len(body))).raw(body...).b
	r := memberRecord("g", m)
	if !bytes.Equal(r.Value, want) {
		t.Fatalf("value:\n got %x\nwant %x", r.Value, want)
	}
	got, err := decodeMember(r.Value, newConsumerMember("m1"))
	if err != nil || !got.sameSubscription(m) {
		t.Fatalf("decoded %+v, %v", got, err)
	}
	// A null ClassicMemberMetadata (presence byte -1) is a consumer member.
	null := (&enc{}).i16(0).uvarint(0).uvarint(0).compactStr("c").compactStr("/h").
		uvarint(2).compactStr("a").compactStr("").i32(30000).uvarint(0).
		uvarint(1).uvarint(0).uvarint(1).i8(-1).b
	if got, err := decodeMember(null, newConsumerMember("m1")); err != nil || got.classic != nil {
		t.Fatalf("null metadata decoded to %+v, %v", got, err)
	}
}
