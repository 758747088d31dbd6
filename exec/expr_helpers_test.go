package exec_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
)

// exprCase is one table-driven expression test: an input table, an
// expression built over its schema, and the expected value per row (as
// exec.FormatValue renders it) or the expected error.
type exprCase struct {
	name  string
	cols  []string // exectest.Schema specs
	rows  exectest.Rows
	build func(in *input) (exec.Expr, error)
	want  []string
	// typ, when set, is the expected result type.
	typ string
	// buildErr / evalErr: substrings of the expected error.
	buildErr string
	evalErr  string
}

// input gives a test's build function access to the columns by name.
type input struct {
	t      testing.TB
	schema *arrow.Schema
}

func (in *input) col(name string) exec.Expr {
	idx := in.schema.FieldIndices(name)
	if len(idx) != 1 {
		in.t.Fatalf("no column %q", name)
	}
	return exec.NewColumn(idx[0], name, in.schema.Field(idx[0]).Type)
}

// lit makes a literal of a type given as text ("decimal(15,2)", "date")
// from its text form ("NULL" for a typed null).
func lit(t testing.TB, typ, text string) exec.Expr {
	t.Helper()
	s := exectest.Schema("v:" + typ)
	rec, err := exectest.BuildRecord(memory.DefaultAllocator, s, exectest.R(text))
	if err != nil {
		t.Fatalf("literal %s %q: %v", typ, text, err)
	}
	defer rec.Release()
	sc, err := scalar.GetScalar(rec.Column(0), 0)
	if err != nil {
		t.Fatal(err)
	}
	return exec.NewLiteral(sc)
}

func nullLit() exec.Expr { return exec.NewLiteral(scalar.MakeNullScalar(arrow.Null)) }

// must unwraps a constructor's result in test setup; a failure is a
// broken test, reported by panicking (the test then fails).
func must(e exec.Expr, err error) exec.Expr {
	if err != nil {
		panic(fmt.Sprintf("build: %v", err))
	}
	return e
}

// evalAll evaluates e over rows cut into batches of batchSize (with empty
// batches between them when withEmpty) and returns the formatted values.
func evalAll(mem memory.Allocator, schema *arrow.Schema, rows exectest.Rows, e exec.Expr, batchSize int, withEmpty bool) ([]string, error) {
	recs, err := exectest.MakeRecords(mem, schema, rows, batchSize, withEmpty)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	ctx := exec.NewContext(nil, mem)
	var out []string
	for _, r := range recs {
		vals, err := evalRecord(ctx, r, e)
		if err != nil {
			return out, err
		}
		out = append(out, vals...)
	}
	return out, nil
}

func evalRecord(ctx *exec.Context, r arrow.Record, e exec.Expr) ([]string, error) {
	arr, err := e.Eval(ctx, r)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	if arr.Len() != int(r.NumRows()) {
		return nil, fmt.Errorf("result has %d values for %d rows", arr.Len(), r.NumRows())
	}
	if !arrow.TypeEqual(arr.DataType(), e.DataType()) {
		return nil, fmt.Errorf("result type %s, DataType() says %s", arr.DataType(), e.DataType())
	}
	out := make([]string, arr.Len())
	for i := range out {
		out[i] = exec.FormatValue(arr, i)
	}
	return out, nil
}

// runExprCases runs every case over several batch sizes, with and without
// empty batches, and over a slice of the input (non-zero array offsets),
// each with a checked allocator.
func runExprCases(t *testing.T, cases []exprCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schema := exectest.Schema(c.cols...)
			e, err := c.build(&input{t: t, schema: schema})
			if c.buildErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.buildErr) {
					t.Fatalf("build: want error containing %q, got %v", c.buildErr, err)
				}
				if !errors.Is(err, exec.ErrType) {
					t.Fatalf("build error %v does not wrap ErrType", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if c.typ != "" {
				want, err := exectest.ParseType(c.typ)
				if err != nil {
					t.Fatal(err)
				}
				if !arrow.TypeEqual(e.DataType(), want) {
					t.Fatalf("type %s, want %s", e.DataType(), want)
				}
			}
			for _, bs := range []int{1, 3, 1024} {
				for _, withEmpty := range []bool{false, true} {
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					got, err := evalAll(mem, schema, c.rows, e, bs, withEmpty)
					checkResult(t, c, fmt.Sprintf("batch=%d empty=%v", bs, withEmpty), c.want, got, err)
					mem.AssertSize(t, 0)
				}
			}
			if len(c.rows) > 1 {
				// Sliced input: arrays with an offset.
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				rec, err := exectest.BuildRecord(mem, schema, c.rows)
				if err != nil {
					t.Fatal(err)
				}
				sl := rec.NewSlice(1, int64(len(c.rows)))
				got, err := evalRecord(exec.NewContext(nil, mem), sl, e)
				sl.Release()
				rec.Release()
				if c.evalErr == "" {
					checkResult(t, c, "sliced", c.want[1:], got, err)
				}
				mem.AssertSize(t, 0)
			}
		})
	}
}

func checkResult(t *testing.T, c exprCase, variant string, want, got []string, err error) {
	t.Helper()
	if c.evalErr != "" {
		if err == nil || !strings.Contains(err.Error(), c.evalErr) {
			t.Fatalf("%s: want error containing %q, got %v (values %v)", variant, c.evalErr, err, got)
		}
		if !errors.Is(err, exec.ErrExec) {
			t.Fatalf("%s: error %v does not wrap ErrExec", variant, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", variant, err)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s:\n got %q\nwant %q", variant, got, want)
	}
}

// col1 is a shorthand for one-column rows.
func col1(vals ...string) exectest.Rows { return exectest.R(vals...) }
