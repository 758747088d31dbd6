package exec_test

import (
	"errors"
	"fmt"
	"math/rand"
	"strconv"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

var opsWideSchema = exectest.Schema("x:int64", "s:utf8", "d:decimal(15,2)", "b:bool", "dt:date32", "f:float64", "i:int32", "ts:timestamp")

var opsWideRows = exectest.R(
	"1|a|1.00|true|1998-01-01|0.5|10|2020-01-01 00:00:00",
	"5|bb|-2.50|false|1998-01-02|NaN|20|2020-01-01 00:00:01",
	"3||12.34|true|1970-01-01|-1|30|1999-12-31 23:59:59",
	"NULL|dd|0.01|NULL|NULL|2|NULL|NULL",
	"7|long string value|99999.99|false|2000-02-29|10000000000|-5|2000-01-01 00:00:00",
	"2|x|NULL|true|1998-12-31|NULL|0|2000-01-01 00:00:00",
	"9|NULL|3.00|false|1999-01-01|3|1|2000-01-01 00:00:00",
	"4|é|4.00|true|1999-01-01|4|2|2000-01-01 00:00:00",
	"8|z|5.00|true|1999-01-01|5|3|2000-01-01 00:00:00",
	"6|y|6.00|false|1999-01-01|6|4|2000-01-01 00:00:00",
)

// opsFilterRef is the naive filter: keep rows whose column col parses as
// an int64 satisfying keep (NULL never passes).
func opsFilterRef(col int, keep func(int64) bool) func([]exectest.Rows) (exectest.Rows, error) {
	return func(in []exectest.Rows) (exectest.Rows, error) {
		var out exectest.Rows
		for _, r := range in[0] {
			if v, ok := opsAtoi(r[col]); ok && keep(v) {
				out = append(out, r)
			}
		}
		return out, nil
	}
}

func TestFilter(t *testing.T) {
	gt := func(v int64) bool { return v > 2 }
	want, _ := opsFilterRef(0, gt)([]exectest.Rows{opsWideRows})
	exectest.Run(t, exectest.Case{
		Name:   "x>2 over every type",
		Inputs: []exectest.Input{{Schema: opsWideSchema, Rows: opsWideRows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewFilter(ch[0], opsInt64Pred(0, "x>2", gt))
		},
		Expected:  want,
		Ordered:   true,
		Reference: opsFilterRef(0, gt),
	})
	lit := func(name string, s scalar.Scalar, want exectest.Rows) {
		exectest.Run(t, exectest.Case{
			Name:   name,
			Inputs: []exectest.Input{{Schema: opsWideSchema, Rows: opsWideRows}},
			Build: func(ch []exec.Operator) (exec.Operator, error) {
				return exec.NewFilter(ch[0], exec.NewLiteral(s))
			},
			Expected: want,
			Ordered:  true,
		})
	}
	lit("all pass", scalar.NewBooleanScalar(true), opsWideRows)
	lit("none pass", scalar.NewBooleanScalar(false), nil)
	lit("null predicate", scalar.MakeNullScalar(arrow.FixedWidthTypes.Boolean), nil)
	exectest.Run(t, exectest.Case{
		Name:   "empty input",
		Inputs: []exectest.Input{{Schema: opsWideSchema}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			return exec.NewFilter(ch[0], opsInt64Pred(0, "x>2", gt))
		},
	})
}

func TestFilterErrors(t *testing.T) {
	if _, err := exec.NewFilter(exectest.NewSource(opsWideSchema, nil), exec.NewColumn(0, "x", arrow.PrimitiveTypes.Int64)); !errors.Is(err, exec.ErrType) {
		t.Fatalf("int64 predicate: got %v, want ErrType", err)
	}
	exectest.Run(t, exectest.Case{
		Name:   "child error",
		Inputs: []exectest.Input{{Schema: opsWideSchema, Rows: opsWideRows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			src := ch[0].(*exectest.Source)
			src.NextErr, src.ErrAt = fmt.Errorf("%w: disk on fire", exec.ErrExec), 1
			return exec.NewFilter(src, opsInt64Pred(0, "x>2", func(v int64) bool { return v > 2 }))
		},
		ExpectErr: "disk on fire",
	})
	exectest.Run(t, exectest.Case{
		Name:   "predicate error",
		Inputs: []exectest.Input{{Schema: opsWideSchema, Rows: opsWideRows}},
		Build: func(ch []exec.Operator) (exec.Operator, error) {
			p := opsInt64Pred(0, "x>2", func(v int64) bool { return v > 2 })
			p.calls, p.failAfter = new(int), 1
			return exec.NewFilter(ch[0], p)
		},
		ExpectErr: "failed on purpose",
	})
}

// TestFilterSlicedInput feeds batches that are slices at odd offsets, so
// the selection and copy loops see unaligned bitmaps.
func TestFilterSlicedInput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := exectest.Schema("x:int64", "s:utf8", "b:bool")
	rng := rand.New(rand.NewSource(7))
	var rows exectest.Rows
	for i := 0; i < 300; i++ {
		x := "NULL"
		if rng.Intn(6) != 0 {
			x = strconv.Itoa(rng.Intn(100))
		}
		rows = append(rows, []string{x, "s" + strconv.Itoa(i), strconv.FormatBool(i%3 == 0)})
	}
	full, err := exectest.BuildRecord(mem, schema, rows)
	if err != nil {
		t.Fatal(err)
	}
	var recs []arrow.Record
	var want exectest.Rows
	for start := 3; start < 290; start += 41 {
		end := start + 37
		recs = append(recs, full.NewSlice(int64(start), int64(end)))
		for _, r := range rows[start:end] {
			if v, ok := opsAtoi(r[0]); ok && v%2 == 0 {
				want = append(want, r)
			}
		}
	}
	full.Release()
	op, err := exec.NewFilter(exectest.NewSource(schema, recs), opsInt64Pred(0, "even", func(v int64) bool { return v%2 == 0 }))
	if err != nil {
		t.Fatal(err)
	}
	got, err := exectest.Drain(exec.NewContext(nil, mem), op)
	if err != nil {
		t.Fatal(err)
	}
	if d := exectest.Diff(want, got, true); d != "" {
		t.Fatal(d)
	}
}

// opsInt64Records builds n rows of int64 (values from gen) in batches of
// size, with the Go allocator, for benchmarks.
func opsInt64Records(n, size int, gen func(i int) int64) (*arrow.Schema, []arrow.Record) {
	schema := exectest.Schema("x:int64")
	var recs []arrow.Record
	for start := 0; start < n; start += size {
		b := array.NewInt64Builder(memory.DefaultAllocator)
		for i := start; i < min(n, start+size); i++ {
			b.Append(gen(i))
		}
		col := b.NewArray()
		recs = append(recs, array.NewRecord(schema, []arrow.Array{col}, int64(col.Len())))
		col.Release()
		b.Release()
	}
	return schema, recs
}

// opsReplay is a benchmark source handing out the same records again on
// every run (it retains each one it returns).
func opsReplay(schema *arrow.Schema, recs []arrow.Record) exec.Operator {
	return exec.NewRecordSource(schema, recs)
}

// opsDrainCount reads op to the end and returns the row count.
func opsDrainCount(b *testing.B, ctx *exec.Context, op exec.Operator) int64 {
	if err := op.Open(ctx); err != nil {
		b.Fatal(err)
	}
	var n int64
	for {
		r, err := op.Next()
		if err != nil {
			break
		}
		n += r.NumRows()
		r.Release()
	}
	if err := op.Close(); err != nil {
		b.Fatal(err)
	}
	return n
}

// opsMaskExpr is a benchmark predicate: a precomputed mask per batch
// length would not be realistic, so it compares x against a threshold
// with a tight loop (what a comparison kernel does).
type opsLessExpr struct {
	col   int
	limit int64
}

func (e opsLessExpr) DataType() arrow.DataType { return arrow.FixedWidthTypes.Boolean }
func (e opsLessExpr) String() string           { return fmt.Sprintf("#%d < %d", e.col, e.limit) }
func (e opsLessExpr) Eval(ctx *exec.Context, batch arrow.Record) (arrow.Array, error) {
	vals := batch.Column(e.col).(*array.Int64).Int64Values()
	b := array.NewBooleanBuilder(ctx.Alloc)
	defer b.Release()
	b.Resize(len(vals))
	bools := make([]bool, len(vals))
	for i, v := range vals {
		bools[i] = v < e.limit
	}
	b.AppendValues(bools, nil)
	return b.NewArray(), nil
}

func BenchmarkFilter(b *testing.B) {
	const n = 1 << 20
	rng := rand.New(rand.NewSource(1))
	schema, recs := opsInt64Records(n, exec.DefaultBatchSize, func(int) int64 { return rng.Int63n(1000) })
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	ctx := exec.NewContext(nil, memory.DefaultAllocator)
	b.ResetTimer()
	var rows int64
	for i := 0; i < b.N; i++ {
		op, err := exec.NewFilter(opsReplay(schema, recs), opsLessExpr{col: 0, limit: 500})
		if err != nil {
			b.Fatal(err)
		}
		rows += opsDrainCount(b, ctx, op)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	if rows == 0 {
		b.Fatal("no rows passed")
	}
}
