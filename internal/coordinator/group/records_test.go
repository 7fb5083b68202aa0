package group

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// enc writes Kafka's primitive types by hand, so that the record layouts
// are checked against the schemas (docs/format/consumer-offsets.md), not
// against kmsg itself.
type enc struct{ b []byte }

func (e *enc) i16(v int16) *enc { e.b = binary.BigEndian.AppendUint16(e.b, uint16(v)); return e }
func (e *enc) i32(v int32) *enc { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)); return e }
func (e *enc) i64(v int64) *enc { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)); return e }
func (e *enc) str(s string) *enc {
	e.i16(int16(len(s)))
	e.b = append(e.b, s...)
	return e
}
func (e *enc) null() *enc { return e.i16(-1) }
func (e *enc) bytes(b []byte) *enc {
	e.i32(int32(len(b)))
	e.b = append(e.b, b...)
	return e
}
func (e *enc) uvarint(v uint64) *enc { e.b = binary.AppendUvarint(e.b, v); return e }
func (e *enc) i8(v int8) *enc        { e.b = append(e.b, byte(v)); return e }
func (e *enc) raw(b ...byte) *enc    { e.b = append(e.b, b...); return e }
func (e *enc) compactStr(s string) *enc {
	e.uvarint(uint64(len(s)) + 1)
	e.b = append(e.b, s...)
	return e
}
func (e *enc) compactBytes(b []byte) *enc {
	e.uvarint(uint64(len(b)) + 1)
	e.b = append(e.b, b...)
	return e
}

func TestOffsetCommitRecordLayout(t *testing.T) {
	rec := offsetCommitRecord("grp", "tp", 7, offsetEntry{
		offset: 42, leaderEpoch: 3, metadata: "md", commitTime: 1000, expireTime: -1,
	})
	wantKey := (&enc{}).i16(1).str("grp").str("tp").i32(7).b
	wantValue := (&enc{}).i16(3).i64(42).i32(3).str("md").i64(1000).b
	if !bytes.Equal(rec.Key, wantKey) || !bytes.Equal(rec.Value, wantValue) {
		t.Fatalf("offset commit record:\n key %x, want %x\n value %x, want %x", rec.Key, wantKey, rec.Value, wantValue)
	}

	// With an expire timestamp Kafka writes version 1, which has no
	// leader epoch.
	rec = offsetCommitRecord("grp", "tp", 7, offsetEntry{
		offset: 42, leaderEpoch: 3, metadata: "md", commitTime: 1000, expireTime: 5000,
	})
	wantValue = (&enc{}).i16(1).i64(42).str("md").i64(1000).i64(5000).b
	if !bytes.Equal(rec.Value, wantValue) {
		t.Fatalf("offset commit record with expiry: value %x, want %x", rec.Value, wantValue)
	}

	if tomb := offsetTombstone("grp", "tp", 7); !bytes.Equal(tomb.Key, wantKey) || tomb.Value != nil {
		t.Fatalf("tombstone: key %x value %x", tomb.Key, tomb.Value)
	}
}

func TestGroupMetadataRecordLayout(t *testing.T) {
	g := newClassicGroup("grp", stateCompletingRebalance, 1234)
	g.generation, g.protocolType, g.protocol = 5, "consumer", "range"
	g.add(&classicMember{
		id: "m1", instanceID: ptr("i1"), clientID: "c1", clientHost: "/h1",
		rebalanceTimeoutMs: 30000, sessionTimeoutMs: 10000, protocolType: "consumer",
		protocols: []protocol{{name: "range", metadata: []byte{1, 2}}},
	}, nil)
	g.add(&classicMember{
		id: "m2", clientID: "c2", clientHost: "/h2",
		rebalanceTimeoutMs: 40000, sessionTimeoutMs: 20000, protocolType: "consumer",
		protocols: []protocol{{name: "rr", metadata: []byte{9}}, {name: "range", metadata: []byte{3}}},
	}, nil)
	rec := groupMetadataRecord(g.id, g.metadataValue(map[string][]byte{"m1": {0xa}, "m2": {}}))

	wantKey := (&enc{}).i16(2).str("grp").b
	want := (&enc{}).i16(3).str("consumer").i32(5).str("range").str("m1").i64(1234).i32(2)
	want.str("m1").str("i1").str("c1").str("/h1").i32(30000).i32(10000).bytes([]byte{1, 2}).bytes([]byte{0xa})
	want.str("m2").null().str("c2").str("/h2").i32(40000).i32(20000).bytes([]byte{3}).bytes(nil)
	if !bytes.Equal(rec.Key, wantKey) || !bytes.Equal(rec.Value, want.b) {
		t.Fatalf("group metadata record:\n key %x, want %x\n value %x\n want  %x", rec.Key, wantKey, rec.Value, want.b)
	}

	// A new group's record: generation 0, no protocol, no leader.
	empty := groupMetadataRecord("grp", newClassicGroup("grp", stateEmpty, 99).emptyValue())
	want = (&enc{}).i16(3).str("").i32(0).null().null().i64(99).i32(0)
	if !bytes.Equal(empty.Value, want.b) {
		t.Fatalf("empty group record: %x, want %x", empty.Value, want.b)
	}
	if tomb := groupTombstone("grp"); !bytes.Equal(tomb.Key, wantKey) || tomb.Value != nil {
		t.Fatalf("tombstone: key %x value %x", tomb.Key, tomb.Value)
	}
}

