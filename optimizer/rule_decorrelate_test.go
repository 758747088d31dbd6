package optimizer_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// dcCatalog serves the SF0.01 TPC-H tables to the binder.
type dcCatalog struct{ tables map[string]store.Table }

func (c dcCatalog) Relation(name string) (dsl.Relation, error) {
	t, ok := c.tables[strings.ToLower(name)]
	if !ok {
		return dsl.Relation{}, fmt.Errorf("%w: table %q", store.ErrNotFound, name)
	}
	return dsl.Relation{Table: t}, nil
}
func (dcCatalog) ScalarFunction(string) (*plan.ScalarUDF, bool) { return nil, false }
func (dcCatalog) AggregateFunction(string) (*exec.AggregateUDF, []arrow.DataType, bool) {
	return nil, nil, false
}

func dcOpen(t testing.TB) dcCatalog {
	t.Helper()
	c := dcCatalog{tables: map[string]store.Table{}}
	for _, name := range []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"} {
		tab, err := store.OpenTable(filepath.Join("..", "testdata", "tpch", "sf0.01", name+".parquet"), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.tables[name] = tab
		t.Cleanup(func() {
			if cl, ok := tab.(interface{ Close() error }); ok {
				cl.Close()
			}
		})
	}
	return c
}

func dcBind(t testing.TB, cat dcCatalog, sql string) plan.Node {
	t.Helper()
	stmt, err := parser.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	n, err := dsl.Bind(stmt.(*parser.Query), sql, cat)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDecorrelateTPCH checks that the TPC-H queries with subqueries lose
// every Apply and that each subquery join is keyed on its correlation:
// only uncorrelated scalar subqueries (one row: a global aggregate) and
// uncorrelated EXISTS (limited to one row) may join without a key.
func TestDecorrelateTPCH(t *testing.T) {
	cat := dcOpen(t)
	for _, q := range []int{2, 4, 11, 15, 16, 17, 18, 20, 21, 22} {
		t.Run(fmt.Sprintf("q%02d", q), func(t *testing.T) {
			text, err := os.ReadFile(filepath.Join("..", "tpch", "queries", fmt.Sprintf("q%02d.sql", q)))
			if err != nil {
				t.Fatal(err)
			}
			bound := dcBind(t, cat, string(text))
			if countApplies(bound) == 0 {
				t.Fatalf("the binder produced no Apply for q%02d:\n%s", q, plan.Explain(bound))
			}
			out, changed, err := optimizer.Decorrelate().Apply(bound)
			if err != nil {
				t.Fatal(err)
			}
			if !changed {
				t.Error("rule reported no change")
			}
			if n := countApplies(out); n > 0 {
				t.Fatalf("%d Apply/OuterRow nodes left:\n%s", n, plan.Explain(out))
			}
			checkSubqueryJoins(t, out)
			full, err := optimizer.Optimize(bound, optimizer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			op, err := optimizer.Physical(full, optimizer.PhysicalOptions{Parallelism: 2})
			if err != nil {
				t.Fatal(err)
			}
			op.Close()
		})
	}
}

func countApplies(n plan.Node) int {
	c := 0
	switch n.(type) {
	case *plan.Apply, *plan.OuterRow:
		c++
	}
	for _, ch := range n.Children() {
		c += countApplies(ch)
	}
	return c
}

func checkSubqueryJoins(t *testing.T, n plan.Node) {
	t.Helper()
	if j, ok := n.(*plan.Join); ok {
		switch j.Type {
		case exec.JoinSemi, exec.JoinAnti, exec.JoinMark, exec.JoinSingle:
			if !hasEquiKey(j) && !oneRow(j.Right) {
				t.Errorf("%s has no equality key and its subquery side is not one row:\n%s", j.Describe(), plan.Explain(j))
			}
		}
	}
	for _, c := range n.Children() {
		checkSubqueryJoins(t, c)
	}
}

func hasEquiKey(j *plan.Join) bool {
	if j.On == nil {
		return false
	}
	for _, c := range optimizer.Conjuncts(j.On) {
		b, ok := c.(plan.Binary)
		if !ok || b.Op != exec.OpEq {
			continue
		}
		if resolves(b.Left, j.Left.Schema()) && resolves(b.Right, j.Right.Schema()) ||
			resolves(b.Left, j.Right.Schema()) && resolves(b.Right, j.Left.Schema()) {
			return true
		}
	}
	return false
}

func resolves(e plan.Expr, s plan.Schema) bool {
	cols := plan.Columns(e)
	for _, c := range cols {
		if _, err := s.Resolve(c.Relation, c.Name); err != nil {
			return false
		}
	}
	return len(cols) > 0
}

// oneRow reports whether n yields at most one row by construction.
func oneRow(n plan.Node) bool {
	switch x := n.(type) {
	case *plan.Aggregate:
		return len(x.Groups) == 0
	case *plan.Limit:
		return x.Count >= 0 && x.Count <= 1
	case *plan.Project, *plan.Filter:
		return oneRow(n.Children()[0])
	}
	return false
}

func TestDecorrelateSwitchedOff(t *testing.T) {
	cat := dcOpen(t)
	bound := dcBind(t, cat, "SELECT n_name FROM nation WHERE EXISTS (SELECT 1 FROM region WHERE r_regionkey = n_regionkey)")
	opt, err := optimizer.Optimize(bound, optimizer.Options{Disabled: []string{"decorrelate_subqueries"}})
	if err == nil {
		_, err = optimizer.Physical(opt, optimizer.PhysicalOptions{Parallelism: 1})
	}
	if err == nil {
		t.Fatal("a plan with an Apply left in it ran; want an error")
	}
}

func TestDecorrelateNotSupported(t *testing.T) {
	cat := dcOpen(t)
	for _, c := range []struct{ sql, want string }{
		{"SELECT n_name FROM nation WHERE n_regionkey = (SELECT r_regionkey FROM region WHERE r_regionkey = n_regionkey LIMIT 1)", "LIMIT or OFFSET in a correlated subquery"},
		{"SELECT n_name FROM nation WHERE (SELECT count(*) FROM region WHERE r_regionkey = n_regionkey) = 1", "without GROUP BY"},
		{"SELECT n_name FROM nation WHERE 1 = (SELECT max(r_regionkey) FROM region WHERE r_regionkey < n_regionkey)", "through an aggregate"},
	} {
		_, _, err := optimizer.Decorrelate().Apply(dcBind(t, cat, c.sql))
		if !errors.Is(err, optimizer.ErrNotSupported) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v, want ErrNotSupported mentioning %q", c.sql, err, c.want)
		}
	}
}
