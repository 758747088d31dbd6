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
	ncols := len(schema.Fields())
	cols := make([]arrow.Array, ncols)
	src := make([]arrow.Array, len(chunks))
	for c := 0; c < ncols; c++ {
		for i, ch := range chunks {
			src[i] = ch.Column(c)
		}
		col, err := pickRows(mem, src, refs)
		if err != nil {
			releaseArrays(cols[:c])
			return nil, fmt.Errorf("column %s: %w", schema.Field(c).Name, err)
		}
		cols[c] = col
	}
	rec := array.NewRecord(schema, cols, int64(len(refs)))
	releaseArrays(cols)
	return rec, nil
}

// pickRows copies the rows refs address in chunks (arrays of one type) into
// a new array allocated from mem.
func pickRows(mem memory.Allocator, chunks []arrow.Array, refs []pickRef) (arrow.Array, error) {
	if len(chunks) == 0 {
		return nil, fmt.Errorf("%w: pickRows without input arrays", ErrInternal)
	}
	dt := chunks[0].DataType()
	n := len(refs)
	switch dt.ID() {
	case arrow.BOOL:
		return pickBuild(mem, dt, chunks, refs, func() ([]*memory.Buffer, error) {
			buf := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
			out := buf.Bytes()
			bitsOf := make([][]byte, len(chunks))
			offs := make([]int, len(chunks))
			for i, ch := range chunks {
				if b := ch.Data().Buffers()[1]; b != nil {
					bitsOf[i] = b.Bytes()
				}
				offs[i] = ch.Data().Offset()
			}
			for i, r := range refs {
				c := r >> 32
				if bitutil.BitIsSet(bitsOf[c], offs[c]+int(uint32(r))) {
					bitutil.SetBit(out, i)
				}
			}
			return []*memory.Buffer{buf}, nil
		})
	case arrow.STRING, arrow.BINARY:
		return pickBuild(mem, dt, chunks, refs, func() ([]*memory.Buffer, error) {
			return pickVarBinary[int32](mem, chunks, refs, math.MaxInt32)
		})
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		return pickBuild(mem, dt, chunks, refs, func() ([]*memory.Buffer, error) {
			return pickVarBinary[int64](mem, chunks, refs, math.MaxInt64)
		})
	case arrow.DICTIONARY, arrow.EXTENSION, arrow.NULL:
		return pickFallback(mem, chunks, refs)
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok {
		return pickFallback(mem, chunks, refs)
	}
	var pick func(mem memory.Allocator, chunks []arrow.Array, refs []pickRef) *memory.Buffer
	switch fw.BitWidth() {
	case 8:
		pick = pickFixed[uint8]
	case 16:
		pick = pickFixed[uint16]
	case 32:
		pick = pickFixed[uint32]
	case 64:
		pick = pickFixed[uint64]
	case 128:
		pick = pickFixed[[2]uint64]
	case 256:
		pick = pickFixed[[4]uint64]
	default:
		return pickFallback(mem, chunks, refs)
	}
	return pickBuild(mem, dt, chunks, refs, func() ([]*memory.Buffer, error) {
		return []*memory.Buffer{pick(mem, chunks, refs)}, nil
	})
}

// pickBuild assembles the result array from a validity bitmap it builds
// itself and the value buffers values returns.
func pickBuild(mem memory.Allocator, dt arrow.DataType, chunks []arrow.Array, refs []pickRef, values func() ([]*memory.Buffer, error)) (arrow.Array, error) {
	validity, nulls := pickValidity(mem, chunks, refs)
	vals, err := values()
	if err != nil {
		if validity != nil {
			validity.Release()
		}
		return nil, err
	}
	buffers := append([]*memory.Buffer{validity}, vals...)
	data := array.NewData(dt, len(refs), buffers, nil, nulls, 0)
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	arr := array.MakeFromData(data)
	data.Release()
	return arr, nil
}

// pickValidity builds the validity bitmap of the picked rows, or returns
// nil when no input chunk has a null.
func pickValidity(mem memory.Allocator, chunks []arrow.Array, refs []pickRef) (*memory.Buffer, int) {
	anyNulls := false
	for _, ch := range chunks {
		if ch.NullN() > 0 {
			anyNulls = true
			break
		}
	}
	if !anyNulls {
		return nil, 0
	}
	n := len(refs)
	buf := newBuffer(mem, int(bitutil.BytesForBits(int64(n))))
	out := buf.Bytes()
	bitsOf := make([][]byte, len(chunks))
	offs := make([]int, len(chunks))
	for i, ch := range chunks {
		if ch.NullN() > 0 {
			bitsOf[i] = ch.Data().Buffers()[0].Bytes()
		}
		offs[i] = ch.Data().Offset()
	}
	nulls := 0
	for i, r := range refs {
		c := r >> 32
		if b := bitsOf[c]; b == nil || bitutil.BitIsSet(b, offs[c]+int(uint32(r))) {
			bitutil.SetBit(out, i)
		} else {
			nulls++
		}
	}
	return buf, nulls
}

// pickFixed copies fixed-width values of T bytes each.
func pickFixed[T any](mem memory.Allocator, chunks []arrow.Array, refs []pickRef) *memory.Buffer {
	var zero T
	width := int(unsafe.Sizeof(zero))
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(refs) * width)
	dst := castBytes[T](buf.Bytes())[:len(refs)]
	if len(chunks) == 1 {
		src := fixedValues[T](chunks[0])
		for i, r := range refs {
			dst[i] = src[uint32(r)]
		}
		return buf
	}
	srcs := make([][]T, len(chunks))
	for i, ch := range chunks {
		srcs[i] = fixedValues[T](ch)
	}
	for i, r := range refs {
		dst[i] = srcs[r>>32][uint32(r)]
	}
	return buf
}

// pickVarBinary copies string or binary values with offsets of type O.
func pickVarBinary[O int32 | int64](mem memory.Allocator, chunks []arrow.Array, refs []pickRef, maxLen int64) ([]*memory.Buffer, error) {
	offsOf := make([][]O, len(chunks))
	dataOf := make([][]byte, len(chunks))
	for i, ch := range chunks {
		d := ch.Data()
		if d.Len() == 0 || d.Buffers()[1] == nil {
			continue
		}
		offsOf[i] = arrow.GetOffsets[O](d, 1)
		if d.Buffers()[2] != nil {
			dataOf[i] = d.Buffers()[2].Bytes()
		}
	}
	var total int64
	for _, r := range refs {
		o := offsOf[r>>32]
		row := uint32(r)
		total += int64(o[row+1] - o[row])
	}
	if total > maxLen {
		return nil, fmt.Errorf("%w: %s of string data do not fit one array", ErrExec, FormatBytes(total))
	}
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((len(refs) + 1) * int(unsafe.Sizeof(O(0))))
	dstOffs := castBytes[O](offBuf.Bytes())[:len(refs)+1]
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(int(total))
	dst := dataBuf.Bytes()
	pos := O(0)
	for i, r := range refs {
		c := r >> 32
		o := offsOf[c]
		row := uint32(r)
		dstOffs[i] = pos
		pos += O(copy(dst[pos:], dataOf[c][o[row]:o[row+1]]))
	}
	dstOffs[len(refs)] = pos
	return []*memory.Buffer{offBuf, dataBuf}, nil
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



