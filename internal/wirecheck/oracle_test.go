package wirecheck

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// decodeLimit is how long kmsg may take to decode a body wirecheck
// accepted. The bodies here are at most a few kilobytes, which kmsg decodes
// in microseconds (tens under -race); a body that makes it spin takes
// seconds.
const decodeLimit = 5 * time.Millisecond

// TestKmsgEncodingsAccepted makes kmsg the oracle for every API and version
// described: random requests encoded by kmsg are accepted; every truncation
// of them is refused; random byte changes are accepted only if kmsg decodes
// the result, quickly, and refused only if kmsg refuses it too or the
// refusal is one of the checks that are stricter than kmsg by design.
func TestKmsgEncodingsAccepted(t *testing.T) {
	const perVersion = 64
	for _, m := range requests {
		t.Run(m.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(m.key), 7))
			var c tally
			defer func() { t.Logf("mutations: %v", &c) }()
			for v := int16(0); v <= m.max; v++ {
				for i := range perVersion {
					g := gen{r: r, tame: i%2 == 0}
					body := g.request(m.key, v).AppendTo(nil)
					if err := Request(m.key, v, body); err != nil {
						t.Fatalf("%s v%d: refused a kmsg encoding: %v\n%x", m.name, v, err, body)
					}
					if err, _ := kmsgDecode(m.key, v, body); err != nil {
						t.Fatalf("%s v%d: kmsg does not decode its own encoding: %v", m.name, v, err)
					}
					checkTruncations(t, m, v, body, i < 4)
					checkMutations(t, r, m, v, body, &c)
				}
			}
		})
	}
}

// checkTruncations requires every proper prefix of a valid body to be
// refused; withKmsg also asks kmsg about each (a prefix of a kmsg encoding
// holds no count kmsg could spin on).
func checkTruncations(t *testing.T, m *message, v int16, body []byte, withKmsg bool) {
	t.Helper()
	for n := range len(body) {
		err := Request(m.key, v, body[:n])
		if err == nil {
			t.Fatalf("%s v%d: accepted a body truncated to %d of %d bytes", m.name, v, n, len(body))
		}
		if withKmsg {
			if kerr, _ := kmsgDecode(m.key, v, body[:n]); kerr == nil && !stricterThanKmsg(err) {
				t.Fatalf("%s v%d: refused a truncation kmsg decodes: %v", m.name, v, err)
			}
		}
	}
}

// checkMutations changes one to three random bytes of body, many times,
// and compares wirecheck with kmsg on each result.
func checkMutations(t *testing.T, r *rand.Rand, m *message, v int16, body []byte, c *tally) {
	t.Helper()
	if len(body) == 0 {
		return
	}
	mutated := make([]byte, len(body))
	for range 16 {
		copy(mutated, body)
		for range 1 + r.IntN(3) {
			at := r.IntN(len(mutated))
			if r.IntN(2) == 0 {
				mutated[at] = byte(r.IntN(0x80)) // keeps tame bodies tame
			} else {
				mutated[at] ^= 1 << r.IntN(8)
			}
		}
		c[compareWithKmsg(t, m.key, v, mutated)]++
	}
}

// compareWithKmsg checks one body against kmsg. An accepted body must be
// decoded by kmsg without error within decodeLimit. A refused body is given
// to kmsg only where kmsg cannot spin on it; if kmsg decodes it, the
// refusal must be one that is stricter than kmsg by design.
func compareWithKmsg(t testing.TB, key, v int16, body []byte) outcome {
	t.Helper()
	c, _ := lookup(key, v)
	flex := v >= c.msg.flexible
	err := Request(key, v, body)
	if err == nil {
		kerr, took := kmsgDecode(key, v, body)
		if kerr != nil {
			t.Fatalf("%s v%d: accepted what kmsg refuses (%v):\n%x", c.msg.name, v, kerr, body)
		}
		if took > decodeLimit {
			if took = minDecodeTime(key, v, body); took > decodeLimit {
				t.Fatalf("%s v%d: accepted a body kmsg takes %v to decode:\n%x", c.msg.name, v, took, body)
			}
		}
		return accepted
	}
	if mightSpin(flex, body) {
		return refusedUnchecked
	}
	kerr, _ := kmsgDecode(key, v, body)
	if kerr != nil {
		return refusedByBoth
	}
	if !stricterThanKmsg(err) {
		t.Fatalf("%s v%d: refused what kmsg decodes: %v\n%x", c.msg.name, v, err, body)
	}
	return refusedStricter
}

