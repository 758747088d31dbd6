package exec_test

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
)

// TestRangeProperty checks `x op1 c1 AND x op2 c2` over one column, which
// runs as a single range test, against its two comparisons evaluated
// apart and combined with SQL's three-valued AND, for every pair of bound
// operators, constants at the types' extremes, NULLs and sliced arrays.
func TestRangeProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(11))
	dec := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	types := []arrow.DataType{arrow.PrimitiveTypes.Int32, arrow.FixedWidthTypes.Date32, arrow.PrimitiveTypes.Int64, dec}
	lowers := []exec.BinaryOp{exec.OpGt, exec.OpGtEq}
	uppers := []exec.BinaryOp{exec.OpLt, exec.OpLtEq}
	for iter := 0; iter < 400; iter++ {
		dt := types[iter%len(types)]
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		const n = 70
		b := array.NewBuilder(mem, dt)
		for i := 0; i < n; i++ {
			if rng.Intn(9) == 0 {
				b.AppendNull()
				continue
			}
			v := int64(rng.Intn(41) - 20)
			switch b := b.(type) {
			case *array.Int32Builder:
				b.Append(int32(v))
			case *array.Date32Builder:
				b.Append(arrow.Date32(v))
			case *array.Int64Builder:
				b.Append(v)
			case *array.Decimal128Builder:
				b.Append(decimal128.FromI64(v))
			}
		}
		col := b.NewArray()
		b.Release()
		schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: dt, Nullable: true}}, nil)
		rec := array.NewRecord(schema, []arrow.Array{col}, int64(n))
		col.Release()
		constant := func() (scalar.Scalar, int64) {
			c := int64(rng.Intn(45) - 22)
			if rng.Intn(10) == 0 {
				c = [...]int64{math.MinInt32, math.MaxInt32}[rng.Intn(2)]
				if dt.ID() == arrow.INT64 {
					// Bounds no value passes: x > MaxInt64, x < MinInt64.
					c = [...]int64{math.MinInt64, math.MaxInt64}[rng.Intn(2)]
				}
			}
			switch dt.ID() {
			case arrow.INT32:
				return scalar.NewInt32Scalar(int32(c)), c
			case arrow.DATE32:
				return scalar.NewDate32Scalar(arrow.Date32(c)), c
			case arrow.INT64:
				return scalar.NewInt64Scalar(c), c
			}
			return scalar.NewDecimal128Scalar(decimal128.FromI64(c), dt), c
		}
		lop, uop := lowers[rng.Intn(2)], uppers[rng.Intn(2)]
		lk, lc := constant()
		uk, uc := constant()
		x := exec.NewColumn(0, "x", dt)
		lo := must(exec.NewBinary(lop, x, exec.NewLiteral(lk)))
		hi := must(exec.NewBinary(uop, x, exec.NewLiteral(uk)))
		if rng.Intn(2) == 0 {
			lo, hi = hi, lo
		}
		both := must(exec.NewBinary(exec.OpAnd, lo, hi))
		got, err := evalRecord(exec.NewContext(nil, mem), rec, both)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			want := "NULL"
			if rec.Column(0).IsValid(i) {
				v := decodeInt(rec.Column(0), i)
				in := holdsRef(lop, cmpInt(v, lc)) && holdsRef(uop, cmpInt(v, uc))
				want = fmt.Sprint(in)
			}
			if got[i] != want {
				t.Fatalf("%s: row %d (%s): got %s, want %s", both, i, exec.FormatValue(rec.Column(0), i), got[i], want)
			}
		}
		rec.Release()
		mem.AssertSize(t, 0)
	}
}

func decodeInt(a arrow.Array, i int) int64 {
	switch a := a.(type) {
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Date32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Decimal128:
		return int64(a.Value(i).LowBits())
	}
	panic("type")
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
