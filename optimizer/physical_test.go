package optimizer

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// TestSwappedSemiJoin checks that a semi or anti join whose subquery side
// is much larger hashes its preserved side instead, with the same rows,
// including a residual over both sides and NULL keys on both sides.
func TestSwappedSemiJoin(t *testing.T) {
	must := rtMust[plan.Node](t)
	small := func() plan.Node {
		return plan.NewScan("p", "", rtTable(t, []string{"k:int64", "v:int64"}, "1|5", "2|6", "3|7", "NULL|8"))
	}
	bigRows := []string{"1|5", "2|5", "2|6", "NULL|1"}
	for i := range 20 {
		bigRows = append(bigRows, fmt.Sprintf("%d|0", 10+i))
	}
	big := func() plan.Node {
		return plan.NewScan("s", "", rtTable(t, []string{"sk:int64", "sv:int64"}, bigRows...))
	}
	on := plan.Binary{Op: exec.OpAnd,
		Left:  rtEq(rtCol("", "k"), rtCol("", "sk")),
		Right: plan.Binary{Op: exec.OpNotEq, Left: rtCol("", "sv"), Right: rtCol("", "v")}}
	for _, c := range []struct {
		typ  exec.JoinType
		left func() plan.Node
		// swapped is the exec join type expected when the sides swap.
		swapped exec.JoinType
		swap    bool
		want    exectest.Rows
	}{
		{typ: exec.JoinSemi, left: small, swapped: exec.JoinRightSemi, swap: true, want: exectest.R("2|6")},
		{typ: exec.JoinAnti, left: small, swapped: exec.JoinRightAnti, swap: true, want: exectest.R("1|5", "3|7", "NULL|8")},
		{typ: exec.JoinInner, left: small, swap: false},
	} {
		t.Run(c.typ.String(), func(t *testing.T) {
			j := must(plan.NewJoin(c.left(), big(), c.typ, on)).(*plan.Join)
			typ, swap := buildPreservedSide(j)
			if swap != c.swap || (swap && typ != c.swapped) {
				t.Fatalf("buildPreservedSide = %s, %v; want %s, %v", typ, swap, c.swapped, c.swap)
			}
			if c.want == nil {
				return
			}
			if d := exectest.Diff(c.want, rtRun(t, j), false); d != "" {
				t.Fatal(d)
			}
		})
	}
	// Sides of similar size keep the subquery side as the build side.
	j := must(plan.NewJoin(big(), small(), exec.JoinSemi, rtEq(rtCol("", "sk"), rtCol("", "k")))).(*plan.Join)
	if _, swap := buildPreservedSide(j); swap {
		t.Fatal("a semi join with the larger side preserved hashes its preserved side")
	}
}

