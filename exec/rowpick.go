package exec

import (
	"context"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/compute"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// This file holds the row-selection kernel shared by filter, sort, top-N
// and distinct: copy chosen rows of one or more arrays into a new array.
// Rows are addressed by a pickRef, chunk<<32 | row, so the same typed loops
// serve a filter (one chunk) and a sort gathering from many buffered
// batches. The loops work on the raw value buffers; arrow's compute.Take
// is the fallback for nested and other rarely sorted types.

// pickRef addresses row uint32(r) of chunk r>>32.
type pickRef = uint64

func makePickRef(chunk, row int) pickRef { return pickRef(chunk)<<32 | pickRef(uint32(row)) }

// pickRecordRows returns a record of schema holding, for every column, the
// rows refs address in chunks (each chunk a record of that schema).
func pickRecordRows(mem memory.Allocator, schema *arrow.Schema, chunks []arrow.Record, refs []pickRef) (arrow.Record, error) {
	return newRecordPicker(schema, chunks).pick(mem, refs)
}

// recordPicker copies rows out of a fixed set of records. Building it
// costs a pass over the chunks; each pick then costs only the rows it
// copies, which matters to a sort emitting many batches from many chunks.
type recordPicker struct {
	schema *arrow.Schema
	cols   []columnPicker
}

func newRecordPicker(schema *arrow.Schema, chunks []arrow.Record) *recordPicker {
	p := &recordPicker{schema: schema, cols: make([]columnPicker, len(schema.Fields()))}
	src := make([]arrow.Array, len(chunks))
	for c := range p.cols {
		for i, ch := range chunks {
			src[i] = ch.Column(c)
		}
		p.cols[c] = newColumnPicker(schema.Field(c).Type, src)
	}
	return p
}

func (p *recordPicker) pick(mem memory.Allocator, refs []pickRef) (arrow.Record, error) {
	cols := make([]arrow.Array, len(p.cols))
	for c, cp := range p.cols {
		col, err := cp.pick(mem, refs)
		if err != nil {
			releaseArrays(cols[:c])
			return nil, fmt.Errorf("column %s: %w", p.schema.Field(c).Name, err)
		}
		cols[c] = col
	}
	rec := array.NewRecord(p.schema, cols, int64(len(refs)))
	releaseArrays(cols)
	return rec, nil
}

// pickRows copies the rows refs address in chunks (arrays of one type) into
// a new array allocated from mem.
func pickRows(mem memory.Allocator, chunks []arrow.Array, refs []pickRef) (arrow.Array, error) {
	if len(chunks) == 0 {
		return nil, fmt.Errorf("%w: pickRows without input arrays", ErrInternal)
	}
	return newColumnPicker(chunks[0].DataType(), chunks).pick(mem, refs)
}

// columnPicker copies addressed rows of one column's chunks.
type columnPicker interface {
	pick(mem memory.Allocator, refs []pickRef) (arrow.Array, error)
}

// newColumnPicker returns the typed picker for chunks of type dt. It keeps
// views of the chunks' buffers, not references: the chunks must outlive it.
func newColumnPicker(dt arrow.DataType, chunks []arrow.Array) columnPicker {
	v := newValidityPicker(chunks)
	switch dt.ID() {
	case arrow.BOOL:
		return &boolPicker{dt: dt, v: v, bits: bufferViews(chunks, 1), offs: v.offs}
	case arrow.STRING, arrow.BINARY:
		return newVarPicker[int32](dt, v, chunks, math.MaxInt32)
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return newVarPicker[int64](dt, v, chunks, math.MaxInt64)
	case arrow.DICTIONARY, arrow.EXTENSION, arrow.NULL:
		return &fallbackPicker{chunks: chunks}
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok {
		return &fallbackPicker{chunks: chunks}
	}
	switch fw.BitWidth() {
	case 8:
		return newFixedPicker[uint8](dt, v, chunks)
	case 16:
		return newFixedPicker[uint16](dt, v, chunks)
	case 32:
		return newFixedPicker[uint32](dt, v, chunks)
	case 64:
		return newFixedPicker[uint64](dt, v, chunks)
	case 128:
		return newFixedPicker[[2]uint64](dt, v, chunks)
	case 256:
		return newFixedPicker[[4]uint64](dt, v, chunks)
	}
	return &fallbackPicker{chunks: chunks}
}

// bufferViews returns buffer i of every chunk (nil where absent).
func bufferViews(chunks []arrow.Array, i int) [][]byte {
	out := make([][]byte, len(chunks))
	for c, ch := range chunks {
		if b := ch.Data().Buffers()[i]; b != nil {
			out[c] = b.Bytes()
		}
	}
	return out
}

// validityPicker builds the validity bitmap of picked rows.
type validityPicker struct {
	anyNulls bool
	bits     [][]byte // nil for a chunk without nulls
	offs     []int
}

func newValidityPicker(chunks []arrow.Array) *validityPicker {
	v := &validityPicker{bits: make([][]byte, len(chunks)), offs: make([]int, len(chunks))}
	for i, ch := range chunks {
		v.offs[i] = ch.Data().Offset()
		if ch.NullN() > 0 {
			v.anyNulls = true
			v.bits[i] = ch.Data().Buffers()[0].Bytes()
		}
	}
	return v
}

// pick returns the validity buffer of the picked rows, or nil when none
// is null.
func (v *validityPicker) pick(mem memory.Allocator, refs []pickRef) (*memory.Buffer, int) {
	if !v.anyNulls {
		return nil, 0
	}
	buf := newBuffer(mem, int(bitutil.BytesForBits(int64(len(refs)))))
	out := buf.Bytes()
	nulls := 0
	for i, r := range refs {
		c := r >> 32
		if b := v.bits[c]; b == nil || bitutil.BitIsSet(b, v.offs[c]+int(uint32(r))) {
			bitutil.SetBit(out, i)
		} else {
			nulls++
		}
	}
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

// assemble makes the result array from the validity and value buffers,
// taking over the caller's references to them.
func assemble(dt arrow.DataType, n int, validity *memory.Buffer, nulls int, values ...*memory.Buffer) arrow.Array {
	buffers := append([]*memory.Buffer{validity}, values...)
	data := array.NewData(dt, n, buffers, nil, nulls, 0)
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	arr := array.MakeFromData(data)
	data.Release()
	return arr
}

type boolPicker struct {
	dt   arrow.DataType
	v    *validityPicker
	bits [][]byte
	offs []int
}

func (p *boolPicker) pick(mem memory.Allocator, refs []pickRef) (arrow.Array, error) {
	validity, nulls := p.v.pick(mem, refs)
	buf := newBuffer(mem, int(bitutil.BytesForBits(int64(len(refs)))))
	out := buf.Bytes()
	for i, r := range refs {
		c := r >> 32
		if bitutil.BitIsSet(p.bits[c], p.offs[c]+int(uint32(r))) {
			bitutil.SetBit(out, i)
		}
	}
	return assemble(p.dt, len(refs), validity, nulls, buf), nil
}

// fixedPicker copies fixed-width values of T's size.
type fixedPicker[T any] struct {
	dt   arrow.DataType
	v    *validityPicker
	srcs [][]T
}

func newFixedPicker[T any](dt arrow.DataType, v *validityPicker, chunks []arrow.Array) *fixedPicker[T] {
	p := &fixedPicker[T]{dt: dt, v: v, srcs: make([][]T, len(chunks))}
	for i, ch := range chunks {
		p.srcs[i] = fixedValues[T](ch)
	}
	return p
}

func (p *fixedPicker[T]) pick(mem memory.Allocator, refs []pickRef) (arrow.Array, error) {
	validity, nulls := p.v.pick(mem, refs)
	var zero T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(refs) * int(unsafe.Sizeof(zero)))
	dst := castBytes[T](buf.Bytes())[:len(refs)]
	if len(p.srcs) == 1 {
		src := p.srcs[0]
		for i, r := range refs {
			dst[i] = src[uint32(r)]
		}
	} else {
		for i, r := range refs {
			dst[i] = p.srcs[r>>32][uint32(r)]
		}
	}
	return assemble(p.dt, len(refs), validity, nulls, buf), nil
}

// varPicker copies string or binary values with offsets of type O.
type varPicker[O int32 | int64] struct {
	dt     arrow.DataType
	v      *validityPicker
	offsOf [][]O
	dataOf [][]byte
	maxLen int64
}

func newVarPicker[O int32 | int64](dt arrow.DataType, v *validityPicker, chunks []arrow.Array, maxLen int64) *varPicker[O] {
	p := &varPicker[O]{dt: dt, v: v, offsOf: make([][]O, len(chunks)), dataOf: make([][]byte, len(chunks)), maxLen: maxLen}
	for i, ch := range chunks {
		d := ch.Data()
		if d.Len() == 0 || d.Buffers()[1] == nil {
			continue
		}
		p.offsOf[i] = arrow.GetOffsets[O](d, 1)
		if d.Buffers()[2] != nil {
			p.dataOf[i] = d.Buffers()[2].Bytes()
		}
	}
	return p
}

func (p *varPicker[O]) pick(mem memory.Allocator, refs []pickRef) (arrow.Array, error) {
	var total int64
	for _, r := range refs {
		o := p.offsOf[r>>32]
		row := uint32(r)
		total += int64(o[row+1] - o[row])
	}
	if total > p.maxLen {
		return nil, fmt.Errorf("%w: %s of string data do not fit one array", ErrExec, FormatBytes(total))
	}
	validity, nulls := p.v.pick(mem, refs)
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((len(refs) + 1) * int(unsafe.Sizeof(O(0))))
	dstOffs := castBytes[O](offBuf.Bytes())[:len(refs)+1]
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(int(total))
	dst := dataBuf.Bytes()
	pos := O(0)
	for i, r := range refs {
		c := r >> 32
		o := p.offsOf[c]
		row := uint32(r)
		dstOffs[i] = pos
		pos += O(copy(dst[pos:], p.dataOf[c][o[row]:o[row+1]]))
	}
	dstOffs[len(refs)] = pos
	return assemble(p.dt, len(refs), validity, nulls, offBuf, dataBuf), nil
}

type fallbackPicker struct {
	chunks []arrow.Array
}

func (p *fallbackPicker) pick(mem memory.Allocator, refs []pickRef) (arrow.Array, error) {
	return pickFallback(mem, p.chunks, refs)
}

// pickFallback uses arrow's take kernel, for the types without a loop here.
func pickFallback(mem memory.Allocator, chunks []arrow.Array, refs []pickRef) (arrow.Array, error) {
	ctx := compute.WithAllocator(context.Background(), mem)
	var values arrow.Array
	if len(chunks) == 1 {
		values = chunks[0]
		values.Retain()
	} else {
		var err error
		values, err = array.Concatenate(chunks, mem)
		if err != nil {
			return nil, fmt.Errorf("%w: gathering rows of %s: %v", ErrExec, chunks[0].DataType(), err)
		}
	}
	defer values.Release()
	starts := make([]int64, len(chunks))
	var s int64
	for i, ch := range chunks {
		starts[i] = s
		s += int64(ch.Len())
	}
	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.Reserve(len(refs))
	for _, r := range refs {
		ib.UnsafeAppend(starts[r>>32] + int64(uint32(r)))
	}
	idx := ib.NewArray()
	defer idx.Release()
	out, err := compute.TakeArray(ctx, values, idx)
	if err != nil {
		return nil, fmt.Errorf("%w: gathering rows of %s: %v", ErrExec, chunks[0].DataType(), err)
	}
	return out, nil
}

func releaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}
