package exec

import (
	"sync"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

// recycler is an allocator for the scratch arrays an operator evaluates
// and frees within one batch (a filter's mask, an aggregate's arguments):
// a freed buffer is kept and handed out again for the next request of the
// same size, so a steady stream of equal batches stops allocating after
// the first one and the garbage collector stops running for them.
// Recycled memory is zeroed before reuse, as a fresh allocation is.
//
// Arrays allocated from it must not outlive the operator: release hands
// every kept buffer back to the parent allocator, so a checked allocator
// still balances.
type recycler struct {
	parent memory.Allocator
	mu     sync.Mutex
	free   map[int][][]byte // by length
	kept   int              // bytes held in free
}

// recyclerMaxKept bounds the bytes a recycler keeps.
const recyclerMaxKept = 8 << 20

var _ memory.Allocator = (*recycler)(nil)

func newRecycler(parent memory.Allocator) *recycler {
	if parent == nil {
		parent = memory.DefaultAllocator
	}
	return &recycler{parent: parent, free: map[int][][]byte{}}
}

func (r *recycler) Allocate(size int) []byte {
	r.mu.Lock()
	if l := r.free[size]; len(l) > 0 {
		b := l[len(l)-1]
		r.free[size] = l[:len(l)-1]
		r.kept -= size
		r.mu.Unlock()
		clear(b)
		return b
	}
	r.mu.Unlock()
	return r.parent.Allocate(size)
}

func (r *recycler) Reallocate(size int, b []byte) []byte {
	return r.parent.Reallocate(size, b)
}

func (r *recycler) Free(b []byte) {
	r.mu.Lock()
	if r.free != nil && r.kept+len(b) <= recyclerMaxKept {
		r.free[len(b)] = append(r.free[len(b)], b)
		r.kept += len(b)
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	r.parent.Free(b)
}

// release returns every kept buffer to the parent; buffers freed later go
// straight to the parent too.
func (r *recycler) release() {
	r.mu.Lock()
	free := r.free
	r.free, r.kept = nil, 0
	r.mu.Unlock()
	for _, l := range free {
		for _, b := range l {
			r.parent.Free(b)
		}
	}
}

// scratchContext returns a copy of ctx whose allocator is r.
func scratchContext(ctx *Context, r *recycler) *Context {
	c := *ctx
	c.Alloc = r
	return &c
}
