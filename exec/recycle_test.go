package exec

import (
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"
)

func TestRecyclerReusesZeroedBuffersAndBalances(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := newRecycler(mem)
	b := r.Allocate(256)
	for i := range b {
		b[i] = 0xff
	}
	r.Free(b)
	if got := mem.CurrentAlloc(); got != 256 {
		t.Fatalf("a freed buffer should stay with the recycler: parent holds %d bytes, want 256", got)
	}
	c := r.Allocate(256)
	if &c[0] != &b[0] {
		t.Fatal("a buffer of the same size was not reused")
	}
	for i, v := range c {
		if v != 0 {
			t.Fatalf("recycled byte %d is %#x, want 0", i, v)
		}
	}
	d := r.Allocate(64) // another size: from the parent
	r.Free(c)
	r.Free(d)
	r.release()
	if got := mem.CurrentAlloc(); got != 0 {
		t.Fatalf("after release the parent still holds %d bytes", got)
	}
	// After release, frees go straight to the parent.
	e := r.Allocate(128)
	r.Free(e)
	if got := mem.CurrentAlloc(); got != 0 {
		t.Fatalf("a free after release kept %d bytes", got)
	}
}

func TestRecyclerKeepsAtMostItsBound(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := newRecycler(mem)
	var bufs [][]byte
	for range 3 {
		bufs = append(bufs, r.Allocate(recyclerMaxKept/2))
	}
	for _, b := range bufs {
		r.Free(b)
	}
	if got := mem.CurrentAlloc(); got > recyclerMaxKept {
		t.Fatalf("recycler keeps %d bytes, bound %d", got, recyclerMaxKept)
	}
	r.release()
}
