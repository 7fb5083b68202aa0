package fetchsession

import (
	"fmt"
	"testing"
	"time"
)

func manyPartitions(n int) []Partition {
	parts := make([]Partition, n)
	for i := range parts {
		parts[i] = Partition{
			Topic:              fmt.Sprintf("topic-%d", i%20),
			TopicID:            topicID(fmt.Sprintf("topic-%d", i%20)),
			Partition:          int32(i / 20),
			FetchOffset:        int64(i),
			LogStartOffset:     -1,
			MaxBytes:           1 << 20,
			CurrentLeaderEpoch: -1,
			LastFetchedEpoch:   -1,
		}
	}
	return parts
}

// fetchAll serves one request end to end, every partition answered with
// hw, and records on every third partition when records is set.
func fetchAll(c *Cache, ctx *Context, req Request, now time.Time, hw int64, records bool) Response {
	c.Begin(ctx, req, now)
	for i := range ctx.Partitions() {
		ctx.SetResult(i, Result{HighWatermark: hw, HasRecords: records && i%3 == 0})
	}
	return ctx.Respond(now)
}

// A consumer's fetch is the hot path: once its Context has grown, an
// incremental fetch that names no partition, and a sessionless fetch,
// allocate nothing.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	c := NewCache(10, time.Minute)
	parts := manyPartitions(200)
	now := time.Unix(0, 0)
	var ctx Context
	resp := fetchAll(c, &ctx, Request{Partitions: parts, TopicIDs: true}, now, 0, false)
	id, epoch := resp.SessionID, int32(1)
	hw := int64(0)
	incremental := func() {
		hw++
		resp := fetchAll(c, &ctx, Request{SessionID: id, Epoch: epoch, TopicIDs: true}, now, hw, true)
		if resp.Err != nil || len(resp.Partitions) != len(parts) {
			t.Fatalf("incremental fetch: %v, %d partitions", resp.Err, len(resp.Partitions))
		}
		epoch = nextEpoch(epoch)
	}
	if n := testing.AllocsPerRun(100, incremental); n != 0 {
		t.Errorf("incremental fetch: %v allocations", n)
	}
	sessionless := func() {
		resp := fetchAll(c, &ctx, Request{Epoch: FinalEpoch, Partitions: parts, TopicIDs: true}, now, 0, false)
		if len(resp.Partitions) != len(parts) {
			t.Fatalf("sessionless fetch: %d partitions", len(resp.Partitions))
		}
	}
	if n := testing.AllocsPerRun(100, sessionless); n != 0 {
		t.Errorf("sessionless fetch: %v allocations", n)
	}
}

func BenchmarkIncrementalFetch(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := NewCache(10, time.Minute)
			var ctx Context
			now := time.Unix(0, 0)
			resp := fetchAll(c, &ctx, Request{Partitions: manyPartitions(n), TopicIDs: true}, now, 0, false)
			id, epoch := resp.SessionID, int32(1)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				fetchAll(c, &ctx, Request{SessionID: id, Epoch: epoch, TopicIDs: true}, now, int64(i/2), true)
				epoch = nextEpoch(epoch)
			}
		})
	}
}

func BenchmarkSessionlessFetch(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			c := NewCache(10, time.Minute)
			var ctx Context
			parts := manyPartitions(n)
			now := time.Unix(0, 0)
			b.ReportAllocs()
			for b.Loop() {
				fetchAll(c, &ctx, Request{Epoch: FinalEpoch, Partitions: parts, TopicIDs: true}, now, 0, false)
			}
		})
	}
}

// Finding a victim scans every session; this is its cost with the default
// number of slots, paid by a full fetch that finds the cache full.
func BenchmarkCreateWhenFull(b *testing.B) {
	c := NewCache(DefaultMaxSlots, time.Minute)
	var ctx Context
	now := time.Unix(0, 0)
	parts := manyPartitions(5)
	for range DefaultMaxSlots {
		fetchAll(c, &ctx, Request{Partitions: parts, TopicIDs: true}, now, 0, false)
	}
	b.ReportAllocs()
	for b.Loop() {
		if resp := fetchAll(c, &ctx, Request{Partitions: parts, TopicIDs: true}, now, 0, false); resp.SessionID != 0 {
			b.Fatal("a young cache gave up a slot")
		}
	}
}
