package exec

import (
	"context"
	"fmt"
	"runtime/debug"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/compute"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"
)

// This file holds the plumbing the expression kernels share: operands that
// are either a column or a broadcast constant, validity bitmaps combined in
// bulk, and building arrays straight from value buffers.

// allocator returns the query's allocator, or the Go allocator when the
// context has none.
func allocator(ctx *Context) memory.Allocator {
	if ctx == nil || ctx.Alloc == nil {
		return memory.DefaultAllocator
	}
	return ctx.Alloc
}

// computeCtx returns a context for arrow/compute calls that allocates
// from the query's allocator.
func computeCtx(ctx *Context) context.Context {
	base := context.Background()
	if ctx != nil && ctx.Ctx != nil {
		base = ctx.Ctx
	}
	return compute.WithAllocator(base, allocator(ctx))
}

// operand is one input of a kernel: an array of one value per row, or, when
// bcast is set, an array of length one whose value applies to every row
// (a literal, never materialised per batch).
type operand struct {
	arr   arrow.Array
	bcast bool
}

func (o operand) release() {
	if o.arr != nil {
		o.arr.Release()
	}
}

// isNullConst reports a broadcast NULL: every row of the result is null.
func (o operand) isNullConst() bool { return o.bcast && o.arr.IsNull(0) }

// constantOf returns the one-row array of a literal expression, or nil when
// e is not a literal. The array lives on the Go heap for the life of the
// expression and is never released.
func constantOf(e Expr) arrow.Array {
	v, ok := LiteralValue(e)
	if !ok {
		return nil
	}
	arr, err := scalar.MakeArrayFromScalar(v, 1, memory.DefaultAllocator)
	if err != nil {
		return nil
	}
	return arr
}

// evalOperand evaluates e over batch, or returns konst (a literal's one-row
// array) as a broadcast operand without touching the batch.
func evalOperand(ctx *Context, e Expr, konst arrow.Array, batch arrow.Record) (operand, error) {
	if konst != nil {
		konst.Retain()
		return operand{arr: konst, bcast: true}, nil
	}
	arr, err := e.Eval(ctx, batch)
	if err != nil {
		return operand{}, err
	}
	if arr.Len() != int(batch.NumRows()) {
		n := arr.Len()
		arr.Release()
		return operand{}, fmt.Errorf("%w: %s produced %d values for %d rows", ErrInternal, e, n, batch.NumRows())
	}
	return operand{arr: arr}, nil
}

// newBuffer allocates a buffer of n bytes, zeroed.
func newBuffer(mem memory.Allocator, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n)
	b := buf.Bytes()
	for i := range b {
		b[i] = 0
	}
	return buf
}

// newBufferNoZero allocates a buffer of n bytes that the caller fills
// completely.
func newBufferNoZero(mem memory.Allocator, n int) *memory.Buffer {
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n)
	return buf
}

