package metadata

import (
	"hash/maphash"
	"iter"
)

// cowShards is the number of shards of a cowMap. With 256 shards a cluster of
// 50,000 topics copies about 200 entries per changed shard.
const cowShards = 256

// cowMap is an immutable map split into shards, so that a changed copy
// shares every shard it does not change with the original. Replaying a log
// one small batch at a time would otherwise copy the whole topic map per
// batch, which is quadratic in the number of topics.
type cowMap[K comparable, V any] struct {
	seed   maphash.Seed
	n      int
	shards [cowShards]map[K]V
}

func newCOWMap[K comparable, V any]() *cowMap[K, V] {
	return &cowMap[K, V]{seed: maphash.MakeSeed()}
}

func (m *cowMap[K, V]) shard(k K) int {
	return int(maphash.Comparable(m.seed, k) % cowShards)
}

// Len returns the number of entries.
func (m *cowMap[K, V]) Len() int { return m.n }

// get returns the value for k, or the zero value.
func (m *cowMap[K, V]) get(k K) V {
	return m.shards[m.shard(k)][k]
}

func (m *cowMap[K, V]) lookup(k K) (V, bool) {
	v, ok := m.shards[m.shard(k)][k]
	return v, ok
}

// all yields every entry, in no particular order.
func (m *cowMap[K, V]) all() iter.Seq2[K, V] {
	return func(yield func(K, V) bool) {
		for _, s := range m.shards {
			for k, v := range s {
				if !yield(k, v) {
					return
				}
			}
		}
	}
}

// cowWriter builds a changed copy of a cowMap, copying the map header once
// and each shard at most once, on first change.
type cowWriter[K comparable, V any] struct {
	src   *cowMap[K, V]
	dst   *cowMap[K, V] // nil until the first change
	owned [cowShards]bool
}

func newCOWWriter[K comparable, V any](src *cowMap[K, V]) *cowWriter[K, V] {
	return &cowWriter[K, V]{src: src}
}

// current returns the map with the changes so far; it stays valid, and
// unchanged, after further changes only if there were none.
func (w *cowWriter[K, V]) current() *cowMap[K, V] {
	if w.dst != nil {
		return w.dst
	}
	return w.src
}

func (w *cowWriter[K, V]) writableShard(k K) map[K]V {
	if w.dst == nil {
		c := *w.src
		w.dst = &c
	}
	i := w.dst.shard(k)
	if !w.owned[i] {
		s := make(map[K]V, len(w.dst.shards[i])+1)
		for k, v := range w.dst.shards[i] {
			s[k] = v
		}
		w.dst.shards[i] = s
		w.owned[i] = true
	}
	return w.dst.shards[i]
}

func (w *cowWriter[K, V]) set(k K, v V) {
	s := w.writableShard(k)
	if _, ok := s[k]; !ok {
		w.dst.n++
	}
	s[k] = v
}

func (w *cowWriter[K, V]) delete(k K) {
	if _, ok := w.current().lookup(k); !ok {
		return
	}
	delete(w.writableShard(k), k)
	w.dst.n--
}
