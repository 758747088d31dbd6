package optimizer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow/memory"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/exec/exectest"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
)

// TestReorderJoinsTPCHShapes binds TPC-H queries from their SQL text at
// SF0.01, optimizes them, and checks the join shapes reorder_joins is
// responsible for, then the answers, with the rule on and off:
//
//   - Q18: the IN-subquery semi join filters orders before orders meets
//     lineitem (it was applied to the full customer-orders-lineitem join);
//   - Q5: customer joins nation through the implied c_nationkey =
//     n_nationkey (the query says c_nationkey = s_nationkey and
//     s_nationkey = n_nationkey), so the ASIA filter reaches customers
//     before orders;
//   - Q9: partsupp joins the filtered part before lineitem, whose
//     composite key (l_partkey, l_suppkey) then matches one partsupp row
//     each (it was joined to all of partsupp first);
//   - Q2, Q17, Q20 (semi_join_reduction): the decorrelated aggregate is
//     computed over the rows whose key the filtered part table has, not
//     over all of partsupp or lineitem;
//   - every inner join builds its smaller input (estimated rows).
func TestReorderJoinsTPCHShapes(t *testing.T) {
	reduced := func(table string) func(t *testing.T, n plan.Node) {
		return func(t *testing.T, n plan.Node) {
			agg := findNode(n, func(m plan.Node) bool {
				a, ok := m.(*plan.Aggregate)
				return ok && len(a.Groups) > 0 && strings.Contains(a.Groups[0].String(), table)
			})
			if agg == nil || findJoin(agg, func(j *plan.Join) bool {
				return j.Type == exec.JoinSemi && strings.Contains(plan.Explain(j.Right), "Scan: part")
			}) == nil {
				t.Errorf("the aggregate over %s is not restricted to the filtered parts", table)
			}
		}
	}
	cat := dcOpen(t)
	for _, c := range []struct {
		q     int
		check func(t *testing.T, n plan.Node)
	}{
		{18, func(t *testing.T, n plan.Node) {
			semi := findJoin(n, func(j *plan.Join) bool { return j.Type == exec.JoinSemi })
			if semi == nil || !strings.HasPrefix(semi.Left.Describe(), "Scan: orders") {
				t.Errorf("the semi join does not filter the orders scan")
			}
		}},
		{5, func(t *testing.T, n plan.Node) {
			if findJoin(n, func(j *plan.Join) bool { return onJoins(j, "customer.c_nationkey", "nation.n_nationkey") }) == nil {
				t.Errorf("no join of customer with nation on the implied key")
			}
		}},
		{9, func(t *testing.T, n plan.Node) {
			ps := findJoin(n, func(j *plan.Join) bool { return onJoins(j, "partsupp.ps_partkey", "part.p_partkey") })
			if ps == nil || strings.Contains(plan.Explain(ps), "lineitem") {
				t.Errorf("partsupp is not joined with part before lineitem")
			}
		}},
		{2, reduced("partsupp")},
		{17, reduced("lineitem")},
		{20, reduced("lineitem")},
	} {
		t.Run(fmt.Sprintf("q%02d", c.q), func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("..", "tpch", "queries", fmt.Sprintf("q%02d.sql", c.q)))
			if err != nil {
				t.Fatal(err)
			}
			want, err := tpchcheck.ReadAnswer(filepath.Join("..", "testdata", "tpch", "answers", "sf0.01", fmt.Sprintf("q%02d.csv", c.q)))
			if err != nil {
				t.Fatal(err)
			}
			bound := dcBind(t, cat, string(text))
			for _, disabled := range [][]string{nil, {"reorder_joins"}, {"semi_join_reduction"}} {
				opt, err := optimizer.Optimize(bound, optimizer.Options{Disabled: disabled})
				if err != nil {
					t.Fatal(err)
				}
				if diff := want.Compare(runPlan(t, opt)); diff != "" {
					t.Fatalf("disabled %v: %s\n%s", disabled, diff, plan.Explain(opt))
				}
				if disabled != nil {
					continue
				}
				c.check(t, opt)
				findJoin(opt, func(j *plan.Join) bool {
					if l, r := optimizer.EstimateRows(j.Left), optimizer.EstimateRows(j.Right); j.Type == exec.JoinInner && r > l {
						t.Errorf("estimated build side %v rows > probe side %v at %s", r, l, j.Describe())
					}
					return false
				})
				if t.Failed() {
					t.Logf("optimized:\n%s", plan.Explain(opt))
				}
			}
		})
	}
}

// findNode returns the first node (pre-order) that match accepts.
func findNode(n plan.Node, match func(plan.Node) bool) plan.Node {
	if match(n) {
		return n
	}
	for _, c := range n.Children() {
		if m := findNode(c, match); m != nil {
			return m
		}
	}
	return nil
}

// findJoin returns the first join (pre-order) that match accepts.
func findJoin(n plan.Node, match func(*plan.Join) bool) *plan.Join {
	if j, ok := n.(*plan.Join); ok && match(j) {
		return j
	}
	for _, c := range n.Children() {
		if j := findJoin(c, match); j != nil {
			return j
		}
	}
	return nil
}

// onJoins reports whether j's condition is an equality of columns a and b
// (either way round).
func onJoins(j *plan.Join, a, b string) bool {
	for _, c := range optimizer.Conjuncts(j.On) {
		s := c.String()
		if s == "("+a+" = "+b+")" || s == "("+b+" = "+a+")" {
			return true
		}
	}
	return false
}

func runPlan(t testing.TB, n plan.Node) [][]string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	op, err := optimizer.Physical(n, optimizer.PhysicalOptions{Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := exectest.Drain(exec.NewContext(context.Background(), mem), op)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