// TestFilteredProbeJoin checks joins whose probe side is a filtered scan
// (bare, or under the projection prune_columns leaves): the probe filters
// its own input and the output keeps the plan's column order.
func TestFilteredProbeJoin(t *testing.T) {
	must := rtMust[plan.Node](t)
	scan := func() *plan.Scan {
		li := plan.NewScan("li", "", rtTable(t, []string{"lok:int64", "price:int64", "ship:int64"},
			"1|10|5", "1|11|1", "2|20|7", "3|30|9", "3|31|2", "NULL|40|9"))
		f, err := li.WithFilters([]plan.Expr{rtBin(exec.OpGt, rtCol("li", "ship"), rtInt(3))})
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	ord := func() plan.Node {
		return plan.NewScan("o", "", rtTable(t, []string{"ok:int64", "day:int64"}, "1|100", "3|300", "4|400"))
	}
	on := rtEq(rtCol("li", "lok"), rtCol("o", "ok"))
	projected := func() plan.Node {
		return must(plan.NewProject(scan(), []plan.Expr{rtCol("li", "price"), rtCol("li", "lok")}))
	}
	for _, c := range []struct {
		name  string
		left  func() plan.Node
		typ   exec.JoinType
		fused bool
		want  exectest.Rows
	}{
		{"inner over the scan", func() plan.Node { return scan() }, exec.JoinInner, true, exectest.R("1|10|5|1|100", "3|30|9|3|300")},
		{"inner over a projection", projected, exec.JoinInner, true, exectest.R("10|1|1|100", "30|3|3|300")},
		{"semi over a projection", projected, exec.JoinSemi, true, exectest.R("10|1", "30|3")},
		{"left join keeps its filter below", projected, exec.JoinLeft, false, exectest.R("10|1|1|100", "30|3|3|300", "20|2|NULL|NULL", "40|NULL|NULL|NULL")},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := must(plan.NewJoin(c.left(), ord(), c.typ, on)).(*plan.Join)
			if _, fused := filteredProbe(j); fused != c.fused {
				t.Fatalf("filteredProbe = %v, want %v", fused, c.fused)
			}
			if d := exectest.Diff(c.want, rtRun(t, j), false); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestConjoinFilters checks that a column's lower and upper bounds are
// joined to each other before the other filters, whatever their order, so
// exec can run them as one range test.
func TestConjoinFilters(t *testing.T) {
	a, b := rtCol("t", "a"), rtCol("t", "b")
	got := conjoinFilters([]plan.Expr{
		rtBin(exec.OpGtEq, a, rtInt(1)),
		rtBin(exec.OpLt, b, rtInt(2)),
		rtBin(exec.OpLt, a, rtInt(5)),
		rtBin(exec.OpGt, b, rtInt(0)),
		rtBin(exec.OpGt, a, rtInt(3)),
	}).String()
	want := "((((t.a >= 1) AND (t.a < 5)) AND ((t.b < 2) AND (t.b > 0))) AND (t.a > 3))"
	if got != want {
		t.Errorf("conjoinFilters = %s\nwant %s", got, want)
	}
}

// splitCounter is a table that counts how often its splits are opened.
type splitCounter struct {
	store.Table
	opens *atomic.Int64
}

func (s splitCounter) Splits() ([]store.Split, error) {
	splits, err := s.Table.Splits()
	out := make([]store.Split, len(splits))
	for i, sp := range splits {
		out[i] = countedSplit{Split: sp, opens: s.opens}
	}
	return out, err
}

type countedSplit struct {
	store.Split
	opens *atomic.Int64
}

func (c countedSplit) Open(ctx context.Context, mem memory.Allocator, opts store.ScanOptions) (store.RecordReader, error) {
	c.opens.Add(1)
	return c.Split.Open(ctx, mem, opts)
}

// TestRepeatedAggregateComputedOnce checks that an aggregate occurring
// twice in a plan (a view used twice) reads its input once, and that both
// uses see its rows.
func TestRepeatedAggregateComputedOnce(t *testing.T) {
	must := rtMust[plan.Node](t)
	base := rtTable(t, []string{"g:int64", "v:int64"}, "1|5", "2|6", "1|7", "3|1", "2|2")
	var opens atomic.Int64
	tbl := splitCounter{Table: base, opens: &opens}
	splits, err := base.Splits()
	if err != nil {
		t.Fatal(err)
	}
	agg := func() plan.Node {
		return must(plan.NewAggregate(plan.NewScan("t", "", tbl), []plan.Expr{rtCol("t", "g")},
			[]plan.Expr{plan.Alias{Expr: plan.AggCall{Func: exec.AggSum, Args: []plan.Expr{rtCol("t", "v")}}, Name: "s"}}))
	}
	left := must(plan.NewProject(agg(), []plan.Expr{plan.Alias{Expr: rtCol("t", "g"), Name: "a"}, plan.Alias{Expr: rtCol("", "s"), Name: "sa"}}))
	right := must(plan.NewProject(agg(), []plan.Expr{plan.Alias{Expr: rtCol("t", "g"), Name: "b"}, plan.Alias{Expr: rtCol("", "s"), Name: "sb"}}))
	j := must(plan.NewJoin(left, right, exec.JoinInner, rtEq(rtCol("", "sa"), rtCol("", "sb"))))
	want := exectest.R("1|12|1|12", "2|8|2|8", "3|1|3|1")
	if d := exectest.Diff(want, rtRun(t, j), false); d != "" {
		t.Fatal(d)
	}
	if got := opens.Load(); got != int64(len(splits)) {
		t.Fatalf("%d split opens for %d splits: the repeated aggregate ran more than once", got, len(splits))
	}
}
