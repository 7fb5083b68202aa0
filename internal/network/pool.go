package network

import (
	"math/bits"
	"sync"
)

// framePool recycles request frame buffers by power-of-two size class, so
// that a steady stream of large produce requests does not become a steady
// stream of garbage.
type framePool struct {
	classes [maxClass + 1]sync.Pool
}

const (
	minClass = 12 // 4 KiB: smaller frames are cheap to allocate
	maxClass = 27 // 128 MiB: above socket.request.max.bytes' default
)

func sizeClass(n int) int {
	if n <= 1<<minClass {
		return minClass
	}
	return bits.Len(uint(n - 1))
}

// get returns a buffer of length n.
func (p *framePool) get(n int) []byte {
	c := sizeClass(n)
	if c > maxClass {
		return make([]byte, n)
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, 1<<c)
}

// put returns a buffer obtained from get.
func (p *framePool) put(b []byte) {
	c := sizeClass(cap(b))
	if c > maxClass || cap(b) != 1<<c {
		return
	}
	b = b[:0]
	p.classes[c].Put(&b)
}
