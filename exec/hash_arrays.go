package exec

// Low-level column helpers shared by the hash table, the aggregate
// accumulators and the joins: raw typed views of Arrow buffers, building
// arrays from Go slices, and a take that turns index -1 into a null. They
// work on whole columns so the hot loops stay free of interface calls.

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// castBytes reinterprets b as a slice of T (b must hold whole elements).
func castBytes[T any](b []byte) []T {
	var zero T
	sz := int(unsafe.Sizeof(zero))
	if len(b) < sz {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/sz)
}

// asBytes reinterprets a slice of T as its bytes.
func asBytes[T any](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(zero)))
}

// fixedValues returns the values of a fixed-width array as a []T of
// arr.Len() elements, honouring the array's offset. T must have the
// type's byte width.
func fixedValues[T any](arr arrow.Array) []T {
	d := arr.Data()
	if d.Len() == 0 {
		return nil
	}
	bufs := d.Buffers()
	if len(bufs) < 2 || bufs[1] == nil {
		return nil
	}
	all := castBytes[T](bufs[1].Bytes())
	return all[d.Offset() : d.Offset()+d.Len()]
}

// validityOf returns the validity bitmap of arr and the bit offset of its
// first row, or a nil bitmap when arr has no nulls.
func validityOf(arr arrow.Array) ([]byte, int) {
	if arr.NullN() == 0 {
		return nil, 0
	}
	bufs := arr.Data().Buffers()
	if bufs[0] == nil {
		return nil, 0
	}
	return bufs[0].Bytes(), arr.Data().Offset()
}

// validityBuffer builds a validity bitmap from valid (nil or all true: no
// bitmap) and reports the null count.
func validityBuffer(alloc memory.Allocator, valid []bool) (*memory.Buffer, int) {
	if valid == nil {
		return nil, 0
	}
	nulls := 0
	for _, v := range valid {
		if !v {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(valid)))))
	bm := buf.Bytes()
	for i := range bm {
		bm[i] = 0
	}
	for i, v := range valid {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	return buf, nulls
}

// newFixedArray builds an array of type dt (whose byte width is T's) from
// vals; valid marks the non-null rows (nil: all valid).
func newFixedArray[T any](alloc memory.Allocator, dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	vb := newBuffer(alloc, len(asBytes(vals)))
	copy(vb.Bytes(), asBytes(vals))
	nb, nulls := validityBuffer(alloc, valid)
	data := array.NewData(dt, len(vals), []*memory.Buffer{nb, vb}, nil, nulls, 0)
	releaseBuffers(nb, vb)
	defer data.Release()
	return array.MakeFromData(data)
}

// newBoolArray builds a boolean array from vals and valid (nil: all valid).
func newBoolArray(alloc memory.Allocator, vals []bool, valid []bool) arrow.Array {
	vb := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(vals)))))
	bm := vb.Bytes()
	for i := range bm {
		bm[i] = 0
	}
	for i, v := range vals {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	nb, nulls := validityBuffer(alloc, valid)
	data := array.NewData(arrow.FixedWidthTypes.Boolean, len(vals), []*memory.Buffer{nb, vb}, nil, nulls, 0)
	releaseBuffers(nb, vb)
	defer data.Release()
	return array.MakeFromData(data)
}

// newStringArray builds a utf8 array of n values whose bytes are
// data[offs[i]:offs[i+1]].
func newStringArray(alloc memory.Allocator, dt arrow.DataType, data []byte, offs []int, valid []bool) (arrow.Array, error) {
	n := len(offs) - 1
	if offs[n] > 1<<31-1 {
		return nil, fmt.Errorf("%w: %s column of %s exceeds the 2 GiB limit of one array", ErrExec, dt, FormatBytes(int64(offs[n])))
	}
	ob := newBuffer(alloc, 4*(n+1))
	o32 := castBytes[int32](ob.Bytes())
	for i, o := range offs {
		o32[i] = int32(o)
	}
	db := newBuffer(alloc, offs[n])
	copy(db.Bytes(), data[:offs[n]])
	nb, nulls := validityBuffer(alloc, valid)
	d := array.NewData(dt, n, []*memory.Buffer{nb, ob, db}, nil, nulls, 0)
	releaseBuffers(nb, ob, db)
	defer d.Release()
	return array.MakeFromData(d), nil
}

func releaseBuffers(bufs ...*memory.Buffer) {
	for _, b := range bufs {
		if b != nil {
			b.Release()
		}
	}
}

