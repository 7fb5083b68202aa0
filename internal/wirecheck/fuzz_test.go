package wirecheck

import (
	"math/rand/v2"
	"testing"
)

// FuzzRequest feeds arbitrary bodies to Request: it must not panic, and
// whatever it accepts kmsg must decode without error and quickly (see
// compareWithKmsg, which also requires its refusals to be kmsg's or
// stricter by design). The key and version are mapped onto a described
// pair, so no input is wasted on keys without a schema. Run with
//
//	go test -run XXX -fuzz FuzzRequest -fuzztime 300s ./internal/wirecheck/
func FuzzRequest(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, m := range requests {
		for v := int16(0); v <= m.max; v++ {
			for _, tame := range []bool{true, false} {
				g := gen{r: r, tame: tame}
				f.Add(m.key, v, g.request(m.key, v).AppendTo(nil))
			}
		}
	}
	f.Add(int16(3), int16(12), unhex(f, spinMetadataBody))
	key, version, body := splitFrame(f, unhex(f, spinProduceFrame))
	f.Add(key, version, body)
	f.Fuzz(func(t *testing.T, key, version int16, body []byte) {
		if !Supports(key, version) {
			m := requests[int(uint16(key))%len(requests)]
			key, version = m.key, int16(int(uint16(version))%(int(m.max)+1))
		}
		compareWithKmsg(t, key, version, body)
	})
}
