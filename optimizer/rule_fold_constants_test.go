package optimizer

import (
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

func TestFoldConstants(t *testing.T) {
	f := newRTFixture(t)
	must := rtMust[plan.Node](t)
	col := func(name string) plan.Column { return rtCol("", name) }
	days := func(n int32) plan.Literal {
		return plan.Literal{Value: scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Days: n})}
	}
	dated := plan.NewScan("d", "", rtTable(t, []string{"k:int64", "day:date32"},
		"1|1998-08-01", "2|1998-09-02", "3|1998-09-03", "4|1998-12-01", "5|NULL"))
	gt := func(c string, v int64) plan.Expr { return rtBin(exec.OpGt, col(c), rtInt(v)) }
	for _, c := range []struct {
		name string
		in   func() plan.Node
		want string
		// noRun marks plans whose evaluation fails at run time (1/0), so
		// only the plan text is compared.
		noRun bool
	}{
		{
			name: "date minus interval becomes a date literal",
			in: func() plan.Node {
				return must(plan.NewFilter(dated, rtBin(exec.OpLtEq, col("day"), rtBin(exec.OpSub, rtDate(t, "1998-12-01"), days(90)))))
			},
			want: `
		Filter: (day <= DATE '1998-09-02')
		  Scan: d`,
		},
		{
			name: "arithmetic in a projection keeps the column name",
			in: func() plan.Node {
				return must(plan.NewProject(f.a, []plan.Expr{col("a_id"), rtBin(exec.OpAdd, rtInt(1), rtBin(exec.OpMul, rtInt(2), rtInt(3)))}))
			},
			want: `
		Project: a_id, 7 AS (1 + (2 * 3))`,
		},
		{
			name: "casts of literals",
			in: func() plan.Node {
				return must(plan.NewProject(dated, []plan.Expr{
					plan.Alias{Name: "d", Expr: plan.Cast{Expr: rtStr("1995-03-15"), To: arrow.FixedWidthTypes.Date32}},
					plan.Alias{Name: "x", Expr: plan.Cast{Expr: rtInt(1), To: &arrow.Decimal128Type{Precision: 10, Scale: 2}}},
				}))
			},
			want: `
		Project: DATE '1995-03-15' AS d, 1.00 AS x`,
		},
		{
			name: "division by zero is left for run time",
			in: func() plan.Node {
				return must(plan.NewProject(f.a, []plan.Expr{plan.Alias{Name: "bad", Expr: rtBin(exec.OpAdd, col("a_n"), rtBin(exec.OpMod, rtInt(1), rtBin(exec.OpSub, rtInt(1), rtInt(1))))}}))
			},
			want: `
		Project: (a_n + (1 % 0)) AS bad`,
			noRun: true,
		},
		{
			name: "boolean identities",
			in: func() plan.Node {
				notNot := plan.Unary{Op: plan.OpNot, Expr: plan.Unary{Op: plan.OpNot, Expr: gt("a_id", 2)}}
				return must(plan.NewFilter(f.a, rtAnd(
					rtBin(exec.OpAnd, gt("a_n", 1), rtBool(true)),
					rtBin(exec.OpOr, rtBool(false), notNot),
					rtBin(exec.OpOr, gt("a_n", 100), rtBin(exec.OpLt, rtInt(1), rtInt(2))))))
			},
			want: `
		Filter: ((a_n > 1) AND (a_id > 2))
		  Scan: a`,
		},
		{
			name: "x AND false is false even for NULL x",
			in: func() plan.Node {
				return must(plan.NewFilter(f.a, rtBin(exec.OpAnd, gt("a_n", 1), rtEq(rtInt(1), rtInt(2)))))
			},
			want: `
		Filter: false
		  Scan: a`,
		},
		{
			name: "a filter that folds to true disappears",
			in: func() plan.Node {
				return must(plan.NewFilter(f.a, rtEq(rtInt(2), rtBin(exec.OpAdd, rtInt(1), rtInt(1)))))
			},
			want: `
		Scan: a`,
		},
		{
			name: "an inner join on a true condition is a cross join",
			in: func() plan.Node {
				return must(plan.NewJoin(f.a, f.c, exec.JoinInner, rtBin(exec.OpOr, rtBool(true), gt("a_n", 1))))
			},
			want: `
		Inner Join
		  Scan: a
		  Scan: c`,
		},
		{
			name: "aggregate arguments and scan filters",
			in: func() plan.Node {
				s := must(plan.NewFilter(f.a, rtBin(exec.OpGt, col("a_n"), rtBin(exec.OpSub, rtInt(3), rtInt(1))))).(*plan.Filter)
				scan, err := f.a.WithFilters([]plan.Expr{s.Predicate, rtBool(true)})
				if err != nil {
					t.Fatal(err)
				}
				sum := plan.AggCall{Func: exec.AggSum, Args: []plan.Expr{rtBin(exec.OpMul, col("a_n"), rtBin(exec.OpAdd, rtInt(2), rtInt(3)))}}
				return must(plan.NewAggregate(scan, []plan.Expr{col("a_v")}, []plan.Expr{sum}))
			},
			want: `
		Aggregate: groups=[a_v] aggs=[sum((a_n * 5)) AS sum((a_n * (2 + 3)))]
		  Scan: a filters=[(a_n > 2)]`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in()
			out, changed := rtApply(t, foldConstants{}, in)
			if got, want := rtExplain(out), rtWant(c.want); !strings.HasPrefix(got, want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			if changed != (rtExplain(in) != rtExplain(out)) {
				t.Fatalf("changed = %v for\n%s", changed, rtExplain(in))
			}
			if !c.noRun {
				rtSameResult(t, in, out)
			}
			if _, changed := rtApply(t, foldConstants{}, out); changed {
				t.Fatal("a second run changed the plan again")
			}
		})
	}
}

// TestFoldConstantsSwitchedOff checks that Q5's date arithmetic reaches
// the orders scan as a literal only with the rule on.
func TestFoldConstantsSwitchedOff(t *testing.T) {
	q5 := tpchQuery(t, "q5")
	on, err := Optimize(q5, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rtExplain(on); !strings.Contains(got, "(o_orderdate < DATE '1995-01-01')") {
		t.Fatalf("with the rule on:\n%s", got)
	}
	off, err := Optimize(q5, Options{Disabled: []string{"fold_constants"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rtExplain(off); !strings.Contains(got, "(o_orderdate < (DATE '1994-01-01' + INTERVAL '12 months'))") {
		t.Fatalf("with the rule off:\n%s", got)
	}
}