// takeNullable gathers arr[idx[k]] for every k into a new array; an index
// of -1 produces a null. It is the join's output kernel.
func takeNullable(alloc memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	switch a := arr.(type) {
	case *array.Boolean:
		return takeBool(alloc, a, idx), nil
	case *array.String:
		return takeString(alloc, a, idx)
	}
	fw, ok := arr.DataType().(arrow.FixedWidthDataType)
	if !ok || fw.BitWidth()%8 != 0 {
		return nil, fmt.Errorf("%w: a join cannot carry a column of type %s", ErrType, arr.DataType())
	}
	switch fw.BitWidth() {
	case 8:
		return takeFixed[uint8](alloc, arr, idx), nil
	case 16:
		return takeFixed[uint16](alloc, arr, idx), nil
	case 32:
		return takeFixed[uint32](alloc, arr, idx), nil
	case 64:
		return takeFixed[uint64](alloc, arr, idx), nil
	case 128:
		return takeFixed[[2]uint64](alloc, arr, idx), nil
	case 256:
		return takeFixed[[4]uint64](alloc, arr, idx), nil
	}
	return nil, fmt.Errorf("%w: a join cannot carry a column of type %s", ErrType, arr.DataType())
}

// takeSupported reports whether takeNullable can gather columns of dt.
func takeSupported(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.BOOL, arrow.STRING:
		return true
	}
	fw, ok := dt.(arrow.FixedWidthDataType)
	if !ok {
		return false
	}
	switch fw.BitWidth() {
	case 8, 16, 32, 64, 128, 256:
		return true
	}
	return false
}

// takeValidity computes the output validity of a take: row k is valid when
// idx[k] >= 0 and the source row is valid.
func takeValidity(alloc memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, int) {
	bm, off := validityOf(arr)
	nulls := 0
	for _, i := range idx {
		if i < 0 || (bm != nil && !bitutil.BitIsSet(bm, off+int(i))) {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(idx)))))
	out := buf.Bytes()
	for k, i := range idx {
		if i >= 0 && (bm == nil || bitutil.BitIsSet(bm, off+int(i))) {
			bitutil.SetBit(out, k)
		}
	}
	return buf, nulls
}

func takeFixed[T any](alloc memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	src := fixedValues[T](arr)
	var zero T
	vb := newBufferNoZero(alloc, len(idx)*int(unsafe.Sizeof(zero))) // every value is written
	dst := castBytes[T](vb.Bytes())
	for k, i := range idx {
		if i >= 0 {
			dst[k] = src[i]
		} else {
			dst[k] = zero
		}
	}
	nb, nulls := takeValidity(alloc, arr, idx)
	data := array.NewData(arr.DataType(), len(idx), []*memory.Buffer{nb, vb}, nil, nulls, 0)
	releaseBuffers(nb, vb)
	defer data.Release()
	return array.MakeFromData(data)
}

func takeBool(alloc memory.Allocator, a *array.Boolean, idx []int32) arrow.Array {
	vb := newBuffer(alloc, int(bitutil.BytesForBits(int64(len(idx)))))
	out := vb.Bytes()
	for i := range out {
		out[i] = 0
	}
	for k, i := range idx {
		if i >= 0 && a.Value(int(i)) {
			bitutil.SetBit(out, k)
		}
	}
	nb, nulls := takeValidity(alloc, a, idx)
	data := array.NewData(a.DataType(), len(idx), []*memory.Buffer{nb, vb}, nil, nulls, 0)
	releaseBuffers(nb, vb)
	defer data.Release()
	return array.MakeFromData(data)
}

func takeString(alloc memory.Allocator, a *array.String, idx []int32) (arrow.Array, error) {
	offs := a.ValueOffsets()
	total := 0
	for _, i := range idx {
		if i >= 0 {
			total += int(offs[i+1] - offs[i])
		}
	}
	if total > 1<<31-1 {
		return nil, fmt.Errorf("%w: joined utf8 column of %s exceeds the 2 GiB limit of one array", ErrExec, FormatBytes(int64(total)))
	}
	var raw []byte
	if bufs := a.Data().Buffers(); len(bufs) > 2 && bufs[2] != nil {
		raw = bufs[2].Bytes()
	}
	// Every offset and every data byte is written below.
	ob := newBufferNoZero(alloc, 4*(len(idx)+1))
	o32 := castBytes[int32](ob.Bytes())
	db := newBufferNoZero(alloc, total)
	data := db.Bytes()
	pos := int32(0)
	o32[0] = 0
	for k, i := range idx {
		if i >= 0 {
			pos += int32(copy(data[pos:], raw[offs[i]:offs[i+1]]))
		}
		o32[k+1] = pos
	}
	nb, nulls := takeValidity(alloc, a, idx)
	d := array.NewData(a.DataType(), len(idx), []*memory.Buffer{nb, ob, db}, nil, nulls, 0)
	releaseBuffers(nb, ob, db)
	defer d.Release()
	return array.MakeFromData(d), nil
}

// arrayBytes is the memory an array's buffers occupy.
func arrayBytes(arr arrow.Array) int64 {
	if arr == nil {
		return 0
	}
	return dataBytes(arr.Data())
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	return n
}

// recordBytes is the memory a record's columns occupy.
func recordBytes(r arrow.Record) int64 {
	var n int64
	for _, c := range r.Columns() {
		n += arrayBytes(c)
	}
	return n
}
