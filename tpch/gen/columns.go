package gen

import (
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
)

// Columns are filled as plain Go slices and wrapped as Arrow arrays
// without copying (no per-value builder calls, no validity bitmaps: TPC-H
// has no nulls). The arrays' memory belongs to the Go heap; Release is
// harmless and the garbage collector frees it.

func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

func fixedArray[T any](dt arrow.DataType, v []T) arrow.Array {
	d := array.NewData(dt, len(v), []*memory.Buffer{nil, memory.NewBufferBytes(bytesOf(v))}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

func int64Array(v []int64) arrow.Array { return fixedArray(arrow.PrimitiveTypes.Int64, v) }
func int32Array(v []int32) arrow.Array { return fixedArray(arrow.PrimitiveTypes.Int32, v) }
func dateArray(v []int32) arrow.Array  { return fixedArray(arrow.FixedWidthTypes.Date32, v) }

// money is decimal(15,2): TPC-H's money and quantity type.
var money = &arrow.Decimal128Type{Precision: 15, Scale: 2}

// decimalArray turns values in cents into decimal(15,2).
func decimalArray(cents []int64) arrow.Array {
	v := make([]decimal128.Num, len(cents))
	for i, c := range cents {
		v[i] = decimal128.FromI64(c)
	}
	return fixedArray(money, v)
}

// strCol accumulates a utf8 column.
type strCol struct {
	offs []int32
	data []byte
}

func newStrCol(rows, avgLen int) strCol {
	c := strCol{offs: make([]int32, 1, rows+1), data: make([]byte, 0, rows*avgLen)}
	return c
}

func (c *strCol) add(b []byte) {
	c.data = append(c.data, b...)
	c.offs = append(c.offs, int32(len(c.data)))
}

func (c *strCol) addString(s string) {
	c.data = append(c.data, s...)
	c.offs = append(c.offs, int32(len(c.data)))
}

// end closes a value appended directly to c.data.
func (c *strCol) end() { c.offs = append(c.offs, int32(len(c.data))) }

func (c *strCol) array() arrow.Array {
	d := array.NewData(arrow.BinaryTypes.String, len(c.offs)-1, []*memory.Buffer{
		nil, memory.NewBufferBytes(bytesOf(c.offs)), memory.NewBufferBytes(c.data),
	}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

// dictCol is a utf8 column of values from a small fixed list, stored as
// indexes until the array is built.
type dictCol struct {
	words []string
	idx   []uint8
}

func (c *dictCol) array() arrow.Array {
	n := 0
	for _, i := range c.idx {
		n += len(c.words[i])
	}
	s := strCol{offs: make([]int32, 1, len(c.idx)+1), data: make([]byte, 0, n)}
	for _, i := range c.idx {
		s.addString(c.words[i])
	}
	return s.array()
}

func record(schema *arrow.Schema, cols ...arrow.Array) arrow.Record {
	rows := int64(0)
	if len(cols) > 0 {
		rows = int64(cols[0].Len())
	}
	rec := array.NewRecord(schema, cols, rows)
	for _, c := range cols {
		c.Release()
	}
	return rec
}
