package exec_test

import (
	"io"
	"math/rand"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
)

// The pipeline benchmarks run TPC-H Q1's and Q6's scan-side work (filter
// then partial aggregation) over lineitem-like batches held in memory,
// on one goroutine, so the exec operators are measured without planning,
// Parquet decoding or the gather between pipelines.

const (
	pipelineRows  = 60000 // about SF0.01 lineitem
	pipelineBatch = 8192
)

// lineitemQ1Batches holds the columns Q1 and Q6 read: quantity, price,
// discount, tax (decimal(15,2)), returnflag and linestatus (one-letter
// utf8) and shipdate (date32), with TPC-H's value ranges.
func lineitemQ1Batches(b *testing.B) (*arrow.Schema, []arrow.Record) {
	rng := rand.New(rand.NewSource(7))
	mem := memory.DefaultAllocator
	dec := &arrow.Decimal128Type{Precision: 15, Scale: 2}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "l_quantity", Type: dec}, {Name: "l_extendedprice", Type: dec},
		{Name: "l_discount", Type: dec}, {Name: "l_tax", Type: dec},
		{Name: "l_returnflag", Type: arrow.BinaryTypes.String}, {Name: "l_linestatus", Type: arrow.BinaryTypes.String},
		{Name: "l_shipdate", Type: arrow.FixedWidthTypes.Date32},
	}, nil)
	var recs []arrow.Record
	for start := 0; start < pipelineRows; start += pipelineBatch {
		n := min(pipelineBatch, pipelineRows-start)
		bld := array.NewRecordBuilder(mem, schema)
		for i := 0; i < n; i++ {
			qty := 1 + rng.Int63n(50)
			bld.Field(0).(*array.Decimal128Builder).Append(decimal128.FromI64(qty * 100))
			bld.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(qty * (90000 + rng.Int63n(20000))))
			bld.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int63n(11)))
			bld.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int63n(9)))
			ship := arrow.Date32(8036 + rng.Intn(2526)) // 1992-01-02 .. 1998-12-01
			flag, status := "N", "O"
			if ship < 9298 { // before 1995-06-17
				flag, status = []string{"A", "R"}[rng.Intn(2)], "F"
			}
			bld.Field(4).(*array.StringBuilder).Append(flag)
			bld.Field(5).(*array.StringBuilder).Append(status)
			bld.Field(6).(*array.Date32Builder).Append(ship)
		}
		recs = append(recs, bld.NewRecord())
		bld.Release()
	}
	return schema, recs
}

func runPipeline(b *testing.B, schema *arrow.Schema, recs []arrow.Record, build func(exec.Operator) exec.Operator) {
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	defer lockThread()()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := threadCPU()
	for i := 0; i < b.N; i++ {
		op := build(exec.NewRecordSource(schema, recs))
		if err := op.Open(exec.NewContext(nil, memory.DefaultAllocator)); err != nil {
			b.Fatal(err)
		}
		for {
			rec, err := op.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
		if err := op.Close(); err != nil {
			b.Fatal(err)
		}
	}
	cpu1, _ := threadCPU()
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pipelineRows, "ns/row")
	if cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N)/pipelineRows, "cpu-ns/row")
	}
}

// BenchmarkPipelineQ1 is Q1's per-pipeline work: filter on shipdate, then
// a partial aggregate grouped by returnflag and linestatus.
func BenchmarkPipelineQ1(b *testing.B) {
	schema, recs := lineitemQ1Batches(b)
	c := func(i int) exec.Expr { return exec.NewColumn(i, schema.Field(i).Name, schema.Field(i).Type) }
	one := lit(b, "int32", "1")
	pred := must(exec.NewBinary(exec.OpLtEq, c(6), lit(b, "date32", "1998-09-02")))
	discPrice := must(exec.NewBinary(exec.OpMul, c(1), must(exec.NewBinary(exec.OpSub, one, c(2)))))
	charge := must(exec.NewBinary(exec.OpMul, discPrice, must(exec.NewBinary(exec.OpAdd, one, c(3)))))
	aggs := []exec.Aggregate{
		{Func: exec.AggSum, Args: []exec.Expr{c(0)}, Name: "sum_qty"},
		{Func: exec.AggSum, Args: []exec.Expr{c(1)}, Name: "sum_base_price"},
		{Func: exec.AggSum, Args: []exec.Expr{discPrice}, Name: "sum_disc_price"},
		{Func: exec.AggSum, Args: []exec.Expr{charge}, Name: "sum_charge"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(0)}, Name: "avg_qty"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(1)}, Name: "avg_price"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(2)}, Name: "avg_disc"},
		{Func: exec.AggCountStar, Name: "count_order"},
	}
	runPipeline(b, schema, recs, func(src exec.Operator) exec.Operator {
		f, err := exec.NewFilter(src, pred)
		if err != nil {
			b.Fatal(err)
		}
		agg, err := exec.NewHashAggregate(f, []exec.Expr{c(4), c(5)}, []string{"l_returnflag", "l_linestatus"}, aggs, exec.AggPartial)
		if err != nil {
			b.Fatal(err)
		}
		return agg
	})
}

// BenchmarkPipelineQ6 is Q6's per-pipeline work: a selective filter, then
// a partial global sum.
func BenchmarkPipelineQ6(b *testing.B) {
	schema, recs := lineitemQ1Batches(b)
	c := func(i int) exec.Expr { return exec.NewColumn(i, schema.Field(i).Name, schema.Field(i).Type) }
	and := func(l, r exec.Expr) exec.Expr { return must(exec.NewBinary(exec.OpAnd, l, r)) }
	pred := and(and(and(
		must(exec.NewBinary(exec.OpGtEq, c(6), lit(b, "date32", "1994-01-01"))),
		must(exec.NewBinary(exec.OpLt, c(6), lit(b, "date32", "1995-01-01")))),
		and(must(exec.NewBinary(exec.OpGtEq, c(2), lit(b, "decimal(3,2)", "0.05"))),
			must(exec.NewBinary(exec.OpLtEq, c(2), lit(b, "decimal(3,2)", "0.07"))))),
		must(exec.NewBinary(exec.OpLt, c(0), lit(b, "int32", "24"))))
	aggs := []exec.Aggregate{{Func: exec.AggSum, Args: []exec.Expr{must(exec.NewBinary(exec.OpMul, c(1), c(2)))}, Name: "revenue"}}
	runPipeline(b, schema, recs, func(src exec.Operator) exec.Operator {
		f, err := exec.NewFilter(src, pred)
		if err != nil {
			b.Fatal(err)
		}
		agg, err := exec.NewHashAggregate(f, nil, nil, aggs, exec.AggPartial)
		if err != nil {
			b.Fatal(err)
		}
		return agg
	})
}
