package optimizer

import (
	"strings"
	"testing"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// rtFixture holds three small tables a, b, c that join on a.a_id = b.b_a
// and b.b_id = c.c_b, with nulls and unmatched rows on every side.
type rtFixture struct{ a, b, c *plan.Scan }

func newRTFixture(t testing.TB) rtFixture {
	return rtFixture{
		a: plan.NewScan("a", "", rtTable(t, []string{"a_id:int64", "a_v:utf8", "a_n:int64"},
			"1|x|1", "2|y|2", "3|x|3", "4|z|NULL", "5|NULL|5", "6|y|6", "NULL|x|7")),
		b: plan.NewScan("b", "", rtTable(t, []string{"b_id:int64", "b_a:int64", "b_w:int64"},
			"10|1|1", "11|1|7", "12|2|3", "13|3|NULL", "14|9|4", "15|NULL|2", "16|6|6")),
		c: plan.NewScan("c", "", rtTable(t, []string{"c_b:int64", "c_x:int64"},
			"10|1", "11|2", "12|1", "16|1", "99|1")),
	}
}

func TestPushPredicates(t *testing.T) {
	f := newRTFixture(t)
	must := rtMust[plan.Node](t)
	col := func(name string) plan.Column { return rtCol("", name) }
	gt := func(c string, v int64) plan.Expr { return rtBin(exec.OpGt, col(c), rtInt(v)) }
	for _, c := range []struct {
		name string
		in   func() plan.Node
		want string
	}{
		{
			name: "comma join becomes a keyed join",
			in: func() plan.Node {
				cross := must(plan.NewJoin(f.a, f.b, exec.JoinInner, nil))
				return must(plan.NewFilter(cross, rtAnd(rtEq(col("a_id"), col("b_a")), gt("a_n", 1), gt("b_w", 2))))
			},
			want: `
		Inner Join: (a_id = b_a)
		  Filter: (a_n > 1)
		    Scan: a
		  Filter: (b_w > 2)
		    Scan: b`,
		},
		{
			name: "Q19 shape: the key repeated in every disjunct becomes the join key, each side gets the implied OR",
			in: func() plan.Node {
				cross := must(plan.NewJoin(f.a, f.b, exec.JoinInner, nil))
				lt := func(c string, v int64) plan.Expr { return rtBin(exec.OpLt, col(c), rtInt(v)) }
				return must(plan.NewFilter(cross, rtBin(exec.OpOr,
					rtAnd(rtEq(col("a_id"), col("b_a")), gt("a_n", 1), gt("b_w", 1)),
					rtAnd(rtEq(col("a_id"), col("b_a")), lt("a_n", 0), lt("b_w", 0)))))
			},
			want: `
		Inner Join: ((a_id = b_a) AND (((a_n > 1) AND (b_w > 1)) OR ((a_n < 0) AND (b_w < 0))))
		  Filter: ((a_n > 1) OR (a_n < 0))
		    Scan: a
		  Filter: ((b_w > 1) OR (b_w < 0))
		    Scan: b`,
		},
		{
			name: "three-way comma join gets a key at each level",
			in: func() plan.Node {
				ab := must(plan.NewJoin(f.a, f.b, exec.JoinInner, nil))
				abc := must(plan.NewJoin(ab, f.c, exec.JoinInner, nil))
				return must(plan.NewFilter(abc, rtAnd(rtEq(col("b_id"), col("c_b")), rtEq(col("a_id"), col("b_a")), rtEq(col("c_x"), rtInt(1)))))
			},
			want: `
		Inner Join: (b_id = c_b)
		  Inner Join: (a_id = b_a)
		    Scan: a
		    Scan: b
		  Filter: (c_x = 1)
		    Scan: c`,
		},
		{
			name: "through a projection with the alias substituted",
			in: func() plan.Node {
				p := must(plan.NewProject(f.a, []plan.Expr{col("a_id"), plan.Alias{Expr: rtBin(exec.OpMul, col("a_n"), rtInt(2)), Name: "dbl"}}))
				return must(plan.NewFilter(p, rtAnd(gt("dbl", 4), gt("a_id", 1))))
			},
			want: `
		Project: a_id, (a_n * 2) AS dbl
		  Filter: (((a_n * 2) > 4) AND (a_id > 1))
		    Scan: a`,
		},
		{
			name: "left join: preserved side only, right-only ON conjuncts into the right",
			in: func() plan.Node {
				j := must(plan.NewJoin(f.a, f.b, exec.JoinLeft, rtAnd(rtEq(col("a_id"), col("b_a")), gt("b_w", 1), gt("a_n", 2))))
				return must(plan.NewFilter(j, rtAnd(gt("a_n", 1), plan.Unary{Op: plan.OpIsNull, Expr: col("b_w")})))
			},
			want: `
		Filter: b_w IS NULL
		  Left Join: ((a_id = b_a) AND (a_n > 2))
		    Filter: (a_n > 1)
		      Scan: a
		    Filter: (b_w > 1)
		      Scan: b`,
		},
		{
			name: "right join: mirror image",
			in: func() plan.Node {
				j := must(plan.NewJoin(f.a, f.b, exec.JoinRight, rtAnd(rtEq(col("a_id"), col("b_a")), gt("a_n", 2))))
				return must(plan.NewFilter(j, rtAnd(gt("a_n", 1), gt("b_w", 1))))
			},
			want: `
		Filter: (a_n > 1)
		  Right Join: (a_id = b_a)
		    Filter: (a_n > 2)
		      Scan: a
		    Filter: (b_w > 1)
		      Scan: b`,
		},
		{
			name: "full join keeps everything where it is",
			in: func() plan.Node {
				j := must(plan.NewJoin(f.a, f.b, exec.JoinFull, rtAnd(rtEq(col("a_id"), col("b_a")), gt("a_n", 2))))
				return must(plan.NewFilter(j, gt("a_n", 1)))
			},
			want: `
		Filter: (a_n > 1)
		  Full Join: ((a_id = b_a) AND (a_n > 2))
		    Scan: a
		    Scan: b`,
		},
		{
			name: "semi join: left-only conjuncts filter the left",
			in: func() plan.Node {
				j := must(plan.NewJoin(f.a, f.b, exec.JoinSemi, rtAnd(rtEq(col("a_id"), col("b_a")), gt("a_n", 2), gt("b_w", 0))))
				return must(plan.NewFilter(j, gt("a_id", 1)))
			},
			want: `
		Semi Join: (a_id = b_a)
		  Filter: ((a_id > 1) AND (a_n > 2))
		    Scan: a
		  Filter: (b_w > 0)
		    Scan: b`,
		},
		{
			name: "anti join keeps left-only ON conjuncts in the condition",
			in: func() plan.Node {
				j := must(plan.NewJoin(f.a, f.b, exec.JoinAnti, rtAnd(rtEq(col("a_id"), col("b_a")), gt("a_n", 2))))
				return must(plan.NewFilter(j, gt("a_id", 1)))
			},
			want: `
		Anti Join: ((a_id = b_a) AND (a_n > 2))
		  Filter: (a_id > 1)
		    Scan: a
		  Scan: b`,
		},
		{
			name: "mark join keeps right-only ON conjuncts, whose NULLs decide the mark",
			in: func() plan.Node {
				j := must(plan.NewJoin(f.a, f.b, exec.JoinMark, rtAnd(rtEq(col("a_id"), col("b_a")), gt("b_w", 1))))
				return must(plan.NewFilter(j, gt("a_id", 1)))
			},
			want: `
		Mark Join: ((a_id = b_a) AND (b_w > 1))
		  Filter: (a_id > 1)
		    Scan: a
		  Scan: b`,
		},
		{
			name: "below an aggregate only over grouping columns",
			in: func() plan.Node {
				agg := must(plan.NewAggregate(f.a, []plan.Expr{col("a_v")}, []plan.Expr{plan.Alias{Expr: plan.AggCall{Func: exec.AggSum, Args: []plan.Expr{col("a_n")}}, Name: "s"}}))
				return must(plan.NewFilter(agg, rtAnd(rtEq(col("a_v"), rtStr("x")), gt("s", 3))))
			},
			want: `
		Filter: (s > 3)
		  Aggregate: groups=[a_v] aggs=[sum(a_n) AS s]
		    Filter: (a_v = 'x')
		      Scan: a`,
		},
		{
			name: "never below a global aggregate",
			in: func() plan.Node {
				agg := must(plan.NewAggregate(f.a, nil, []plan.Expr{plan.Alias{Expr: plan.AggCall{Func: exec.AggCountStar}, Name: "n"}}))
				return must(plan.NewFilter(agg, rtBool(false)))
			},
			want: `
		Filter: false
		  Aggregate: groups=[] aggs=[count(*) AS n]
		    Scan: a`,
		},
		{
			name: "below a sort, not below a limit",
			in: func() plan.Node {
				s := must(plan.NewSort(f.a, []plan.SortKey{{Expr: col("a_id")}}))
				l := must(plan.NewLimit(s, 0, 3))
				return must(plan.NewFilter(must(plan.NewSort(must(plan.NewFilter(l, gt("a_n", 1))), []plan.SortKey{{Expr: col("a_n")}})), gt("a_id", 1)))
			},
			want: `
		Sort: a_n ASC
		  Filter: ((a_id > 1) AND (a_n > 1))
		    Limit: 3
		      Sort: a_id ASC
		        Scan: a`,
		},
		{
			name: "into every union input, renamed",
			in: func() plan.Node {
				pa := must(plan.NewProject(f.a, []plan.Expr{col("a_id"), col("a_n")}))
				pb := must(plan.NewProject(f.b, []plan.Expr{col("b_id"), col("b_w")}))
				u := must(plan.NewUnion(pa, pb))
				return must(plan.NewFilter(u, rtAnd(gt("a_n", 2), gt("a_id", 1))))
			},
			want: `
		Union All
		  Project: a_id, a_n
		    Filter: ((a_n > 2) AND (a_id > 1))
		      Scan: a
		  Project: b_id, b_w
		    Filter: ((b_w > 2) AND (b_id > 1))
		      Scan: b`,
		},
		{
			name: "through distinct; duplicates removed",
			in: func() plan.Node {
				d := plan.NewDistinct(must(plan.NewFilter(f.a, gt("a_n", 1))))
				return must(plan.NewFilter(d, rtAnd(gt("a_n", 1), gt("a_id", 0))))
			},
			want: `
		Distinct
		  Filter: ((a_n > 1) AND (a_id > 0))
		    Scan: a`,
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := c.in()
			out, changed := rtApply(t, pushPredicates{}, in)
			if got, want := rtExplain(out), rtWant(c.want); got != want {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
			if changed != (rtExplain(in) != rtExplain(out)) {
				t.Fatalf("changed = %v for\n%s", changed, rtExplain(in))
			}
			rtSameResult(t, in, out)
			again, changed := rtApply(t, pushPredicates{}, out)
			if changed || rtExplain(again) != rtExplain(out) {
				t.Fatalf("a second run changed the plan again:\n%s", rtExplain(again))
			}
		})
	}
}

// TestPushPredicatesSwitchedOff checks that the comma join stays a cross
// product filtered on top when the rule is off, and gets its key when on.
func TestPushPredicatesSwitchedOff(t *testing.T) {
	f := newRTFixture(t)
	must := rtMust[plan.Node](t)
	cross := must(plan.NewJoin(f.a, f.b, exec.JoinInner, nil))
	in := must(plan.NewFilter(cross, rtEq(rtCol("", "a_id"), rtCol("", "b_a"))))
	off, err := Optimize(in, Options{Disabled: []string{"push_predicates"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rtExplain(off); !strings.HasPrefix(got, "Filter: (a_id = b_a)\n  Inner Join\n") {
		t.Fatalf("with the rule off:\n%s", got)
	}
	on, err := Optimize(in, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rtExplain(on); !strings.HasPrefix(got, "Inner Join: (a_id = b_a)") {
		t.Fatalf("with the rule on:\n%s", got)
	}
	rtSameResult(t, off, on)
}

func TestFactorDisjunction(t *testing.T) {
	col := func(name string) plan.Column { return rtCol("", name) }
	a, b, c := rtEq(col("x"), rtInt(1)), rtEq(col("y"), rtInt(2)), rtEq(col("z"), rtInt(3))
	or := func(l, r plan.Expr) plan.Expr { return rtBin(exec.OpOr, l, r) }
	for _, tc := range []struct {
		in   plan.Expr
		want string
	}{
		{or(rtAnd(a, b), rtAnd(c, a)), "((x = 1) AND ((y = 2) OR (z = 3)))"},
		{or(a, rtAnd(a, c)), "(x = 1)"},
		{or(rtAnd(a, b), c), "(((x = 1) AND (y = 2)) OR (z = 3))"},
		{rtAnd(a, b), "((x = 1) AND (y = 2))"},
	} {
		if got := factorDisjunction(tc.in).String(); got != tc.want {
			t.Errorf("factorDisjunction(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
