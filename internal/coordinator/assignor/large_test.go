package assignor

import (
	"fmt"
	"testing"
)

// largeGroup is members × topics × partitions. Heterogeneous members
// subscribe to overlapping windows of half the topics.
func largeGroup(members, topics, partitions int, heterogeneous bool) (GroupSpec, Topics) {
	desc := Topics{}
	ids := make([]TopicID, topics)
	for i := range ids {
		ids[i] = TopicID{byte(i >> 8), byte(i), 0xAB}
		desc[ids[i]] = Topic{NumPartitions: partitions}
	}
	spec := GroupSpec{Members: map[string]Member{}}
	for i := range members {
		sub := ids
		if heterogeneous {
			sub = nil
			for k := range topics / 2 {
				sub = append(sub, ids[(i+k)%topics])
			}
		}
		spec.Members[fmt.Sprintf("member-%04d", i)] = Member{Topics: sub}
	}
	return spec, desc
}

// rejoin returns spec with its members holding g, one member gone and a new
// one come.
func rejoin(spec GroupSpec, g GroupAssignment) GroupSpec {
	next := withCurrent(spec, g)
	ids := next.sortedMemberIDs()
	gone := next.Members[ids[len(ids)/2]]
	delete(next.Members, ids[len(ids)/2])
	next.Members["member-new"] = Member{Topics: gone.Topics}
	return next
}

// 1,000 members, 100 topics of 10 partitions: valid and balanced, before
// and after a member leaves and another joins.
func TestLargeGroups(t *testing.T) {
	for _, tc := range []struct {
		name          string
		assignor      Assignor
		heterogeneous bool
	}{
		{"uniform homogeneous", Uniform{}, false},
		{"uniform heterogeneous", Uniform{}, true},
		{"range homogeneous", Range{}, false},
		{"range heterogeneous", Range{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, topics := largeGroup(1000, 100, 10, tc.heterogeneous)
			first, err := tc.assignor.Assign(spec, topics)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, spec, topics, first)
			next := rejoin(spec, first)
			second, err := tc.assignor.Assign(next, topics)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, next, topics, second)
			if tc.assignor.Name() != UniformName {
				return
			}
			if tc.heterogeneous {
				// Balanced as far as the overlapping subscriptions allow.
				checkTopicBalance(t, next, second)
			} else if lo, hi := spread(second); hi-lo > 1 {
				t.Errorf("sizes %d..%d", lo, hi)
			}
			t.Logf("%d partitions moved between members after one left and one joined", moved(first, second))
		})
	}
}

func BenchmarkAssign(b *testing.B) {
	for _, tc := range []struct {
		name                          string
		assignor                      Assignor
		members, topics, partitions   int
		heterogeneous, withAssignment bool
	}{
		{"uniform/homogeneous/1000x100x10/fresh", Uniform{}, 1000, 100, 10, false, false},
		{"uniform/homogeneous/1000x100x10/rejoin", Uniform{}, 1000, 100, 10, false, true},
		{"uniform/homogeneous/1000x100x100/rejoin", Uniform{}, 1000, 100, 100, false, true},
		{"uniform/heterogeneous/1000x100x10/fresh", Uniform{}, 1000, 100, 10, true, false},
		{"uniform/heterogeneous/1000x100x10/rejoin", Uniform{}, 1000, 100, 10, true, true},
		{"uniform/heterogeneous/1000x100x100/rejoin", Uniform{}, 1000, 100, 100, true, true},
		{"range/homogeneous/1000x100x10", Range{}, 1000, 100, 10, false, false},
		{"range/heterogeneous/1000x100x10", Range{}, 1000, 100, 10, true, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			spec, topics := largeGroup(tc.members, tc.topics, tc.partitions, tc.heterogeneous)
			if tc.withAssignment {
				first, err := tc.assignor.Assign(spec, topics)
				if err != nil {
					b.Fatal(err)
				}
				spec = rejoin(spec, first)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tc.assignor.Assign(spec, topics); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
