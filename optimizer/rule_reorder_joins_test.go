package optimizer

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// starFixture is a fact table f (12 rows) with two dimensions d1 (3 rows)
// and d2 (4 rows), written as FROM d1, d2, f: in that order the first join
// is a cross product of the two dimensions.
func starFixture(t testing.TB) (d1, d2, f *plan.Scan) {
	d1 = plan.NewScan("d1", "", rtTable(t, []string{"d1_k:int64", "d1_name:utf8"}, "1|one", "2|two", "3|three"))
	d2 = plan.NewScan("d2", "", rtTable(t, []string{"d2_k:int64", "d2_name:utf8"}, "1|red", "2|green", "3|blue", "4|NULL"))
	f = plan.NewScan("f", "", rtTable(t, []string{"f_1:int64", "f_2:int64", "f_v:int64"},
		"1|1|10", "1|2|11", "2|3|12", "2|4|13", "3|1|14", "3|2|15",
		"1|3|16", "2|1|17", "3|4|18", "NULL|1|19", "1|NULL|20", "9|9|21"))
	return d1, d2, f
}

func TestReorderJoins(t *testing.T) {
	must := rtMust[plan.Node](t)
	d1, d2, f := starFixture(t)
	col := func(name string) plan.Column { return rtCol("", name) }
	for _, c := range []struct {
		name string
		in   func() plan.Node
		want string
	}{
		{
			name: "star: the cross product of dimensions is avoided",
			in: func() plan.Node {
				dd := must(plan.NewJoin(d1, d2, exec.JoinInner, nil))
				return must(plan.NewJoin(dd, f, exec.JoinInner, rtAnd(rtEq(col("d1_k"), col("f_1")), rtEq(col("d2_k"), col("f_2")))))
			},
			want: `
		Project: d1.d1_k, d1.d1_name, d2.d2_k, d2.d2_name, f.f_1, f.f_2, f.f_v
		  Inner Join: (d2_k = f_2)
		    Inner Join: (d1_k = f_1)
		      Scan: f
		      Scan: d1
		    Scan: d2`,
		},
		{
			name: "the smaller input becomes the build side",
			in: func() plan.Node {
				return must(plan.NewJoin(d1, f, exec.JoinInner, rtEq(col("d1_k"), col("f_1"))))
			},
			want: `
		Project: d1.d1_k, d1.d1_name, f.f_1, f.f_2, f.f_v
		  Inner Join: (d1_k = f_1)
		    Scan: f
		    Scan: d1`,
		},
		{
			name: "already in order: unchanged",
			in: func() plan.Node {
				return must(plan.NewJoin(f, d1, exec.JoinInner, rtEq(col("d1_k"), col("f_1"))))
			},
			want: `
		Inner Join: (d1_k = f_1)
		  Scan: f
		  Scan: d1`,
		},
		{
			name: "single-relation conditions filter the relation",
			in: func() plan.Node {
				return must(plan.NewJoin(f, d1, exec.JoinInner, rtAnd(rtEq(col("d1_k"), col("f_1")), rtBin(exec.OpGt, col("f_v"), rtInt(12)))))
			},
			want: `
		Inner Join: (d1_k = f_1)
		  Filter: (f_v > 12)
		    Scan: f
		  Scan: d1`,
		},
		{
			name: "no condition at all: a cross product, smaller side built",
			in: func() plan.Node {
				return must(plan.NewJoin(d1, f, exec.JoinInner, nil))
			},
			want: `
		Project: d1.d1_k, d1.d1_name, f.f_1, f.f_2, f.f_v
		  Inner Join
		    Scan: f
		    Scan: d1`,
		},
		{
			name: "a semi join filters the relation holding its key before the inner join",
			in: func() plan.Node {
				inner := must(plan.NewJoin(f, d1, exec.JoinInner, rtEq(col("d1_k"), col("f_1"))))
				return must(plan.NewJoin(inner, d2, exec.JoinSemi, rtEq(col("d2_k"), col("d1_k"))))
			},
			want: `
		Inner Join: (d1_k = f_1)
		  Scan: f
		  Semi Join: (d2_k = d1_k)
		    Scan: d1
		    Scan: d2`,
		},
		{
			name: "an anti join keeps its condition, including one over the outer side only",
			in: func() plan.Node {
				inner := must(plan.NewJoin(f, d1, exec.JoinInner, rtEq(col("d1_k"), col("f_1"))))
				return must(plan.NewJoin(inner, d2, exec.JoinAnti, rtAnd(rtEq(col("d2_k"), col("d1_k")), rtBin(exec.OpGt, col("d1_k"), rtInt(1)))))
			},
			want: `
		Inner Join: (d1_k = f_1)
		  Scan: f
		  Anti Join: ((d2_k = d1_k) AND (d1_k > 1))
		    Scan: d1
		    Scan: d2`,
		},
		{
			name: "outer joins are not reordered, the inner trees below them are",
			in: func() plan.Node {
				inner := must(plan.NewJoin(d1, f, exec.JoinInner, rtEq(col("d1_k"), col("f_1"))))
				return must(plan.NewJoin(inner, d2, exec.JoinLeft, rtEq(col("d2_k"), col("f_2"))))
			},
			want: `
		Left Join: (d2_k = f_2)
		  Project: d1.d1_k, d1.d1_name, f.f_1, f.f_2, f.f_v
		    Inner Join: (d1_k = f_1)
		      Scan: f
		      Scan: d1
		  Scan: d2`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in()
			out, changed := rtApply(t, reorderJoins{}, in)
			if got, want := rtExplain(out), rtWant(c.want); got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			if changed != (rtExplain(in) != rtExplain(out)) {
				t.Fatalf("changed = %v for\n%s", changed, rtExplain(in))
			}
			rtSameResult(t, in, out)
			again, changed := rtApply(t, reorderJoins{}, out)
			if changed {
				t.Fatalf("a second run changed the plan again:\n%s", rtExplain(again))
			}
		})
	}
}

