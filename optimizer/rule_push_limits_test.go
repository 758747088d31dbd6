package optimizer

import (
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

func TestPushLimits(t *testing.T) {
	f := newRTFixture(t)
	must := rtMust[plan.Node](t)
	col := func(name string) plan.Column { return rtCol("", name) }
	sorted := func() plan.Node { return must(plan.NewSort(f.a, []plan.SortKey{{Expr: col("a_n")}})) }
	double := func(in plan.Node) plan.Node {
		return must(plan.NewProject(in, []plan.Expr{col("a_id"), plan.Alias{Name: "d", Expr: rtBin(exec.OpMul, col("a_n"), rtInt(2))}}))
	}
	for _, c := range []struct {
		name string
		in   func() plan.Node
		want string
		// countOnly: the limit picks arbitrary rows, so only how many
		// come out is comparable.
		countOnly bool
	}{
		{
			name: "below a projection, onto a sort: a top-N",
			in:   func() plan.Node { return must(plan.NewLimit(double(sorted()), 1, 3)) },
			want: `
		Project: a_id, (a_n * 2) AS d
		  Limit: 3 offset 1
		    Sort: a_n ASC
		      Scan: a`,
		},
		{
			name: "two limits merge",
			in: func() plan.Node {
				return must(plan.NewLimit(must(plan.NewLimit(sorted(), 1, 4)), 2, 5))
			},
			want: `
		Limit: 2 offset 3
		  Sort: a_n ASC
		    Scan: a`,
		},
		{
			name: "an unbounded inner limit keeps the outer count",
			in: func() plan.Node {
				return must(plan.NewLimit(must(plan.NewLimit(sorted(), 2, -1)), 1, 2))
			},
			want: `
		Limit: 2 offset 3
		  Sort: a_n ASC
		    Scan: a`,
		},
		{
			name: "into every union input",
			in: func() plan.Node {
				pb := must(plan.NewProject(f.b, []plan.Expr{col("b_id"), col("b_w")}))
				pa := must(plan.NewProject(f.a, []plan.Expr{col("a_id"), col("a_n")}))
				return must(plan.NewLimit(must(plan.NewUnion(pa, pb)), 1, 2))
			},
			want: `
		Limit: 2 offset 1
		  Union All
		    Project: a_id, a_n
		      Limit: 3
		        Scan: a
		    Project: b_id, b_w
		      Limit: 3
		        Scan: b`,
			countOnly: true,
		},
		{
			name: "not below a filter",
			in: func() plan.Node {
				return must(plan.NewLimit(must(plan.NewFilter(f.a, rtBin(exec.OpGt, col("a_n"), rtInt(2)))), 0, 2))
			},
			want: `
		Limit: 2
		  Filter: (a_n > 2)
		    Scan: a`,
			countOnly: true,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in()
			out, changed := rtApply(t, pushLimits{}, in)
			if got, want := rtExplain(out), rtWant(c.want); got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			if changed != (rtExplain(in) != rtExplain(out)) {
				t.Fatalf("changed = %v for\n%s", changed, rtExplain(in))
			}
			if c.countOnly {
				if a, b := len(rtRun(t, in)), len(rtRun(t, out)); a != b {
					t.Fatalf("%d rows became %d", a, b)
				}
			} else {
				rtSameResult(t, in, out)
			}
			if _, changed := rtApply(t, pushLimits{}, out); changed {
				t.Fatal("a second run changed the plan again")
			}
		})
	}
}

func TestMergeLimits(t *testing.T) {
	for _, c := range []struct{ io, ic, oo, oc, wo, wc int64 }{
		{0, 10, 0, 5, 0, 5},
		{0, 5, 0, 10, 0, 5},
		{2, 5, 3, 10, 5, 2},
		{2, 5, 7, 10, 9, 0},
		{0, -1, 3, 4, 3, 4},
		{1, 6, 2, -1, 3, 4},
		{0, -1, 0, -1, 0, -1},
	} {
		if o, n := mergeLimits(c.io, c.ic, c.oo, c.oc); o != c.wo || n != c.wc {
			t.Errorf("limit %d offset %d over limit %d offset %d = limit %d offset %d, want limit %d offset %d", c.oc, c.oo, c.ic, c.io, n, o, c.wc, c.wo)
		}
	}
}

func TestPushLimitsSwitchedOff(t *testing.T) {
	f := newRTFixture(t)
	must := rtMust[plan.Node](t)
	in := must(plan.NewLimit(must(plan.NewProject(must(plan.NewSort(f.a, []plan.SortKey{{Expr: rtCol("", "a_n")}})), []plan.Expr{rtCol("", "a_id")})), 0, 2))
	off, err := Optimize(in, Options{Disabled: []string{"push_limits"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rtExplain(off); !strings.HasPrefix(got, "Limit: 2\n  Project") {
		t.Fatalf("with the rule off:\n%s", got)
	}
	on, err := Optimize(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rtExplain(on); !strings.HasPrefix(got, "Project: a_id\n  Limit: 2\n    Sort") {
		t.Fatalf("with the rule on:\n%s", got)
	}
	rtSameResult(t, off, on)
}
