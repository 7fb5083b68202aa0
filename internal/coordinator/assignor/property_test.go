package assignor

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// randomGroup is a random group: topics, members with random (homogeneous
// or not) subscriptions, and current assignments that come from an earlier
// assignment of a different membership, with noise: partitions that do not
// exist, of topics not subscribed or unknown, claimed twice, repeated.
func randomGroup(rng *rand.Rand, a Assignor) (GroupSpec, Topics) {
	topics := Topics{}
	var ids []TopicID
	for range 1 + rng.IntN(8) {
		var id TopicID
		for i := range id {
			id[i] = byte(rng.UintN(256))
		}
		topics[id] = Topic{NumPartitions: 1 + rng.IntN(20)}
		ids = append(ids, id)
	}
	subset := func() []TopicID {
		var s []TopicID
		for _, id := range ids {
			if rng.IntN(2) == 0 {
				s = append(s, id)
			}
		}
		return s
	}
	homogeneous := rng.IntN(2) == 0
	shared := subset()
	if len(shared) == 0 {
		shared = ids[:1]
	}
	makeSpec := func(n int) GroupSpec {
		spec := GroupSpec{Members: map[string]Member{}}
		for i := range n {
			m := Member{Topics: slices.Clone(shared)}
			if !homogeneous {
				m.Topics = subset()
			}
			rng.Shuffle(len(m.Topics), func(i, j int) { m.Topics[i], m.Topics[j] = m.Topics[j], m.Topics[i] })
			if rng.IntN(4) == 0 {
				m.InstanceID = fmt.Sprintf("i%02d", rng.IntN(100))
			}
			spec.Members[fmt.Sprintf("m%02d", i+rng.IntN(3))] = m
		}
		return spec
	}

	spec := makeSpec(1 + rng.IntN(12))
	if rng.IntN(4) != 0 {
		// Current assignments from an earlier group of other members.
		earlier := makeSpec(1 + rng.IntN(12))
		prev, err := a.Assign(earlier, topics)
		if err != nil {
			panic(err)
		}
		for id, m := range spec.Members {
			m.Assignment = prev[id]
			spec.Members[id] = m
		}
	}
	if rng.IntN(3) == 0 {
		for id, m := range spec.Members {
			if rng.IntN(2) == 0 {
				continue
			}
			m.Assignment = m.Assignment.Clone()
			if m.Assignment == nil {
				m.Assignment = Assignment{}
			}
			topic := ids[rng.IntN(len(ids))]
			if rng.IntN(5) == 0 {
				topic = TopicID{0xff, byte(rng.IntN(256))} // unknown
			}
			for range 1 + rng.IntN(4) {
				m.Assignment[topic] = append(m.Assignment[topic], int32(rng.IntN(25))-2)
			}
			spec.Members[id] = m
		}
	}
	return spec, topics
}

// shuffled returns spec with every list in another order.
func shuffled(rng *rand.Rand, spec GroupSpec) GroupSpec {
	out := cloneSpec(spec)
	for _, m := range out.Members {
		rng.Shuffle(len(m.Topics), func(i, j int) { m.Topics[i], m.Topics[j] = m.Topics[j], m.Topics[i] })
		for _, ps := range m.Assignment {
			rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
		}
	}
	return out
}

// kept returns the partitions each member may keep of its current
// assignment, by the Member doc: subscribed, existing, and not claimed by
// a member with a lower id.
func kept(spec GroupSpec, topics Topics) GroupAssignment {
	claimed := map[TopicID]map[int32]bool{}
	out := GroupAssignment{}
	homogeneous := spec.subscriptionType() == Homogeneous
	ids := spec.sortedMemberIDs()
	for _, id := range ids {
		sub := spec.Members[id].Topics
		if homogeneous {
			sub = spec.Members[ids[0]].Topics
		}
		a := Assignment{}
		for topic, ps := range spec.Members[id].Assignment {
			if !slices.Contains(sub, topic) {
				continue
			}
			for _, p := range ps {
				if p < 0 || int(p) >= topics[topic].NumPartitions || claimed[topic][p] {
					continue
				}
				if claimed[topic] == nil {
					claimed[topic] = map[int32]bool{}
				}
				claimed[topic][p] = true
				a[topic] = append(a[topic], p)
			}
		}
		out[id] = a
	}
	return out
}