func TestReorderJoinsSwitchedOff(t *testing.T) {
	must := rtMust[plan.Node](t)
	d1, _, f := starFixture(t)
	in := must(plan.NewJoin(d1, f, exec.JoinInner, rtEq(rtCol("", "d1_k"), rtCol("", "f_1"))))
	off, err := Optimize(in, Options{Disabled: []string{"reorder_joins"}})
	if err != nil {
		t.Fatal(err)
	}
	if j := firstJoin(off); j == nil || !strings.HasPrefix(j.Right.Describe(), "Scan: f") {
		t.Fatalf("with the rule off the fact table should stay the build side:\n%s", rtExplain(off))
	}
	on, err := Optimize(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if j := firstJoin(on); j == nil || !strings.HasPrefix(j.Right.Describe(), "Scan: d1") {
		t.Fatalf("with the rule on the dimension should be the build side:\n%s", rtExplain(on))
	}
	rtSameResult(t, off, on)
}

func firstJoin(n plan.Node) *plan.Join {
	if j, ok := n.(*plan.Join); ok {
		return j
	}
	for _, c := range n.Children() {
		if j := firstJoin(c); j != nil {
			return j
		}
	}
	return nil
}

// TestReorderJoinsManyRelations checks the greedy path (more relations
// than the exhaustive search takes) on a chain of self-joins.
func TestReorderJoinsManyRelations(t *testing.T) {
	must := rtMust[plan.Node](t)
	tbl := rtTable(t, []string{"k:int64", "v:int64"}, "1|1", "2|2", "3|3", "4|1")
	n := maxDPRelations + 2
	var tree plan.Node
	var conds []plan.Expr
	for i := range n {
		alias := "t" + strconv.Itoa(i)
		s := plan.NewScan("t", alias, tbl)
		if tree == nil {
			tree = s
			continue
		}
		tree = must(plan.NewJoin(tree, s, exec.JoinInner, nil))
		conds = append(conds, rtEq(rtCol("t"+strconv.Itoa(i-1), "k"), rtCol(alias, "k")))
	}
	in := must(plan.NewFilter(tree, rtAnd(conds...)))
	pushed, _ := rtApply(t, pushPredicates{}, in)
	out, _ := rtApply(t, reorderJoins{}, pushed)
	assertNoCrossProducts(t, out)
	rtSameResult(t, pushed, out) // the unpushed plan is a 4^12-row cross product
}

func assertNoCrossProducts(t *testing.T, n plan.Node) {
	t.Helper()
	if j, ok := n.(*plan.Join); ok {
		keyed := false
		if j.On != nil {
			for _, c := range Conjuncts(j.On) {
				if _, _, ok := equiKey(c, j.Left.Schema(), j.Right.Schema()); ok {
					keyed = true
				}
			}
		}
		if !keyed {
			t.Fatalf("join without an equality key: %s", j.Describe())
		}
	}
	for _, c := range n.Children() {
		assertNoCrossProducts(t, c)
	}
}

// tpchQuery is TPC-H Q3 or Q5 built with the plan constructors the way a
// binder builds the SQL text: the FROM list as cross joins in written
// order, the WHERE clause as one filter above them.
func tpchQuery(t testing.TB, name string) plan.Node {
	t.Helper()
	must := rtMust[plan.Node](t)
	col := func(n string) plan.Column { return rtCol("", n) }
	from := func(tables ...string) plan.Node {
		var n plan.Node
		for _, name := range tables {
			s := tpchTable(t, name)
			if n == nil {
				n = s
				continue
			}
			n = must(plan.NewJoin(n, s, exec.JoinInner, nil))
		}
		return n
	}
	revenue := plan.Alias{Name: "revenue", Expr: plan.AggCall{Func: exec.AggSum, Args: []plan.Expr{
		rtBin(exec.OpMul, col("l_extendedprice"), rtBin(exec.OpSub, rtInt(1), col("l_discount")))}}}
	switch name {
	case "q3":
		where := must(plan.NewFilter(from("customer", "orders", "lineitem"), rtAnd(
			rtEq(col("c_mktsegment"), rtStr("BUILDING")),
			rtEq(col("c_custkey"), col("o_custkey")),
			rtEq(col("l_orderkey"), col("o_orderkey")),
			rtBin(exec.OpLt, col("o_orderdate"), rtDate(t, "1995-03-15")),
			rtBin(exec.OpGt, col("l_shipdate"), rtDate(t, "1995-03-15")))))
		agg := must(plan.NewAggregate(where, []plan.Expr{col("l_orderkey"), col("o_orderdate"), col("o_shippriority")}, []plan.Expr{revenue}))
		proj := must(plan.NewProject(agg, []plan.Expr{col("l_orderkey"), col("revenue"), col("o_orderdate"), col("o_shippriority")}))
		sorted := must(plan.NewSort(proj, []plan.SortKey{{Expr: col("revenue"), Desc: true}, {Expr: col("o_orderdate")}}))
		return must(plan.NewLimit(sorted, 0, 10))
	case "q5":
		// o_orderdate < date '1994-01-01' + interval '1' year, as written.
		nextYear := rtBin(exec.OpAdd, rtDate(t, "1994-01-01"),
			plan.Literal{Value: scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Months: 12})})
		where := must(plan.NewFilter(from("customer", "orders", "lineitem", "supplier", "nation", "region"), rtAnd(
			rtEq(col("c_custkey"), col("o_custkey")),
			rtEq(col("l_orderkey"), col("o_orderkey")),
			rtEq(col("l_suppkey"), col("s_suppkey")),
			rtEq(col("c_nationkey"), col("s_nationkey")),
			rtEq(col("s_nationkey"), col("n_nationkey")),
			rtEq(col("n_regionkey"), col("r_regionkey")),
			rtEq(col("r_name"), rtStr("ASIA")),
			rtBin(exec.OpGtEq, col("o_orderdate"), rtDate(t, "1994-01-01")),
			rtBin(exec.OpLt, col("o_orderdate"), nextYear))))
		agg := must(plan.NewAggregate(where, []plan.Expr{col("n_name")}, []plan.Expr{revenue}))
		return must(plan.NewSort(agg, []plan.SortKey{{Expr: col("revenue"), Desc: true}}))
	}
	t.Fatalf("no query %s", name)
	return nil
}

