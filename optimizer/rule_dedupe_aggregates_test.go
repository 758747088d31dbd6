package optimizer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/decimal128"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/plan"
)

func TestDedupeAggregates(t *testing.T) {
	must := rtMust[plan.Node](t)
	col := func(name string) plan.Column { return rtCol("", name) }
	li := plan.NewScan("li", "", rtTable(t, []string{"flag:utf8", "price:decimal(12,2)", "disc:decimal(12,2)", "tax:decimal(12,2)"},
		"A|100.00|0.05|0.01", "A|200.50|0.10|0.02", "B|10.00|0.00|0.08", "B|NULL|0.01|0.00", "A|33.33|NULL|0.03", "C|1.00|1.00|1.00"))
	one := plan.Literal{Value: scalar.NewDecimal128Scalar(decimal128.FromI64(1), &arrow.Decimal128Type{Precision: 1, Scale: 0})}
	discPrice := rtBin(exec.OpMul, col("price"), rtBin(exec.OpSub, one, col("disc")))
	agg := func(f exec.AggFunc, arg plan.Expr, name string) plan.Expr {
		call := plan.AggCall{Func: f}
		if arg != nil {
			call.Args = []plan.Expr{arg}
		}
		if name == "" {
			return call
		}
		return plan.Alias{Expr: call, Name: name}
	}
	for _, c := range []struct {
		name string
		in   func() plan.Node
		want string
	}{
		{
			name: "Q1: the discounted price is computed once",
			in: func() plan.Node {
				return must(plan.NewAggregate(li, []plan.Expr{col("flag")}, []plan.Expr{
					agg(exec.AggSum, discPrice, "sum_disc_price"),
					agg(exec.AggSum, rtBin(exec.OpMul, discPrice, rtBin(exec.OpAdd, one, col("tax"))), "sum_charge"),
					agg(exec.AggSum, discPrice, ""),
				}))
			},
			want: `
		Project: li.flag, sum_disc_price, sum_charge, sum_disc_price AS sum((price * (1 - disc)))
		  Aggregate: groups=[flag] aggs=[sum(__cse0) AS sum_disc_price, sum((__cse0 * (1 + tax))) AS sum_charge]
		    Project: li.flag, li.price, li.disc, li.tax, (price * (1 - disc)) AS __cse0
		      Scan: li`,
		},
		{
			name: "identical calls under several names",
			in: func() plan.Node {
				return must(plan.NewAggregate(li, []plan.Expr{col("flag")}, []plan.Expr{
					agg(exec.AggSum, col("price"), "a"),
					agg(exec.AggCountStar, nil, "n"),
					agg(exec.AggSum, col("price"), "b"),
					agg(exec.AggCountStar, nil, ""),
					agg(exec.AggAvg, col("price"), "a2"),
				}))
			},
			want: `
		Project: li.flag, a, n, a AS b, n AS count(*), a2
		  Aggregate: groups=[flag] aggs=[sum(price) AS a, count(*) AS n, avg(price) AS a2]
		    Scan: li`,
		},
		{
			name: "clashing names get internal ones",
			in: func() plan.Node {
				return must(plan.NewAggregate(li, nil, []plan.Expr{
					agg(exec.AggSum, col("price"), "x"),
					agg(exec.AggMax, col("price"), "x"),
					agg(exec.AggSum, col("price"), "y"),
				}))
			},
			want: `
		Project: __agg0 AS x, __agg1 AS x, __agg0 AS y
		  Aggregate: groups=[] aggs=[sum(price) AS __agg0, max(price) AS __agg1]
		    Scan: li`,
		},
		{
			name: "nothing repeated: unchanged",
			in: func() plan.Node {
				return must(plan.NewAggregate(li, []plan.Expr{col("flag")}, []plan.Expr{
					agg(exec.AggSum, discPrice, "a"), agg(exec.AggMin, col("price"), "b"),
				}))
			},
			want: `
		Aggregate: groups=[flag] aggs=[sum((price * (1 - disc))) AS a, min(price) AS b]
		  Scan: li`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in()
			out, changed := rtApply(t, dedupeAggregates{}, in)
			if got, want := rtExplain(out), rtWant(c.want); got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			if changed != (rtExplain(in) != rtExplain(out)) {
				t.Fatalf("changed = %v for\n%s", changed, rtExplain(in))
			}
			rtSameResult(t, in, out)
			if _, changed := rtApply(t, dedupeAggregates{}, out); changed {
				t.Fatal("a second run changed the plan again")
			}
		})
	}
}

// tpchQ1 is TPC-H Q1 as a binder builds it, with the date arithmetic left
// for fold_constants.
func tpchQ1(t testing.TB) plan.Node {
	must := rtMust[plan.Node](t)
	col := func(n string) plan.Column { return rtCol("", n) }
	cutoff := rtBin(exec.OpSub, rtDate(t, "1998-12-01"),
		plan.Literal{Value: scalar.NewMonthDayNanoIntervalScalar(arrow.MonthDayNanoInterval{Days: 90})})
	where := must(plan.NewFilter(tpchTable(t, "lineitem"), rtBin(exec.OpLtEq, col("l_shipdate"), cutoff)))
	discPrice := rtBin(exec.OpMul, col("l_extendedprice"), rtBin(exec.OpSub, rtInt(1), col("l_discount")))
	named := func(f exec.AggFunc, arg plan.Expr, name string) plan.Expr {
		call := plan.AggCall{Func: f}
		if arg != nil {
			call.Args = []plan.Expr{arg}
		}
		return plan.Alias{Expr: call, Name: name}
	}
	agg := must(plan.NewAggregate(where, []plan.Expr{col("l_returnflag"), col("l_linestatus")}, []plan.Expr{
		named(exec.AggSum, col("l_quantity"), "sum_qty"),
		named(exec.AggSum, col("l_extendedprice"), "sum_base_price"),
		named(exec.AggSum, discPrice, "sum_disc_price"),
		named(exec.AggSum, rtBin(exec.OpMul, discPrice, rtBin(exec.OpAdd, rtInt(1), col("l_tax"))), "sum_charge"),
		named(exec.AggAvg, col("l_quantity"), "avg_qty"),
		named(exec.AggAvg, col("l_extendedprice"), "avg_price"),
		named(exec.AggAvg, col("l_discount"), "avg_disc"),
		named(exec.AggCountStar, nil, "count_order"),
	}))
	return must(plan.NewSort(agg, []plan.SortKey{{Expr: col("l_returnflag")}, {Expr: col("l_linestatus")}}))
}

// TestDedupeAggregatesTPCHQ1 checks Q1 against its answer with the rule on
// and off, and that on, the shared expression is computed once.
func TestDedupeAggregatesTPCHQ1(t *testing.T) {
	want, err := tpchcheck.ReadAnswer(filepath.Join("..", "testdata", "tpch", "answers", "sf0.01", "q01.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, disabled := range [][]string{nil, {"dedupe_aggregates"}} {
		opt, err := Optimize(tpchQ1(t), Options{Disabled: disabled})
		if err != nil {
			t.Fatal(err)
		}
		text := rtExplain(opt)
		shared := strings.Contains(text, "AS __cse0")
		if shared != (disabled == nil) {
			t.Errorf("disabled %v: shared expression present = %v in\n%s", disabled, shared, text)
		}
		if diff := want.Compare(rtRun(t, opt)); diff != "" {
			t.Fatalf("disabled %v: %s\n%s", disabled, diff, text)
		}
	}
}
