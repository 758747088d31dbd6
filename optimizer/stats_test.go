package optimizer

import (
	"context"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// Helpers shared by the rule tests of this package (prefixed rt so they
// cannot clash with other test files).

// rtTable is an in-memory table from "name:type" specs and '|'-separated
// rows, split into several splits so plans run as parallel pipelines.
func rtTable(t testing.TB, specs []string, rows ...string) *store.MemTable {
	t.Helper()
	schema := exectest.Schema(specs...)
	recs, err := exectest.MakeRecords(memory.DefaultAllocator, schema, exectest.R(rows...), 3, false)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := store.NewMemTable(schema, recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Release()
	}
	tbl.SetSplitRows(4)
	t.Cleanup(tbl.Release)
	return tbl
}

// statsTable is a table that reports the given statistics.
type statsTable struct {
	store.Table
	stats store.TableStats
}

func (s statsTable) Stats() store.TableStats { return s.stats }

func rtCol(rel, name string) plan.Column { return plan.Column{Relation: rel, Name: name} }

func rtInt(v int64) plan.Literal { return plan.Literal{Value: scalar.NewInt64Scalar(v)} }

func rtStr(v string) plan.Literal { return plan.Literal{Value: scalar.NewStringScalar(v)} }

func rtBool(v bool) plan.Literal { return plan.Literal{Value: scalar.NewBooleanScalar(v)} }

func rtDate(t testing.TB, s string) plan.Literal {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return plan.Literal{Value: scalar.NewDate32Scalar(arrow.Date32FromTime(d))}
}

func rtBin(op exec.BinaryOp, l, r plan.Expr) plan.Binary {
	return plan.Binary{Op: op, Left: l, Right: r}
}

func rtEq(l, r plan.Expr) plan.Binary { return rtBin(exec.OpEq, l, r) }

func rtAnd(es ...plan.Expr) plan.Expr { return Conjoin(es) }

// rtMust fails the test on a constructor error.
func rtMust[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// rtRun plans n physically with two pipelines, runs it under a checked
// allocator and returns its rows.
func rtRun(t testing.TB, n plan.Node) exectest.Rows {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	op, err := Physical(n, PhysicalOptions{Parallelism: 2})
	if err != nil {
		t.Fatalf("physical plan of\n%s: %v", plan.Explain(n), err)
	}
	rows, err := exectest.Drain(exec.NewContext(context.Background(), mem), op)
	if err != nil {
		t.Fatalf("running\n%s: %v", plan.Explain(n), err)
	}
	return rows
}

// rtSameResult runs both plans and compares their rows as multisets.
func rtSameResult(t testing.TB, before, after plan.Node) {
	t.Helper()
	want, got := rtRun(t, before), rtRun(t, after)
	if d := exectest.Diff(want, got, false); d != "" {
		t.Fatalf("results differ after the rewrite:\n%s\nbefore:\n%safter:\n%s", d, plan.Explain(before), plan.Explain(after))
	}
}

// rtApply runs one rule and checks the schema is kept.
func rtApply(t testing.TB, r Rule, n plan.Node) (plan.Node, bool) {
	t.Helper()
	out, changed, err := r.Apply(n)
	if err != nil {
		t.Fatalf("%s: %v\n%s", r.Name(), err, plan.Explain(n))
	}
	if err := sameSchema(n.Schema(), out.Schema()); err != nil {
		t.Fatalf("%s changed the schema: %v", r.Name(), err)
	}
	return out, changed
}

// rtExplain trims the plan text for comparison with a literal.
func rtExplain(n plan.Node) string { return strings.TrimSpace(plan.Explain(n)) }

func rtWant(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(strings.TrimPrefix(lines[i], "\t\t"), " ")
	}
	return strings.Join(lines, "\n")
}

func sortedRows(r exectest.Rows) []string {
	out := make([]string, len(r))
	for i, row := range r {
		out[i] = strings.Join(row, "|")
	}
	sort.Strings(out)
	return out
}

// tpchTable opens one SF0.01 TPC-H table from testdata.
func tpchTable(t testing.TB, name string) *plan.Scan {
	t.Helper()
	tbl, err := store.OpenParquet(filepath.Join("..", "testdata", "tpch", "sf0.01", name+".parquet"), store.ParquetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tbl.Close() })
	return plan.NewScan(name, "", tbl)
}

