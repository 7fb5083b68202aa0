package cleaner

import (
	"hash/maphash"
	"math/bits"
)

// offsetMap maps record keys to the latest offset seen for them within a
// fixed memory budget, as Kafka's SkimpyOffsetMap does: it stores a
// 128-bit hash of each key (two 64-bit maphash sums with independent
// seeds) and the offset, 24 bytes an entry, in an open-addressing table
// with linear probing. Two keys whose 128-bit hashes collide would share
// an entry; at 2^-128 per pair that is ignored, as Kafka ignores MD5
// collisions. The table starts small and doubles as keys arrive, up to the
// budget (while it doubles, the old and the new table exist together).
// It is not safe for concurrent use.
type offsetMap struct {
	seeds      [2]maphash.Seed
	slots      []mapSlot
	entries    int
	maxSlots   int
	maxEntries int // the budget's slots times the load factor
	// latest is the last offset the map covers: records above it were not
	// mapped and must be kept.
	latest int64
}

// mapSlot is one entry; h0 is never zero in a used slot.
type mapSlot struct {
	h0, h1 uint64
	offset int64
}

// initialSlots is the table's first size.
const initialSlots = 1 << 12

// growAt is the fill at which the table doubles while it is below the
// budget.
const growAt = 0.75

func newOffsetMap(memory int64, loadFactor float64) *offsetMap {
	maxSlots := int(max(memory/entrySize, 2))
	return &offsetMap{
		seeds:    [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
		maxSlots: maxSlots,
		// One slot stays empty so that a probe always ends.
		maxEntries: min(int(float64(maxSlots)*loadFactor), maxSlots-1),
		latest:     -1,
	}
}

// reset empties the map, keeping its table.
func (m *offsetMap) reset() {
	clear(m.slots)
	m.entries = 0
	m.latest = -1
}

// utilization is the share of the budget in use.
func (m *offsetMap) utilization() float64 { return float64(m.entries) / float64(m.maxSlots) }

func (m *offsetMap) hash(key []byte) (uint64, uint64) {
	return maphash.Bytes(m.seeds[0], key) | 1, maphash.Bytes(m.seeds[1], key)
}

// put records offset as key's latest and as the latest offset mapped. It
// returns false, changing nothing, when the map is full.
func (m *offsetMap) put(key []byte, offset int64) bool {
	if m.entries >= m.maxEntries {
		return false
	}
	if float64(m.entries+1) > growAt*float64(len(m.slots)) && len(m.slots) < m.maxSlots {
		m.grow()
	}
	h0, h1 := m.hash(key)
	i := m.find(h0, h1)
	if m.slots[i].h0 == 0 {
		m.entries++
	}
	m.slots[i] = mapSlot{h0: h0, h1: h1, offset: offset}
	m.latest = offset
	return true
}

// get returns key's latest offset, -1 if it has none.
func (m *offsetMap) get(key []byte) int64 {
	if m.entries == 0 {
		return -1
	}
	h0, h1 := m.hash(key)
	if s := m.slots[m.find(h0, h1)]; s.h0 != 0 {
		return s.offset
	}
	return -1
}

// find returns the slot holding the hash, or the empty slot where it
// would go. The table always has an empty slot (entries stay below it).
func (m *offsetMap) find(h0, h1 uint64) int {
	n := uint64(len(m.slots))
	i, _ := bits.Mul64(h0, n)
	for {
		s := &m.slots[i]
		if s.h0 == 0 || s.h0 == h0 && s.h1 == h1 {
			return int(i)
		}
		if i++; i == n {
			i = 0
		}
	}
}

// grow doubles the table (up to the budget) and rehashes the entries.
func (m *offsetMap) grow() {
	old := m.slots
	m.slots = make([]mapSlot, min(max(2*len(old), initialSlots), m.maxSlots))
	for _, s := range old {
		if s.h0 != 0 {
			m.slots[m.find(s.h0, s.h1)] = s
		}
	}
}
