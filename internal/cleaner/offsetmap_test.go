package cleaner

import (
	"fmt"
	"testing"
)

func TestOffsetMapPutGet(t *testing.T) {
	m := newOffsetMap(1<<20, 0.9)
	for i := range 10_000 {
		if !m.put(fmt.Appendf(nil, "key-%d", i%3000), int64(i)) {
			t.Fatalf("full at %d", i)
		}
	}
	if m.entries != 3000 {
		t.Fatalf("%d entries, want 3000", m.entries)
	}
	for k := range 3000 {
		want := int64(9000 + k)
		if k >= 1000 {
			want = int64(6000 + k)
		}
		if got := m.get(fmt.Appendf(nil, "key-%d", k)); got != want {
			t.Fatalf("key-%d: %d, want %d", k, got, want)
		}
	}
	if m.get([]byte("absent")) != -1 || m.latest != 9999 {
		t.Fatalf("absent key or latest (%d) wrong", m.latest)
	}
	m.reset()
	if m.get([]byte("key-1")) != -1 || m.latest != -1 || m.entries != 0 {
		t.Fatal("reset kept entries")
	}
}

func TestOffsetMapStopsAtItsBudget(t *testing.T) {
	m := newOffsetMap(100*entrySize, 0.9)
	n := 0
	for m.put(fmt.Appendf(nil, "k%d", n), int64(n)) {
		n++
	}
	if n != 90 || len(m.slots) != 100 {
		t.Fatalf("took %d keys in %d slots, want 90 in 100", n, len(m.slots))
	}
	if m.latest != 89 || m.utilization() != 0.9 {
		t.Fatalf("latest %d, utilization %v", m.latest, m.utilization())
	}
	// Full means full, even for a key already there (as Kafka's check).
	if m.put([]byte("k3"), 1000) || m.get([]byte("k3")) != 3 {
		t.Fatal("a full map changed")
	}
}

func TestOffsetMapNilAndEmptyKeysDiffer(t *testing.T) {
	m := newOffsetMap(1<<16, 0.9)
	m.put([]byte{}, 1)
	m.put([]byte{0}, 2)
	if m.get([]byte{}) != 1 || m.get([]byte{0}) != 2 {
		t.Fatal("short keys collide")
	}
}

func BenchmarkOffsetMapPut(b *testing.B) {
	keys := make([][]byte, 1<<16)
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "user-%08d", i)
	}
	m := newOffsetMap(64<<20, 0.9)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%(1<<20) == 0 {
			m.reset()
		}
		m.put(keys[i&(len(keys)-1)], int64(i))
	}
}

func TestOffsetMapFullLoadFactorStillFindsAbsentKeys(t *testing.T) {
	m := newOffsetMap(10*entrySize, 1)
	for i := 0; m.put(fmt.Appendf(nil, "k%d", i), int64(i)); i++ {
	}
	if m.entries != 9 || m.get([]byte("absent")) != -1 {
		t.Fatalf("%d entries", m.entries)
	}
}
