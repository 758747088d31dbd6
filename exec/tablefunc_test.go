package exec_test

import (
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

func i64(vs ...int64) []scalar.Scalar {
	out := make([]scalar.Scalar, len(vs))
	for i, v := range vs {
		out[i] = scalar.NewInt64Scalar(v)
	}
	return out
}

func seriesRows(start, stop, step int64) exectest.Rows {
	var rows exectest.Rows
	for v := start; (step > 0 && v <= stop) || (step < 0 && v >= stop); v += step {
		rows = append(rows, []string{strconv.FormatInt(v, 10)})
		if (step > 0 && v > math.MaxInt64-step) || (step < 0 && v < math.MinInt64-step) {
			break
		}
	}
	return rows
}

func TestGenerateSeries(t *testing.T) {
	schema := exectest.Schema("x:int64")
	for _, c := range []struct {
		name string
		args []scalar.Scalar
		want exectest.Rows
		err  string
	}{
		{"up", i64(1, 10), seriesRows(1, 10, 1), ""},
		{"up by 3", i64(1, 10, 3), seriesRows(1, 10, 3), ""},
		{"down", i64(5, -5, -2), seriesRows(5, -5, -2), ""},
		{"one", i64(7, 7), exectest.R("7"), ""},
		{"empty up", i64(2, 1), nil, ""},
		{"empty down", i64(1, 2, -1), nil, ""},
		{"top of int64", i64(math.MaxInt64-2, math.MaxInt64), seriesRows(math.MaxInt64-2, math.MaxInt64, 1), ""},
		{"bottom of int64", i64(math.MinInt64+4, math.MinInt64, -2), seriesRows(math.MinInt64+4, math.MinInt64, -2), ""},
		{"huge step", i64(0, math.MaxInt64, math.MaxInt64), exectest.R("0", strconv.FormatInt(math.MaxInt64, 10)), ""},
		{"min step", i64(0, math.MinInt64, math.MinInt64), exectest.R("0", strconv.FormatInt(math.MinInt64, 10)), ""},
		{"null", []scalar.Scalar{scalar.NewInt64Scalar(1), scalar.MakeNullScalar(arrow.PrimitiveTypes.Int64)}, nil, ""},
		{"zero step", i64(1, 2, 0), nil, "table function generate_series: step size cannot equal zero"},
		{"one arg", i64(1), nil, "takes 2 or 3 arguments"},
		{"wrong type", []scalar.Scalar{scalar.NewInt32Scalar(1), scalar.NewInt32Scalar(2)}, nil, "argument 1 is int32, want int64"},
	} {
		exectest.Run(t, exectest.Case{
			Name: c.name,
			Build: func([]exec.Operator) (exec.Operator, error) {
				return exec.NewTableFunc("generate_series", exec.GenerateSeries, c.args, schema)
			},
			Expected:  c.want,
			Ordered:   true,
			ExpectErr: c.err,
		})
	}
}

// countingReader wraps a reader and counts Release calls; its records may
// be given a different schema, and it may panic or fail on demand.
type countingReader struct {
	array.RecordReader
	released *int
	panicAt  int // panic in the Next call of this number (1-based); 0: never
	calls    int
}

func (c *countingReader) Release() {
	*c.released++
	c.RecordReader.Release()
}

func (c *countingReader) Next() bool {
	c.calls++
	if c.calls == c.panicAt {
		panic("boom")
	}
	return c.RecordReader.Next()
}

// recordsFn returns a table function producing the given rows (one record
// per row) with schema, counting how often its reader is released.
func recordsFn(schema *arrow.Schema, rows exectest.Rows, released *int, panicAt int) exec.TableFunc {
	return func(ctx *exec.Context, _ []scalar.Scalar) (array.RecordReader, error) {
		recs, err := exectest.MakeRecords(ctx.Alloc, schema, rows, 1, false)
		if err != nil {
			return nil, err
		}
		r, err := array.NewRecordReader(schema, recs)
		for _, rec := range recs {
			rec.Release()
		}
		if err != nil {
			return nil, err
		}
		return &countingReader{RecordReader: r, released: released, panicAt: panicAt}, nil
	}
}

func TestTableFuncOperator(t *testing.T) {
	declared := arrow.NewSchema([]arrow.Field{
		{Name: "k", Type: arrow.PrimitiveTypes.Int64},
		{Name: "v", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	rows := exectest.R("1|a", "2|NULL", "3|c")
	for _, c := range []struct {
		name    string
		schema  *arrow.Schema // of the records the function returns
		rows    exectest.Rows
		panicAt int
		want    exectest.Rows
		err     string
	}{
		{"rows", exectest.Schema("a:int64", "b:utf8"), rows, 0, rows, ""},
		{"no rows", exectest.Schema("a:int64", "b:utf8"), nil, 0, nil, ""},
		{"wrong type", exectest.Schema("a:int32", "b:utf8"), rows, 0, nil,
			"table function f returned a batch of schema (a int32, b utf8), but it was declared to return (k int64, v utf8)"},
		{"wrong width", exectest.Schema("a:int64"), exectest.R("1"), 0, nil, "returned a batch of schema (a int64)"},
		{"null in not null", exectest.Schema("a:int64", "b:utf8"), exectest.R("NULL|x"), 0, nil, "returned NULL in column k, declared NOT NULL"},
		{"panic in Next", exectest.Schema("a:int64", "b:utf8"), rows, 2, nil, "table function f panicked: boom"},
	} {
		released := 0
		exectest.Run(t, exectest.Case{
			Name: c.name,
			Build: func([]exec.Operator) (exec.Operator, error) {
				released = 0
				return exec.NewTableFunc("f", recordsFn(c.schema, c.rows, &released, c.panicAt), nil, declared)
			},
			Expected:   c.want,
			Ordered:    true,
			ExpectErr:  c.err,
			BatchSizes: []int{1},
		})
		if released != 1 {
			t.Errorf("%s: reader released %d times, want 1", c.name, released)
		}
	}
}

func TestTableFuncFailures(t *testing.T) {
	schema := exectest.Schema("x:int64")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := exec.NewContext(nil, mem)
	for _, c := range []struct {
		name string
		fn   exec.TableFunc
		want string
	}{
		{"error", func(*exec.Context, []scalar.Scalar) (array.RecordReader, error) { return nil, errors.New("no backend") }, "table function f: no backend"},
		{"panic", func(*exec.Context, []scalar.Scalar) (array.RecordReader, error) { panic("bad") }, "table function f panicked: bad"},
		{"nil reader", func(*exec.Context, []scalar.Scalar) (array.RecordReader, error) { return nil, nil }, "returned no reader"},
	} {
		op, err := exec.NewTableFunc("f", c.fn, nil, schema)
		if err != nil {
			t.Fatal(err)
		}
		err = op.Open(ctx)
		if !errors.Is(err, exec.ErrExec) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Open = %v, want ErrExec containing %q", c.name, err, c.want)
		}
		if _, err2 := op.Next(); err2 == nil || err2 == io.EOF {
			t.Errorf("%s: Next after a failed Open = %v", c.name, err2)
		}
		if err := op.Close(); err != nil {
			t.Errorf("%s: Close: %v", c.name, err)
		}
	}
	if _, err := exec.NewTableFunc("f", nil, nil, schema); !errors.Is(err, exec.ErrInternal) {
		t.Errorf("nil function: %v", err)
	}
	// Closing early releases the reader (and its current record).
	released := 0
	op, err := exec.NewTableFunc("f", recordsFn(schema, exectest.R("1", "2", "3"), &released, 0), nil, schema)
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	rec, err := op.Next()
	if err != nil {
		t.Fatal(err)
	}
	rec.Release()
	op.Close()
	op.Close()
	if released != 1 {
		t.Errorf("early close released the reader %d times", released)
	}
	if _, err := op.Next(); err != io.EOF {
		t.Errorf("Next after Close = %v, want io.EOF", err)
	}
}