func ptr(s string) *string { return &s }

// Every OffsetCommitValue version Kafka has written replays, with Kafka's
// defaults for what a version lacks.
func TestReplayOffsetCommitVersions(t *testing.T) {
	key := (&enc{}).i16(0).str("g").str("t").i32(1).b // key version 0 is the same layout
	tests := []struct {
		name  string
		value []byte
		want  offsetEntry
	}{
		{"v0", (&enc{}).i16(0).i64(10).str("a").i64(100).b,
			offsetEntry{offset: 10, leaderEpoch: -1, metadata: "a", commitTime: 100, expireTime: -1}},
		{"v1", (&enc{}).i16(1).i64(11).str("b").i64(100).i64(900).b,
			offsetEntry{offset: 11, leaderEpoch: -1, metadata: "b", commitTime: 100, expireTime: 900}},
		{"v2", (&enc{}).i16(2).i64(12).str("c").i64(100).b,
			offsetEntry{offset: 12, leaderEpoch: -1, metadata: "c", commitTime: 100, expireTime: -1}},
		{"v3", (&enc{}).i16(3).i64(13).i32(4).str("d").i64(100).b,
			offsetEntry{offset: 13, leaderEpoch: 4, metadata: "d", commitTime: 100, expireTime: -1}},
		// v4 (Kafka 4.1) is flexible, with the topic id as tag 0.
		{"v4", append((&enc{}).i16(4).i64(14).i32(5).compactStr("e").i64(100).uvarint(1).uvarint(0).uvarint(16).b, make([]byte, 16)...),
			offsetEntry{offset: 14, leaderEpoch: 5, metadata: "e", commitTime: 100, expireTime: -1}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewShard(DefaultConfig(), 0)
			if err := s.Replay(int64(i), key, tt.value); err != nil {
				t.Fatal(err)
			}
			tt.want.recordOffset = int64(i)
			if got, ok := s.offsets.get("g", "t", 1); !ok || got != tt.want {
				t.Fatalf("replayed %+v, want %+v", got, tt.want)
			}
			if g, ok := s.groups["g"].(*classicGroup); !ok || !g.is(stateEmpty) || g.protocolType != "" {
				t.Fatalf("no simple group made for the offsets: %#v", s.groups["g"])
			}
		})
	}
}

// Every GroupMetadataValue version replays into a loaded group.
func TestReplayGroupMetadataVersions(t *testing.T) {
	key := (&enc{}).i16(2).str("g").b
	type member struct {
		rebalance int32
		instance  *string
	}
	tests := []struct {
		name      string
		value     []byte
		stateTime int64
		member    member
	}{
		{"v0", (&enc{}).i16(0).str("consumer").i32(3).str("range").str("m").i32(1).
			str("m").str("c").str("/h").i32(10000).bytes([]byte{1}).bytes([]byte{2}).b,
			-1, member{rebalance: 10000}},
		{"v1", (&enc{}).i16(1).str("consumer").i32(3).str("range").str("m").i32(1).
			str("m").str("c").str("/h").i32(30000).i32(10000).bytes([]byte{1}).bytes([]byte{2}).b,
			-1, member{rebalance: 30000}},
		{"v2", (&enc{}).i16(2).str("consumer").i32(3).str("range").str("m").i64(777).i32(1).
			str("m").str("c").str("/h").i32(30000).i32(10000).bytes([]byte{1}).bytes([]byte{2}).b,
			777, member{rebalance: 30000}},
		{"v3", (&enc{}).i16(3).str("consumer").i32(3).str("range").str("m").i64(777).i32(1).
			str("m").str("i").str("c").str("/h").i32(30000).i32(10000).bytes([]byte{1}).bytes([]byte{2}).b,
			777, member{rebalance: 30000, instance: ptr("i")}},
		{"v4", (&enc{}).i16(4).compactStr("consumer").i32(3).compactStr("range").compactStr("m").i64(777).uvarint(2).
			compactStr("m").compactStr("i").compactStr("c").compactStr("/h").i32(30000).i32(10000).
			compactBytes([]byte{1}).compactBytes([]byte{2}).uvarint(0).uvarint(0).b,
			777, member{rebalance: 30000, instance: ptr("i")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewShard(DefaultConfig(), 0)
			if err := s.Replay(0, key, tt.value); err != nil {
				t.Fatal(err)
			}
			g, ok := s.groups["g"].(*classicGroup)
			if !ok || !g.is(stateStable) || g.generation != 3 || g.protocol != "range" || g.leader != "m" ||
				g.protocolType != "consumer" || g.stateTime != tt.stateTime || len(g.members) != 1 {
				t.Fatalf("loaded group %+v", g)
			}
			m := g.members[0]
			if m.id != "m" || m.clientID != "c" || m.clientHost != "/h" || m.sessionTimeoutMs != 10000 ||
				m.rebalanceTimeoutMs != tt.member.rebalance || deref(m.instanceID) != deref(tt.member.instance) ||
				!bytes.Equal(m.metadata("range"), []byte{1}) || !bytes.Equal(m.assignment, []byte{2}) {
				t.Fatalf("loaded member %+v", m)
			}
			if tt.member.instance != nil && g.static[*tt.member.instance] != "m" {
				t.Fatalf("static member not indexed: %v", g.static)
			}
		})
	}
}

