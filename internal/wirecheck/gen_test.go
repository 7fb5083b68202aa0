package wirecheck

import (
	"math"
	"math/rand/v2"
	"reflect"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// gen fills kmsg requests with random values through reflection, so every
// request type is covered without a hand-written generator per API.
//
// A wild gen draws numbers from their whole range. A tame gen keeps every
// byte it writes below 0x80 where it can (small numbers, ASCII, small tag
// numbers): encodings of tame requests rarely hold a uvarint over 16383, so
// mutations of them can usually be fed to kmsg safely even when wirecheck
// refuses them (see mightSpin).
type gen struct {
	r    *rand.Rand
	tame bool
}

var tagsType = reflect.TypeFor[kmsg.Tags]()

// request returns a random request of key at version.
func (g *gen) request(key, version int16) kmsg.Request {
	req := kmsg.RequestForKey(key)
	g.fill(reflect.ValueOf(req).Elem(), true)
	req.SetVersion(version)
	return req
}

func (g *gen) fill(v reflect.Value, top bool) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == tagsType {
			g.tags(v.Addr().Interface().(*kmsg.Tags))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if top && v.Type().Field(i).Name == "Version" {
				continue
			}
			g.fill(v.Field(i), false)
		}
	case reflect.Bool:
		v.SetBool(g.r.IntN(2) == 1)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(g.int(v.Type().Bits()))
	case reflect.Uint16: // BrokerRegistration's listener port
		v.SetUint(uint64(uint16(g.int(16))))
	case reflect.Float64:
		v.SetFloat(g.r.NormFloat64() * 1e6)
	case reflect.String:
		v.SetString(g.str())
	case reflect.Array: // uuids
		for i := 0; i < v.Len(); i++ {
			v.Index(i).SetUint(uint64(g.byte()))
		}
	case reflect.Pointer:
		if g.r.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		g.fill(p.Elem(), false)
		v.Set(p)
	case reflect.Slice:
		g.slice(v)
	default:
		panic("gen: no rule for " + v.Type().String())
	}
}

// slice makes nil, empty and short slices; nil becomes null where the
// field is nullable and empty elsewhere.
func (g *gen) slice(v reflect.Value) {
	var n int
	switch g.r.IntN(6) {
	case 0:
		v.SetZero()
		return
	case 1:
		n = 0
	default:
		n = 1 + g.r.IntN(3)
	}
	if v.Type().Elem().Kind() == reflect.Uint8 { // bytes, records
		b := make([]byte, g.r.IntN(24))
		for i := range b {
			b[i] = g.byte()
		}
		v.SetBytes(b)
		return
	}
	s := reflect.MakeSlice(v.Type(), n, n)
	for i := 0; i < n; i++ {
		g.fill(s.Index(i), false)
	}
	v.Set(s)
}

// tags sets up to two unknown tags. Their numbers start at 100, clear of
// every tag kmsg knows in a request.
func (g *gen) tags(t *kmsg.Tags) {
	for range g.r.IntN(3) {
		key := 100 + g.r.Uint32N(28)
		if !g.tame {
			key = 100 + g.r.Uint32N(math.MaxInt32)
		}
		val := make([]byte, g.r.IntN(8))
		for i := range val {
			val[i] = g.byte()
		}
		t.Set(key, val)
	}
}

func (g *gen) int(bits int) int64 {
	if g.tame {
		return int64(g.r.IntN(100))
	}
	switch g.r.IntN(4) {
	case 0:
		return -1
	case 1:
		return int64(g.r.IntN(10))
	}
	return int64(g.r.Uint64()) >> (64 - bits)
}

func (g *gen) byte() byte {
	if g.tame {
		return byte(g.r.IntN(0x80))
	}
	return byte(g.r.IntN(0x100))
}

func (g *gen) str() string {
	b := make([]byte, g.r.IntN(12))
	for i := range b {
		b[i] = 'a' + byte(g.r.IntN(26))
	}
	return string(b)
}