// rtCount runs count(*) over n.
func rtCount(t testing.TB, n plan.Node) float64 {
	t.Helper()
	count, err := plan.NewAggregate(n, nil, []plan.Expr{plan.AggCall{Func: exec.AggCountStar}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := strconv.ParseFloat(rtRun(t, count)[0][0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTPCHJoinOrder optimizes Q3 and Q5 and checks that no join is a cross
// product, that every build side is the smaller input (in estimated and in
// actual rows) and that the results match the reference answers, with the
// reorder rule on and off.
func TestTPCHJoinOrder(t *testing.T) {
	for _, q := range []struct{ name, answer string }{{"q3", "q03.csv"}, {"q5", "q05.csv"}} {
		t.Run(q.name, func(t *testing.T) {
			want, err := tpchcheck.ReadAnswer(filepath.Join("..", "testdata", "tpch", "answers", "sf0.01", q.answer))
			if err != nil {
				t.Fatal(err)
			}
			for _, disabled := range [][]string{nil, {"reorder_joins"}} {
				opt, err := Optimize(tpchQuery(t, q.name), Options{Disabled: disabled})
				if err != nil {
					t.Fatal(err)
				}
				assertNoCrossProducts(t, opt)
				if diff := want.Compare(rtRun(t, opt)); diff != "" {
					t.Fatalf("disabled %v: %s\n%s", disabled, diff, rtExplain(opt))
				}
				if disabled != nil {
					continue
				}
				var joins []*plan.Join
				collectJoins(opt, &joins)
				for _, j := range joins {
					if l, r := EstimateRows(j.Left), EstimateRows(j.Right); r > l {
						t.Errorf("estimated build side %v rows > probe side %v at %s", r, l, j.Describe())
					}
					if l, r := rtCount(t, j.Left), rtCount(t, j.Right); r > l {
						t.Errorf("build side has %v rows, probe side %v, at %s", r, l, j.Describe())
					}
				}
				t.Logf("optimized %s:\n%s", q.name, rtExplain(opt))
			}
		})
	}
}

func collectJoins(n plan.Node, out *[]*plan.Join) {
	if j, ok := n.(*plan.Join); ok {
		*out = append(*out, j)
	}
	for _, c := range n.Children() {
		collectJoins(c, out)
	}
}

// BenchmarkTPCHJoinOrder runs Q3 and Q5 at SF0.01 (planning included) with
// every rule on and with reorder_joins off (the FROM order, keyed by
// push_predicates). Besides wall time it reports the process CPU time per
// query (steadier than wall time on a shared machine) and the rows that
// go into hash-join build sides and come out of joins, counted once by
// running the plan's sub-trees: the work the join order decides.
func BenchmarkTPCHJoinOrder(b *testing.B) {
	for _, q := range []string{"q3", "q5"} {
		for _, mode := range []struct {
			name     string
			disabled []string
		}{{"rules_on", nil}, {"reorder_off", []string{"reorder_joins"}}} {
			b.Run(q+"/"+mode.name, func(b *testing.B) {
				logical := tpchQuery(b, q)
				opt, err := Optimize(logical, Options{Disabled: mode.disabled})
				if err != nil {
					b.Fatal(err)
				}
				var joins []*plan.Join
				collectJoins(opt, &joins)
				var built, joined float64
				for _, j := range joins {
					built += rtCount(b, j.Right)
					joined += rtCount(b, j)
				}
				cpu0 := processCPU()
				b.ResetTimer()
				for b.Loop() {
					opt, err := Optimize(logical, Options{Disabled: mode.disabled})
					if err != nil {
						b.Fatal(err)
					}
					op, err := Physical(opt, PhysicalOptions{Parallelism: 2})
					if err != nil {
						b.Fatal(err)
					}
					if _, err := exectest.Drain(exec.NewContext(context.Background(), memory.DefaultAllocator), op); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
				b.ReportMetric(built, "build-rows")
				b.ReportMetric(joined, "join-out-rows")
			})
		}
	}
}

// processCPU is the user+system CPU time this process has used, in ns.
func processCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

var _ store.Table = statsTable{}
