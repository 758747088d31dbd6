package optimizer

import (
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

func TestSemiJoinReduction(t *testing.T) {
	must := rtMust[plan.Node](t)
	d1, _, f := starFixture(t)
	col := func(name string) plan.Column { return rtCol("", name) }
	// Per f_2 (4 groups in 12 rows; estimated 12), the sum of f_v,
	// joined to the d1 rows the filter keeps.
	grouped := func() plan.Node {
		agg := must(plan.NewAggregate(f, []plan.Expr{col("f_2")}, []plan.Expr{plan.Alias{Name: "total",
			Expr: plan.AggCall{Func: exec.AggSum, Args: []plan.Expr{col("f_v")}}}}))
		return must(plan.NewProject(agg, []plan.Expr{plan.Alias{Name: "g", Expr: col("f_2")}, col("total")}))
	}
	oneKey := func() plan.Node { return must(plan.NewFilter(d1, rtEq(col("d1_k"), rtInt(2)))) }
	for _, c := range []struct {
		name string
		in   func() plan.Node
		want string
	}{
		{
			name: "a single join on the grouping key aggregates only the matching keys",
			in: func() plan.Node {
				return must(plan.NewJoin(oneKey(), grouped(), exec.JoinSingle, rtEq(col("d1_k"), col("g"))))
			},
			want: `
		Single Join: (d1_k = g)
		  Filter: (d1_k = 2)
		    Scan: d1
		  Project: f_2 AS g, total
		    Aggregate: groups=[f_2] aggs=[sum(f_v) AS total]
		      Semi Join: (f_2 = d1_k)
		        Scan: f
		        Filter: (d1_k = 2)
		          Scan: d1`,
		},
		{
			name: "an inner join with the aggregate on the left, through a projection of the key",
			in: func() plan.Node {
				left := must(plan.NewProject(oneKey(), []plan.Expr{plan.Alias{Name: "k", Expr: col("d1_k")}}))
				return must(plan.NewJoin(grouped(), left, exec.JoinInner, rtEq(col("k"), col("g"))))
			},
			want: `
		Inner Join: (k = g)
		  Project: f_2 AS g, total
		    Aggregate: groups=[f_2] aggs=[sum(f_v) AS total]
		      Semi Join: (f_2 = k)
		        Scan: f
		        Project: d1_k AS k
		          Filter: (d1_k = 2)
		            Scan: d1
		  Project: d1_k AS k
		    Filter: (d1_k = 2)
		      Scan: d1`,
		},
		{
			name: "not when the other side has about as many keys as there are groups",
			in: func() plan.Node {
				return must(plan.NewJoin(d1, grouped(), exec.JoinSingle, rtEq(col("d1_k"), col("g"))))
			},
			want: `
		Single Join: (d1_k = g)
		  Scan: d1
		  Project: f_2 AS g, total
		    Aggregate: groups=[f_2] aggs=[sum(f_v) AS total]
		      Scan: f`,
		},
		{
			name: "not on a column that is not a grouping key",
			in: func() plan.Node {
				return must(plan.NewJoin(oneKey(), grouped(), exec.JoinSingle, rtEq(col("d1_k"), col("total"))))
			},
			want: `
		Single Join: (d1_k = total)
		  Filter: (d1_k = 2)
		    Scan: d1
		  Project: f_2 AS g, total
		    Aggregate: groups=[f_2] aggs=[sum(f_v) AS total]
		      Scan: f`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in()
			out, changed := rtApply(t, semiJoinReduction{}, in)
			if got, want := rtExplain(out), rtWant(c.want); got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			if changed != (rtExplain(in) != rtExplain(out)) {
				t.Fatalf("changed = %v for\n%s", changed, rtExplain(in))
			}
			rtSameResult(t, in, out)
			if again, changed := rtApply(t, semiJoinReduction{}, out); changed {
				t.Fatalf("a second run changed the plan again:\n%s", rtExplain(again))
			}
		})
	}
}
