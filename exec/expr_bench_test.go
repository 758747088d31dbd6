package exec_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
)

const benchRows = 4096

// lineitemBatch is a TPC-H-like batch: price decimal(15,2), discount and
// tax decimal(15,2), shipdate date32, comment utf8.
func lineitemBatch(b *testing.B) arrow.Record {
	rng := rand.New(rand.NewSource(1))
	mem := memory.DefaultAllocator
	dec := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	price := array.NewDecimal128Builder(mem, dec)
	disc := array.NewDecimal128Builder(mem, dec)
	tax := array.NewDecimal128Builder(mem, dec)
	ship := array.NewDate32Builder(mem)
	comment := array.NewStringBuilder(mem)
	words := []string{"carefully", "final", "deposits", "special", "requests", "furiously", "express", "packages"}
	for i := 0; i < benchRows; i++ {
		price.Append(decimal128.FromI64(90000 + rng.Int63n(10000000)))
		disc.Append(decimal128.FromI64(rng.Int63n(11)))
		tax.Append(decimal128.FromI64(rng.Int63n(9)))
		ship.Append(arrow.Date32(8000 + rng.Intn(2500)))
		c := ""
		for w := 0; w < 4; w++ {
			c += words[rng.Intn(len(words))] + " "
		}
		comment.Append(c)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "price", Type: dec}, {Name: "disc", Type: dec}, {Name: "tax", Type: dec},
		{Name: "ship", Type: arrow.FixedWidthTypes.Date32}, {Name: "comment", Type: arrow.BinaryTypes.String},
	}, nil)
	cols := []arrow.Array{price.NewArray(), disc.NewArray(), tax.NewArray(), ship.NewArray(), comment.NewArray()}
	return array.NewRecord(schema, cols, benchRows)
}

func benchExpr(b *testing.B, rec arrow.Record, e exec.Expr) {
	ctx := exec.NewContext(nil, memory.DefaultAllocator)
	defer lockThread()()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := threadCPU()
	for i := 0; i < b.N; i++ {
		arr, err := e.Eval(ctx, rec)
		if err != nil {
			b.Fatal(err)
		}
		arr.Release()
	}
	cpu1, _ := threadCPU()
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
	if cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N)/benchRows, "cpu-ns/row")
	}
}

func col(rec arrow.Record, i int) exec.Expr {
	return exec.NewColumn(i, rec.Schema().Field(i).Name, rec.Schema().Field(i).Type)
}

// BenchmarkDecimalMultiply is Q1's disc_price and charge:
// price * (1 - disc) and price * (1 - disc) * (1 + tax).
func BenchmarkDecimalMultiply(b *testing.B) {
	rec := lineitemBatch(b)
	defer rec.Release()
	one := lit(b, "int32", "1")
	discPrice := must(exec.NewBinary(exec.OpMul, col(rec, 0), must(exec.NewBinary(exec.OpSub, one, col(rec, 1)))))
	charge := must(exec.NewBinary(exec.OpMul, discPrice, must(exec.NewBinary(exec.OpAdd, one, col(rec, 2)))))
	b.Run("disc_price", func(b *testing.B) { benchExpr(b, rec, discPrice) })
	b.Run("charge", func(b *testing.B) { benchExpr(b, rec, charge) })
}

// BenchmarkCompareConstant is Q1's filter l_shipdate <= date '1998-09-02'
// and a decimal range test.
func BenchmarkCompareConstant(b *testing.B) {
	rec := lineitemBatch(b)
	defer rec.Release()
	b.Run("date<=const", func(b *testing.B) {
		benchExpr(b, rec, must(exec.NewBinary(exec.OpLtEq, col(rec, 3), lit(b, "date", "1998-09-02"))))
	})
	b.Run("decimal>=const", func(b *testing.B) {
		benchExpr(b, rec, must(exec.NewBinary(exec.OpGtEq, col(rec, 1), lit(b, "decimal(3,2)", "0.05"))))
	})
}

// BenchmarkLike is Q13's o_comment NOT LIKE '%special%requests%' and a
// plain substring search.
func BenchmarkLike(b *testing.B) {
	rec := lineitemBatch(b)
	defer rec.Release()
	for _, p := range []string{"%special%", "%special%requests%", "final%"} {
		b.Run(fmt.Sprintf("%q", p), func(b *testing.B) {
			benchExpr(b, rec, must(exec.NewLike(col(rec, 4), p, 0, false, false)))
		})
	}
}