// outcome is how a body compared with kmsg.
type outcome int

const (
	accepted         outcome = iota // by both
	refusedByBoth                   // kmsg refuses it too
	refusedStricter                 // kmsg decodes it; the refusal is stricter by design
	refusedUnchecked                // not given to kmsg: it might spin
	outcomes
)

var outcomeNames = [outcomes]string{"accepted", "refused by both", "refused, stricter than kmsg", "refused, kmsg not asked"}

// tally counts outcomes, to show in -v output what a test covered.
type tally [outcomes]int

func (c *tally) String() string {
	s := ""
	for o, n := range c {
		s += fmt.Sprintf("%s %d; ", outcomeNames[o], n)
	}
	return s
}

// stricterThanKmsg reports whether err is a refusal of something kmsg lets
// through on purpose of ours (see the reasons in error.go).
func stricterThanKmsg(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.reason {
	case reasonNull, reasonMarker, reasonTagSize, reasonTrailing:
		return true
	}
	return false
}

// mightSpin reports whether kmsg could loop for long on body. Only a
// tagged-field count can make it loop past the bytes it has, and counts
// are uvarints, which exist only in flexible versions. A uvarint over 16383
// takes three or more bytes, the first two with the high bit set; without
// such a pair kmsg loops at most 16383 times past the end, in well under a
// millisecond.
func mightSpin(flex bool, body []byte) bool {
	if !flex {
		return false
	}
	for i := 0; i+1 < len(body); i++ {
		if body[i]&0x80 != 0 && body[i+1]&0x80 != 0 {
			return true
		}
	}
	return false
}

func kmsgDecode(key, v int16, body []byte) (error, time.Duration) {
	req := kmsg.RequestForKey(key)
	req.SetVersion(v)
	start := time.Now()
	err := req.ReadFrom(body)
	return err, time.Since(start)
}

// minDecodeTime is the fastest of a few decodes, so that a garbage
// collection or a descheduled test does not count as a slow decode.
func minDecodeTime(key, v int16, body []byte) time.Duration {
	best := time.Hour
	for range 5 {
		if _, took := kmsgDecode(key, v, body); took < best {
			best = took
		}
	}
	return best
}

// TestSchemasMatchKmsg checks each schema's name, versions and flexible
// versions against kmsg's.
func TestSchemasMatchKmsg(t *testing.T) {
	for _, m := range requests {
		req := kmsg.RequestForKey(m.key)
		if req == nil {
			t.Errorf("%s: kmsg has no api key %d", m.name, m.key)
			continue
		}
		if name := kmsg.NameForKey(m.key); name != m.name {
			t.Errorf("api key %d: schema %q, kmsg %q", m.key, m.name, name)
		}
		if m.max > req.MaxVersion() {
			t.Errorf("%s: schema goes to v%d, kmsg to v%d", m.name, m.max, req.MaxVersion())
		}
		for v := int16(0); v <= m.max; v++ {
			req.SetVersion(v)
			if flex := v >= m.flexible; flex != req.IsFlexible() {
				t.Errorf("%s v%d: schema flexible %v, kmsg %v", m.name, v, flex, req.IsFlexible())
			}
			if !Supports(m.key, v) {
				t.Errorf("%s v%d: not supported", m.name, v)
			}
		}
		if Supports(m.key, m.max+1) {
			t.Errorf("%s v%d: supported past the schema", m.name, m.max+1)
		}
	}
}

func ExampleRequest() {
	// Metadata v12 asking for all topics, with a tagged-field count of
	// 2^32-1 and no bytes for the fields: kmsg v1.15.0 would loop 2^32
	// times on it.
	body := []byte{0x01, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f}
	fmt.Println(Request(3, 12, body))
	// Output: body at byte 3: tagged-field count 4294967295 needs at least 8589934590 bytes, 5 left
}