func within(got, want, factor float64) bool {
	return got >= want/factor && got <= want*factor
}

func TestEstimateRowsInMemory(t *testing.T) {
	must := rtMust[plan.Node](t)
	base := rtTable(t, []string{"k:int64", "v:utf8"}, "1|a", "2|b", "3|c", "4|d", "5|e", "6|f", "7|g", "8|h", "9|i", "10|j")
	stats := base.Stats()
	stats.Columns[0].Min = scalar.NewInt64Scalar(1)
	stats.Columns[0].Max = scalar.NewInt64Scalar(10)
	stats.Columns[1].DistinctCount = 5
	tbl := statsTable{Table: base, stats: stats}
	scan := plan.NewScan("t", "", tbl)
	unknown := statsTable{Table: base, stats: store.TableStats{Rows: -1, Bytes: -1}}
	other := plan.NewScan("u", "", rtTable(t, []string{"k2:int64"}, "1", "2", "3", "4"))

	k, v := rtCol("", "k"), rtCol("", "v")
	for _, c := range []struct {
		name string
		node plan.Node
		want float64
	}{
		{"scan", scan, 10},
		{"unknown table", plan.NewScan("x", "", unknown), defaultTableRows},
		{"eq with distinct count", must(plan.NewFilter(scan, rtEq(v, rtStr("a")))), 2},
		{"eq bounded by range", must(plan.NewFilter(scan, rtEq(k, rtInt(3)))), 1},
		{"range interpolated", must(plan.NewFilter(scan, rtBin(exec.OpLt, k, rtInt(4)))), 10 * 3.0 / 9},
		{"flipped range", must(plan.NewFilter(scan, rtBin(exec.OpGt, rtInt(4), k))), 10 * 3.0 / 9},
		{"two bounds are one range", must(plan.NewFilter(scan, rtAnd(rtBin(exec.OpGtEq, k, rtInt(4)), rtBin(exec.OpLt, k, rtInt(7))))), 10 * 3.0 / 9},
		{"like", must(plan.NewFilter(scan, plan.Like{Expr: v, Pattern: "a%"})), 1},
		{"or", must(plan.NewFilter(scan, rtBin(exec.OpOr, rtEq(v, rtStr("a")), rtEq(v, rtStr("b"))))), 10 * 0.36},
		{"not", must(plan.NewFilter(scan, plan.Unary{Op: plan.OpNot, Expr: rtEq(v, rtStr("a"))})), 8},
		{"is null uses null count", must(plan.NewFilter(scan, plan.Unary{Op: plan.OpIsNull, Expr: v})), 1},
		{"limit", must(plan.NewLimit(scan, 2, 5)), 5},
		{"limit past the end", must(plan.NewLimit(scan, 8, 5)), 2},
		{"global aggregate", must(plan.NewAggregate(scan, nil, []plan.Expr{plan.AggCall{Func: exec.AggCountStar}})), 1},
		{"grouped by distinct column", must(plan.NewAggregate(scan, []plan.Expr{v}, []plan.Expr{plan.AggCall{Func: exec.AggCountStar}})), 5},
		{"cross join", must(plan.NewJoin(scan, other, exec.JoinInner, nil)), 40},
		{"key join assumes the smaller table is the key", must(plan.NewJoin(scan, other, exec.JoinInner, rtEq(k, rtCol("", "k2")))), 10},
		{"left join keeps the left rows", must(plan.NewJoin(scan, other, exec.JoinLeft, rtBin(exec.OpLt, k, rtCol("", "k2")))), 12},
		{"union", must(plan.NewUnion(scan, scan)), 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := EstimateRows(c.node); math.Abs(got-c.want) > 1e-9*c.want+1e-9 {
				t.Fatalf("EstimateRows = %v, want %v\n%s", got, c.want, plan.Explain(c.node))
			}
		})
	}
	if got, want := EstimateBytes(scan), 10*(0.125+8+0.125+24); got != want {
		t.Errorf("EstimateBytes = %v, want %v", got, want)
	}
}

