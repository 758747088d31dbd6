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

// replayOp hands out the same records on every run, retained, so a
// benchmark measures the operator and not the input's construction.
type replayOp struct {
	schema *arrow.Schema
	recs   []arrow.Record
	pos    int
}

func (r *replayOp) Schema() *arrow.Schema    { return r.schema }
func (r *replayOp) Open(*exec.Context) error { r.pos = 0; return nil }
func (r *replayOp) Close() error             { return nil }
func (r *replayOp) Next() (arrow.Record, error) {
	if r.pos >= len(r.recs) {
		return nil, io.EOF
	}
	rec := r.recs[r.pos]
	r.pos++
	rec.Retain()
	return rec, nil
}

// makeBatches builds rows of schema in batches of 4096; fill appends row i
// to the builder.
func makeBatches(schema *arrow.Schema, rows int, fill func(b *array.RecordBuilder, i int)) []arrow.Record {
	var recs []arrow.Record
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for start := 0; start < rows; start += exec.DefaultBatchSize {
		end := min(start+exec.DefaultBatchSize, rows)
		for i := start; i < end; i++ {
			fill(b, i)
		}
		recs = append(recs, b.NewRecord())
	}
	return recs
}

func drainBench(b *testing.B, op exec.Operator) int {
	ctx := exec.NewContext(nil, memory.DefaultAllocator)
	if err := op.Open(ctx); err != nil {
		b.Fatal(err)
	}
	n := 0
	for {
		r, err := op.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		n += int(r.NumRows())
		r.Release()
	}
	if err := op.Close(); err != nil {
		b.Fatal(err)
	}
	return n
}

func reportRows(b *testing.B, rows int) {
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkHashAggregateQ1 is TPC-H Q1's shape: 1M rows, two utf8 keys
// forming 4 groups, decimal sums and averages, count(*).
func BenchmarkHashAggregateQ1(b *testing.B) {
	const rows = 1 << 20
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "l_returnflag", Type: strT, Nullable: true},
		{Name: "l_linestatus", Type: strT, Nullable: true},
		{Name: "l_quantity", Type: dec(15, 2), Nullable: true},
		{Name: "l_extendedprice", Type: dec(15, 2), Nullable: true},
		{Name: "l_discount", Type: dec(15, 2), Nullable: true},
	}, nil)
	keys := [][2]string{{"A", "F"}, {"N", "F"}, {"N", "O"}, {"R", "F"}}
	rng := rand.New(rand.NewSource(1))
	recs := makeBatches(schema, rows, func(rb *array.RecordBuilder, i int) {
		k := keys[rng.Intn(4)]
		rb.Field(0).(*array.StringBuilder).Append(k[0])
		rb.Field(1).(*array.StringBuilder).Append(k[1])
		rb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.Intn(50)+1) * 100))
		rb.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.Intn(10000000))))
		rb.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(rng.Intn(11))))
	})
	c := func(i int) exec.Expr { return colRef(i, schema.Field(i).Name, schema.Field(i).Type) }
	aggs := []exec.Aggregate{
		{Func: exec.AggSum, Args: []exec.Expr{c(2)}, Name: "sum_qty"},
		{Func: exec.AggSum, Args: []exec.Expr{c(3)}, Name: "sum_base_price"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(2)}, Name: "avg_qty"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(3)}, Name: "avg_price"},
		{Func: exec.AggAvg, Args: []exec.Expr{c(4)}, Name: "avg_disc"},
		{Func: exec.AggCountStar, Name: "count_order"},
	}
	src := &replayOp{schema: schema, recs: recs}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewHashAggregate(src, []exec.Expr{c(0), c(1)}, nil, aggs, exec.AggSingle)
		if err != nil {
			b.Fatal(err)
		}
		if n := drainBench(b, op); n != 4 {
			b.Fatalf("%d groups, want 4", n)
		}
	}
	reportRows(b, rows)
}

// BenchmarkHashAggregateDistinctInt64 groups 1M rows by 1M distinct int64
// keys (the single-integer fast path) with count(*) and sum.
func BenchmarkHashAggregateDistinctInt64(b *testing.B) {
	const rows = 1 << 20
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: int64T, Nullable: true}, {Name: "v", Type: int64T, Nullable: true}}, nil)
	perm := rand.New(rand.NewSource(2)).Perm(rows)
	recs := makeBatches(schema, rows, func(rb *array.RecordBuilder, i int) {
		rb.Field(0).(*array.Int64Builder).Append(int64(perm[i]) * 7919)
		rb.Field(1).(*array.Int64Builder).Append(int64(i))
	})
	aggs := []exec.Aggregate{
		{Func: exec.AggCountStar, Name: "n"},
		{Func: exec.AggSum, Args: []exec.Expr{colRef(1, "v", int64T)}, Name: "s"},
	}
	src := &replayOp{schema: schema, recs: recs}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewHashAggregate(src, []exec.Expr{colRef(0, "k", int64T)}, nil, aggs, exec.AggSingle)
		if err != nil {
			b.Fatal(err)
		}
		if n := drainBench(b, op); n != rows {
			b.Fatalf("%d groups, want %d", n, rows)
		}
	}
	reportRows(b, rows)
}

// BenchmarkHashJoin probes 1M rows against a 100k-row build side on an
// int64 key; every probe row matches exactly one build row.
func BenchmarkHashJoin(b *testing.B) {
	const probeRows, buildRows = 1 << 20, 100_000
	ps := arrow.NewSchema([]arrow.Field{{Name: "pk", Type: int64T, Nullable: true}, {Name: "pv", Type: int64T, Nullable: true}}, nil)
	bs := arrow.NewSchema([]arrow.Field{{Name: "bk", Type: int64T, Nullable: true}, {Name: "bv", Type: dec(15, 2), Nullable: true}}, nil)
	rng := rand.New(rand.NewSource(3))
	probe := makeBatches(ps, probeRows, func(rb *array.RecordBuilder, i int) {
		rb.Field(0).(*array.Int64Builder).Append(int64(rng.Intn(buildRows)))
		rb.Field(1).(*array.Int64Builder).Append(int64(i))
	})
	build := makeBatches(bs, buildRows, func(rb *array.RecordBuilder, i int) {
		rb.Field(0).(*array.Int64Builder).Append(int64(i))
		rb.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i)))
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op, err := exec.NewHashJoin(&replayOp{schema: ps, recs: probe}, &replayOp{schema: bs, recs: build},
			[]exec.Expr{colRef(0, "pk", int64T)}, []exec.Expr{colRef(0, "bk", int64T)}, exec.JoinInner, nil)
		if err != nil {
			b.Fatal(err)
		}
		if n := drainBench(b, op); n != probeRows {
			b.Fatalf("%d rows, want %d", n, probeRows)
		}
	}
	reportRows(b, probeRows)
}
