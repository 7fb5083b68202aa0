package quota

import "testing"

func TestParseReplicas(t *testing.T) {
	for _, tc := range []struct {
		list   []string
		broker int32
		want   map[int32]bool
	}{
		{nil, 1, map[int32]bool{0: false}},
		{[]string{"*"}, 7, map[int32]bool{0: true, 99: true}},
		{[]string{"0:1", "1:2", " 2 : 1 "}, 1, map[int32]bool{0: true, 1: false, 2: true}},
		{[]string{"0:1", "1:2"}, 2, map[int32]bool{0: false, 1: true}},
		{[]string{"0:3"}, 1, map[int32]bool{0: false}},
		{[]string{"junk", "x:1"}, 1, map[int32]bool{0: false}},
	} {
		r := ParseReplicas(tc.list, tc.broker)
		for p, want := range tc.want {
			if got := r.Throttled(p); got != want {
				t.Errorf("%q on broker %d: partition %d throttled %v, want %v", tc.list, tc.broker, p, got, want)
			}
		}
	}
}