// makeArray builds an array of type dt and length n from a validity bitmap
// (nil when there are no nulls) and value buffers. It takes over the
// caller's references to the buffers.
func makeArray(dt arrow.DataType, n int, validity *memory.Buffer, nulls int, bufs ...*memory.Buffer) arrow.Array {
	all := make([]*memory.Buffer, 0, 1+len(bufs))
	all = append(all, validity)
	all = append(all, bufs...)
	data := array.NewData(dt, n, all, nil, nulls, 0)
	for _, b := range all {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// combineValidity returns the validity bitmap of a result whose row i is
// null when row i of any operand is null: nil when no operand has nulls.
// allNull is set when a broadcast operand is NULL (the caller then returns
// a column of nulls).
func combineValidity(mem memory.Allocator, n int, ops ...operand) (buf *memory.Buffer, nulls int, allNull bool) {
	var withNulls []arrow.Array
	for _, o := range ops {
		if o.bcast {
			if o.arr.IsNull(0) {
				return nil, n, true
			}
			continue
		}
		if o.arr.NullN() > 0 {
			withNulls = append(withNulls, o.arr)
		}
	}
	if len(withNulls) == 0 {
		return nil, 0, false
	}
	first := withNulls[0]
	buf = newBufferNoZero(mem, int(bitutil.BytesForBits(int64(n))))
	bitutil.CopyBitmap(first.NullBitmapBytes(), first.Data().Offset(), n, buf.Bytes(), 0)
	for _, a := range withNulls[1:] {
		bitutil.BitmapAnd(buf.Bytes(), a.NullBitmapBytes(), 0, int64(a.Data().Offset()), buf.Bytes(), 0, int64(n))
	}
	nulls = n - bitutil.CountSetBits(buf.Bytes(), 0, n)
	return buf, nulls, false
}

// validAt reports whether row i of o is valid (a broadcast operand is
// valid on every row when its constant is).
func (o operand) validAt(i int) bool {
	if o.bcast {
		return o.arr.IsValid(0)
	}
	return o.arr.IsValid(i)
}

// alignedBits returns the bits [offset, offset+n) of bitmap starting at bit
// 0 of the result: the bitmap itself when the offset is byte aligned, a
// copy allocated from mem otherwise (then release is non-nil). A nil
// bitmap (no nulls) comes back as nil.
func alignedBits(mem memory.Allocator, bitmap []byte, offset, n int) (bits []byte, release func()) {
	if bitmap == nil {
		return nil, nil
	}
	if offset%8 == 0 {
		return bitmap[offset/8:], nil
	}
	buf := newBufferNoZero(mem, int(bitutil.BytesForBits(int64(n))))
	bitutil.CopyBitmap(bitmap, offset, n, buf.Bytes(), 0)
	return buf.Bytes(), buf.Release
}

// nullArray returns n nulls of type dt.
func nullArray(mem memory.Allocator, dt arrow.DataType, n int) arrow.Array {
	return array.MakeArrayOfNull(mem, dt, n)
}

// b2u8 converts a bool to 0 or 1 without a branch.
func b2u8(b bool) byte {
	var x byte
	if b {
		x = 1
	}
	return x
}

// firstInvalidRow returns the first row i < n where bad(i) holds and every
// operand is valid, or -1. Kernels flag a failure (overflow, division by
// zero) over all rows in bulk and call this only when something was
// flagged, so a failure hidden under a null is not an error.
func firstInvalidRow(n int, bad func(i int) bool, ops ...operand) int {
	for i := 0; i < n; i++ {
		if !bad(i) {
			continue
		}
		ok := true
		for _, o := range ops {
			if !o.validAt(i) {
				ok = false
				break
			}
		}
		if ok {
			return i
		}
	}
	return -1
}

// oneRowBatch is a record with no columns and one row, for evaluating
// constant expressions at build time.
var oneRowBatch = array.NewRecord(arrow.NewSchema(nil, nil), nil, 1)

// foldConstant evaluates an expression whose inputs are all literals once,
// at build time, and returns the result as a literal. When evaluation fails
// (a cast of a malformed string, say) the expression is returned unchanged
// so the error surfaces, with its row, when the query runs.
func foldConstant(e Expr) Expr {
	arr, err := safeEval(e)
	if err != nil {
		return e
	}
	defer arr.Release()
	if arr.Len() != 1 {
		return e
	}
	s, err := scalar.GetScalar(arr, 0)
	if err != nil {
		return e
	}
	return NewLiteral(s)
}

func safeEval(e Expr) (arr arrow.Array, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: folding %s panicked: %v\n%s", ErrInternal, e, p, debug.Stack())
		}
	}()
	ctx := NewContext(nil, memory.DefaultAllocator)
	return e.Eval(ctx, oneRowBatch)
}

// newValues allocates an uninitialised buffer of n values of type T and
// returns it with a typed view of its bytes.
func newValues[T any](mem memory.Allocator, n int) (*memory.Buffer, []T) {
	var zero T
	buf := newBufferNoZero(mem, n*int(unsafe.Sizeof(zero)))
	if n == 0 {
		return buf, nil
	}
	return buf, unsafe.Slice((*T)(unsafe.Pointer(&buf.Bytes()[0])), n)
}

// values returns the fixed-width values of arr as a []T, offset applied.
// T must match the array's physical layout (int32 for date32, int64 for
// timestamp, num for decimal128).
func values[T any](arr arrow.Array) []T {
	n := arr.Len()
	if n == 0 {
		return nil
	}
	data := arr.Data()
	b := data.Buffers()[1].Bytes()
	off := data.Offset()
	return unsafe.Slice((*T)(unsafe.Pointer(&b[0])), off+n)[off:]
}

// fixedArray builds an array of type dt from typed values and a validity
// bitmap (taking over both references).
func fixedArray(dt arrow.DataType, n int, validity *memory.Buffer, nulls int, vals *memory.Buffer) arrow.Array {
	return makeArray(dt, n, validity, nulls, vals)
}

// copyValidity returns a copy of arr's validity bitmap starting at bit 0,
// or nil when arr has no nulls.
func copyValidity(mem memory.Allocator, arr arrow.Array) (*memory.Buffer, int) {
	buf, nulls, _ := combineValidity(mem, arr.Len(), operand{arr: arr})
	return buf, nulls
}

// countBits counts the set bits among the first n of bitmap.
func countBits(bitmap []byte, n int) int { return bitutil.CountSetBits(bitmap, 0, n) }