func TestReplayTombstonesAndErrors(t *testing.T) {
	s := NewShard(DefaultConfig(), 0)
	commit := offsetCommitRecord("g", "t", 0, offsetEntry{offset: 1, leaderEpoch: -1, expireTime: -1})
	if err := s.Replay(0, commit.Key, commit.Value); err != nil {
		t.Fatal(err)
	}
	tomb := offsetTombstone("g", "t", 0)
	if err := s.Replay(1, tomb.Key, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.offsets.get("g", "t", 0); ok {
		t.Fatal("offset survived its tombstone")
	}
	gt := groupTombstone("g")
	if err := s.Replay(2, gt.Key, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.groups["g"]; ok {
		t.Fatal("group survived its tombstone")
	}

	bad := []struct {
		name       string
		key, value []byte
		unknown    bool
	}{
		{"short key", []byte{0}, nil, false},
		{"share group record", (&enc{}).i16(9).str("g").b, []byte{0, 0}, true},
		{"truncated consumer group value", (&enc{}).i16(3).str("g").b, []byte{0, 0}, false},
		{"consumer group value from the future", (&enc{}).i16(3).str("g").b, []byte{0, 1, 0, 0, 0, 1, 0}, false},
		{"truncated offset key", (&enc{}).i16(1).str("g").b, nil, false},
		{"truncated offset value", commit.Key, commit.Value[:5], false},
		{"offset value from the future", commit.Key, (&enc{}).i16(5).i64(1).i32(1).compactStr("").i64(1).uvarint(0).b, false},
		{"truncated group value", gt.Key, (&enc{}).i16(3).str("consumer").b, false},
	}
	for _, tt := range bad {
		err := s.Replay(42, tt.key, tt.value)
		var re *RecordError
		if !errors.As(err, &re) || re.Offset != 42 {
			t.Errorf("%s: got %v, want a RecordError at offset 42", tt.name, err)
		}
		if errors.Is(err, ErrUnknownRecordType) != tt.unknown {
			t.Errorf("%s: %v: unknown record type %v, want %v", tt.name, err, !tt.unknown, tt.unknown)
		}
	}
	if len(s.groups) != 0 || len(s.offsets.byGroup) != 0 {
		t.Fatalf("a bad record changed the shard: %v %v", s.groups, s.offsets.byGroup)
	}
}

// A GroupMetadata record written by this package decodes with kmsg as
// Kafka's tools would read it, and a shard loading it answers as the
// shard that wrote it: the scripts check that after every step; this
// checks a subscription survives byte for byte.
func TestGroupRecordRoundTrip(t *testing.T) {
	h := newHarness(DefaultConfig())
	join := kmsg.NewPtrJoinGroupRequest()
	join.Version, join.Group, join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = 3, "g", 10000, 20000
	join.ProtocolType = "consumer"
	meta := subscription([]string{"a", "b"})
	join.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: "range", Metadata: meta}}
	if _, _, _, err := h.send(join, "c", "/h"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.advance(3 * time.Second); err != nil {
		t.Fatal(err)
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Version, sync.Group, sync.MemberID, sync.Generation = 3, "g", "c-1", 1
	sync.GroupAssignment = []kmsg.SyncGroupRequestGroupAssignment{{MemberID: "c-1", MemberAssignment: []byte("x")}}
	_, _, records, err := h.send(sync, "c", "/h")
	if err != nil || len(records) != 1 {
		t.Fatalf("sync wrote %d records: %v", len(records), err)
	}
	var v kmsg.GroupMetadataValue
	if err := v.ReadFrom(records[0].Value); err != nil {
		t.Fatal(err)
	}
	if v.Version != 3 || len(v.Members) != 1 || !bytes.Equal(v.Members[0].Subscription, meta) ||
		string(v.Members[0].Assignment) != "x" || v.Members[0].RebalanceTimeoutMillis != 20000 {
		t.Fatalf("record %+v", v)
	}
	if topics, ok := subscriptionTopics(v.Members[0].Subscription); !ok || len(topics) != 2 {
		t.Fatalf("subscription topics %v %v", topics, ok)
	}
}