// minMoves is the fewest partitions any balanced assignment of a
// homogeneous group must take from their holders: the extra partitions of
// total%members go to the members holding the most.
func minMoves(held GroupAssignment, total int) int {
	var sizes []int
	for _, a := range held {
		sizes = append(sizes, a.Size())
	}
	slices.SortFunc(sizes, func(a, b int) int { return cmp.Compare(b, a) })
	n := 0
	for i, h := range sizes {
		q := total / len(sizes)
		if i < total%len(sizes) {
			q++
		}
		n += max(0, h-q)
	}
	return n
}

func TestUniformProperties(t *testing.T) {
	for seed := range 2000 {
		rng := rand.New(rand.NewPCG(uint64(seed), 1))
		spec, topics := randomGroup(rng, Uniform{})
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			before := cloneSpec(spec)
			got, err := Uniform{}.Assign(spec, topics)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, spec, topics, got)
			if !specEqual(spec, before) {
				t.Fatal("Assign modified its input")
			}
			again, err := Uniform{}.Assign(shuffled(rng, spec), topics)
			if err != nil {
				t.Fatal(err)
			}
			assertGroup(t, again, got)

			held := kept(spec, topics)
			if spec.subscriptionType() == Homogeneous {
				if lo, hi := spread(got); hi-lo > 1 {
					t.Fatalf("sizes %d..%d:%s", lo, hi, formatGroup(got))
				}
				total := 0
				for _, topic := range uniqueTopics(spec.Members[spec.sortedMemberIDs()[0]].Topics) {
					total += topics[topic].NumPartitions
				}
				if n, want := moved(held, got), minMoves(held, total); n != want {
					t.Fatalf("%d partitions moved, %d needed:%s", n, want, formatGroup(got))
				}
			} else {
				checkTopicBalance(t, spec, got)
			}

			// Nothing changes: the same assignment.
			stable, err := Uniform{}.Assign(withCurrent(spec, got), topics)
			if err != nil {
				t.Fatal(err)
			}
			if !equalGroups(stable, got) {
				t.Errorf("not stable:%s\nthen:%s", formatGroup(got), formatGroup(stable))
			}
		})
	}
}

func TestRangeProperties(t *testing.T) {
	for seed := range 2000 {
		rng := rand.New(rand.NewPCG(uint64(seed), 2))
		spec, topics := randomGroup(rng, Range{})
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			got, err := Range{}.Assign(spec, topics)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, spec, topics, got)
			again, err := Range{}.Assign(shuffled(rng, spec), topics)
			if err != nil {
				t.Fatal(err)
			}
			assertGroup(t, again, got)

			// Each topic: the subscribers in range order hold consecutive
			// ranges that cover it, larger ones first, differing by one
			// at most.
			order := rangeOrder(spec)
			for topic, desc := range topics {
				var sizes []int
				next := int32(0)
				for _, id := range order {
					if !slices.Contains(spec.Members[id].Topics, topic) {
						continue
					}
					ps := got[id][topic]
					for _, p := range ps {
						if p != next {
							t.Fatalf("%s: %s holds %v, expected to start at %d:%s", topicName(topic), id, ps, next, formatGroup(got))
						}
						next++
					}
					sizes = append(sizes, len(ps))
				}
				if len(sizes) > 0 && (!slices.IsSortedFunc(sizes, func(a, b int) int { return cmp.Compare(b, a) }) || sizes[0]-sizes[len(sizes)-1] > 1) {
					t.Fatalf("%s: range sizes %v", topicName(topic), sizes)
				}
				if len(sizes) > 0 && int(next) != desc.NumPartitions {
					t.Fatalf("%s: %d of %d partitions assigned", topicName(topic), next, desc.NumPartitions)
				}
			}
		})
	}
}
