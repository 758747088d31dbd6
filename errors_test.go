package dataflow_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/dataflow-go/dataflow"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// mustFail runs q and checks that it fails with target in the chain and
// every fragment in the message.
func mustFail(t *testing.T, q *dataflow.Query, target error, fragments ...string) {
	t.Helper()
	res, err := q.Collect(context.Background())
	if err == nil {
		res.Release()
		t.Fatalf("query succeeded, want an error wrapping %v", target)
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %q does not wrap %v", err, target)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// stillWorks checks the engine answers a query after a failure.
func stillWorks(t *testing.T, eng *dataflow.Engine) {
	t.Helper()
	res, err := eng.From("nation").Agg(dataflow.Count().As("n")).Collect(context.Background())
	if err != nil {
		t.Fatalf("engine unusable after an error: %v", err)
	}
	defer res.Release()
	if got := res.Rows()[0][0]; got != "25" {
		t.Fatalf("count(*) of nation = %s, want 25", got)
	}
}

func TestMissingFile(t *testing.T) {
	eng := openTPCH(t, 2)
	err := eng.RegisterFile("ghost", filepath.Join(t.TempDir(), "ghost.parquet"))
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "ghost.parquet") {
		t.Fatalf("got %v, want ErrNotFound naming the file", err)
	}
	stillWorks(t, eng)
}

func TestCorruptParquet(t *testing.T) {
	eng := openTPCH(t, 2)
	src, err := os.ReadFile(filepath.Join("testdata", "tpch", "sf0.01", "nation.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	// Keep the footer magic but garble the middle of the file.
	bad := append([]byte(nil), src...)
	for i := 8; i < len(bad)-16; i += 3 {
		bad[i] ^= 0x5a
	}
	path := filepath.Join(t.TempDir(), "broken.parquet")
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	err = eng.RegisterFile("broken", path)
	if err == nil {
		res, qerr := eng.From("broken").Collect(context.Background())
		if qerr == nil {
			res.Release()
			t.Fatal("a garbled Parquet file was read without error")
		}
		err = qerr
	}
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "broken.parquet") {
		t.Fatalf("got %v, want ErrCorrupt naming the file", err)
	}
	stillWorks(t, eng)
}

func TestTypeMismatch(t *testing.T) {
	eng := openTPCH(t, 2)
	q := eng.From("lineitem").Where(dataflow.Col("l_quantity").Add(dataflow.Col("l_comment")).Gt(dataflow.Lit(1)))
	mustFail(t, q, plan.ErrPlan, "l_quantity", "l_comment")
	mustFail(t, eng.From("lineitem").Where(dataflow.Col("l_quantity")), plan.ErrPlan, "not boolean")
	mustFail(t, eng.From("lineitem").Select(dataflow.Col("l_shipdat")), plan.ErrPlan, "did you mean", "l_shipdate")
	mustFail(t, eng.From("lineitm"), store.ErrNotFound, "lineitem")
	stillWorks(t, eng)
}

func TestUDFErrorAndPanic(t *testing.T) {
	eng := openTPCH(t, 2)
	i32 := arrow.PrimitiveTypes.Int32
	failing := func(_ *exec.Context, args []arrow.Array) (arrow.Array, error) {
		return nil, errors.New("the model is not loaded")
	}
	panicking := func(_ *exec.Context, args []arrow.Array) (arrow.Array, error) {
		var m map[string]int
		m["boom"]++ // nil map write: a panic inside user code
		return nil, nil
	}
	shortResult := func(ctx *exec.Context, args []arrow.Array) (arrow.Array, error) {
		b := array.NewInt32Builder(ctx.Alloc)
		defer b.Release()
		b.Append(1)
		return b.NewArray(), nil
	}
	for name, fn := range map[string]dataflow.ScalarFunc{"failing": failing, "panicking": panicking, "short_result": shortResult} {
		if err := eng.RegisterScalarUDF(name, []arrow.DataType{i32}, i32, fn); err != nil {
			t.Fatal(err)
		}
	}
	mustFail(t, eng.From("nation").Select(dataflow.Fn("failing", dataflow.Col("n_nationkey"))), exec.ErrExec, "failing", "the model is not loaded")
	mustFail(t, eng.From("nation").Select(dataflow.Fn("panicking", dataflow.Col("n_nationkey"))), exec.ErrExec, "panicking")
	mustFail(t, eng.From("nation").Select(dataflow.Fn("short_result", dataflow.Col("n_nationkey"))), exec.ErrExec, "short_result")
	mustFail(t, eng.From("nation").Select(dataflow.Fn("failing", dataflow.Col("n_name"))), plan.ErrPlan, "failing")
	stillWorks(t, eng)
}

func TestMemoryLimit(t *testing.T) {
	eng, err := dataflow.Open(dataflow.Options{MemoryLimit: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.RegisterFile("lineitem", filepath.Join("testdata", "tpch", "sf0.01", "lineitem.parquet")); err != nil {
		t.Fatal(err)
	}
	q := eng.From("lineitem").OrderBy(dataflow.Col("l_comment").Asc())
	mustFail(t, q, exec.ErrMemoryLimit, "sort")
}

func TestBuilderMisuse(t *testing.T) {
	eng := openTPCH(t, 1)
	_, err := eng.From("nation").GroupBy(dataflow.Col("n_regionkey")).Plan()
	if !errors.Is(err, dataflow.ErrUsage) {
		t.Fatalf("GroupBy without Agg: got %v", err)
	}
	mustFail(t, eng.From("nation").Where(dataflow.Date("1998-13-45").IsNull()), dataflow.ErrUsage, "1998-13-45")
	mustFail(t, eng.From("nation").Where(dataflow.Sum(dataflow.Col("n_nationkey")).Gt(dataflow.Lit(1))), plan.ErrPlan, "HAVING")
	if err := eng.RegisterScalarUDF("dup", nil, arrow.PrimitiveTypes.Int32, func(*exec.Context, []arrow.Array) (arrow.Array, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if err := eng.RegisterScalarUDF("DUP", nil, arrow.PrimitiveTypes.Int32, func(*exec.Context, []arrow.Array) (arrow.Array, error) { return nil, nil }); !errors.Is(err, dataflow.ErrUsage) {
		t.Fatalf("duplicate UDF: got %v", err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.From("nation").Plan(); !errors.Is(err, dataflow.ErrClosed) {
		t.Fatalf("query after Close: got %v", err)
	}
}

func TestCatalogFileNameClash(t *testing.T) {
	eng := openTPCH(t, 1)
	err := eng.RegisterCatalogFile(filepath.Join("testdata", "tpch", "sf0.01", "catalog.json"))
	if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("registering a catalog over existing tables: got %v", err)
	}
	stillWorks(t, eng)
}