// TestEstimateRowsTPCH checks estimates against true counts over the
// SF0.01 tables, whose Parquet statistics give min/max per column.
func TestEstimateRowsTPCH(t *testing.T) {
	must := rtMust[plan.Node](t)
	lineitem, orders, customer := tpchTable(t, "lineitem"), tpchTable(t, "orders"), tpchTable(t, "customer")
	supplier, partsupp, part := tpchTable(t, "supplier"), tpchTable(t, "partsupp"), tpchTable(t, "part")
	col := func(n string) plan.Column { return rtCol("", n) }
	ordersSuppliers := must(plan.NewJoin(must(plan.NewJoin(lineitem, orders, exec.JoinInner, rtEq(col("l_orderkey"), col("o_orderkey")))),
		supplier, exec.JoinInner, rtEq(col("l_suppkey"), col("s_suppkey"))))
	shipped := must(plan.NewFilter(lineitem, rtAnd(
		rtBin(exec.OpGtEq, rtCol("", "l_shipdate"), rtDate(t, "1994-01-01")),
		rtBin(exec.OpLt, rtCol("", "l_shipdate"), rtDate(t, "1995-01-01")))))
	for _, c := range []struct {
		name   string
		node   plan.Node
		factor float64
	}{
		{"lineitem", lineitem, 1.0001},
		{"one year of shipments", shipped, 1.2},
		{"orders x lineitem on the key", must(plan.NewJoin(lineitem, orders, exec.JoinInner, rtEq(rtCol("", "l_orderkey"), rtCol("", "o_orderkey")))), 1.0001},
		// o_custkey's range (1..1499) bounds its distinct values just
		// below c_custkey's 1500, so the estimate is 1500*15000/1499.
		{"customer x orders on the key", must(plan.NewJoin(orders, customer, exec.JoinInner, rtEq(rtCol("", "o_custkey"), rtCol("", "c_custkey")))), 1.001},
		{"customer x supplier on nation: not a key join", must(plan.NewJoin(customer, supplier, exec.JoinInner, rtEq(rtCol("", "c_nationkey"), rtCol("", "s_nationkey")))), 1.2},
		// partsupp's (ps_partkey, ps_suppkey) is a composite key: each
		// lineitem row matches one partsupp row, not 1/(200*100) of them
		// as independent keys would say (nor the backoff's 1/(200*10)).
		{"lineitem x partsupp on the composite key", must(plan.NewJoin(lineitem, partsupp, exec.JoinInner, rtAnd(
			rtEq(col("l_partkey"), col("ps_partkey")), rtEq(col("l_suppkey"), col("ps_suppkey"))))), 1.2},
		// Keys from two tables on one side are independent: Q5's last
		// join, customer on (custkey, nationkey) against orders' custkey
		// and the supplier's nationkey, keeps 1/25 of the orders' rows.
		{"independent keys from two tables", must(plan.NewJoin(ordersSuppliers, customer, exec.JoinInner, rtAnd(
			rtEq(col("o_custkey"), col("c_custkey")), rtEq(col("s_nationkey"), col("c_nationkey"))))), 1.3},
		// Text has no range: the table samples p_type's 150 values, so
		// the filter keeps about 1/150 of the parts (Q8's selective side).
		{"text equality from a sampled distinct count", must(plan.NewFilter(part, rtEq(col("p_type"), rtStr("ECONOMY ANODIZED STEEL")))), 1.5},
		{"filtered orders x lineitem", must(plan.NewJoin(shipped, orders, exec.JoinInner, rtEq(rtCol("", "l_orderkey"), rtCol("", "o_orderkey")))), 1.2},
	} {
		t.Run(c.name, func(t *testing.T) {
			count := must(plan.NewAggregate(c.node, nil, []plan.Expr{plan.AggCall{Func: exec.AggCountStar}}))
			actual, err := strconv.ParseFloat(rtRun(t, count)[0][0], 64)
			if err != nil {
				t.Fatal(err)
			}
			if got := EstimateRows(c.node); !within(got, actual, c.factor) {
				t.Fatalf("EstimateRows = %v, actual %v (allowed factor %v)", got, actual, c.factor)
			}
		})
	}
}
