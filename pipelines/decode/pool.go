package decode

import (
	"math/bits"
	"sync"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

// PoolAllocator recycles Arrow buffers by power-of-two size class. Arrow's
// builders give their buffers to each record and start new ones, so with
// the Go allocator every batch re-grows every column; recycling the
// buffers of released records makes steady-state batching allocation-free.
// It is safe for concurrent use: records are released by the flusher
// while the decoder fills the next batch.
//
// Free lists rather than sync.Pool: a pool is emptied at every GC, which
// on a busy ingester means re-growing the columns every few batches.
type PoolAllocator struct {
	mu   sync.Mutex
	free [48][][]byte
}

// maxFree bounds each size class, so a burst does not pin memory forever.
const maxFree = 64

var _ memory.Allocator = (*PoolAllocator)(nil)

// Arrow wants 64-byte aligned buffers.
const alignment = 64

func class(size int) int {
	if size <= alignment {
		return 6
	}
	return bits.Len(uint(size - 1))
}

func (p *PoolAllocator) Allocate(size int) []byte {
	c := class(size)
	p.mu.Lock()
	if n := len(p.free[c]); n > 0 {
		b := p.free[c][n-1]
		p.free[c] = p.free[c][:n-1]
		p.mu.Unlock()
		b = b[:size]
		clear(b) // Arrow expects zeroed memory, e.g. for validity bitmaps
		return b
	}
	p.mu.Unlock()
	return alignedSlice(1<<c, size)
}

func (p *PoolAllocator) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		old := len(b)
		b = b[:size]
		if size > old {
			clear(b[old:])
		}
		return b
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *PoolAllocator) Free(b []byte) {
	c := cap(b)
	if c == 0 || c&(c-1) != 0 || c < alignment {
		return // not one of ours
	}
	cl := bits.Len(uint(c - 1))
	p.mu.Lock()
	if len(p.free[cl]) < maxFree {
		p.free[cl] = append(p.free[cl], b[:c])
	}
	p.mu.Unlock()
}

func alignedSlice(capacity, size int) []byte {
	raw := make([]byte, capacity+alignment)
	off := 0
	if r := int(uintptr(unsafe.Pointer(&raw[0])) % alignment); r != 0 {
		off = alignment - r
	}
	return raw[off : off+size : off+capacity]
}
