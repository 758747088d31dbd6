package substrait_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"

	"github.com/dataflow-go/dataflow/dsl"
	"github.com/dataflow-go/dataflow/dsl/parser"
	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/internal/tpchcheck"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
)

// bindCatalog shows the binder the tables of a substrait.Catalog.
type bindCatalog struct{ *substrait.Catalog }

func (c bindCatalog) Relation(name string) (dsl.Relation, error) {
	t, err := c.Tables.Lookup(name)
	if err != nil {
		return dsl.Relation{}, err
	}
	return dsl.Relation{Table: t}, nil
}

func (c bindCatalog) ScalarFunction(name string) (*plan.ScalarUDF, bool) {
	u, err := c.ScalarUDF(name)
	return u, err == nil
}

func (c bindCatalog) AggregateFunction(name string) (*exec.AggregateUDF, []arrow.DataType, bool) {
	u, args, err := c.AggregateUDF(name)
	return u, args, err == nil
}

var _ dsl.Catalog = bindCatalog{}

// TestTPCH22RoundTrip binds the 22 TPC-H queries with the SQL binder and
// round-trips each through Substrait: the plan after the optimizer's
// rules (whose decorrelation turns subqueries into semi, anti, mark and
// single joins), and the bound plan itself where it has no subquery
// (Apply has no Substrait form of its own). Results must match the
// original plan's and the reference answers.
func TestTPCH22RoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the 22 TPC-H queries")
	}
	_, cat := openTPCH(t)
	files, err := filepath.Glob(filepath.Join("..", "..", "tpch", "queries", "q*.sql"))
	if err != nil || len(files) != 22 {
		t.Fatalf("found %d TPC-H queries (%v), want 22", len(files), err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".sql")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			stmt, err := parser.Parse(string(src))
			if err != nil {
				t.Fatal(err)
			}
			bound, err := dsl.Bind(stmt.(*parser.Query), string(src), bindCatalog{cat})
			if err != nil {
				t.Fatalf("bind: %v", err)
			}
			optimized, err := optimizer.Optimize(bound, optimizer.Options{})
			if err != nil {
				t.Fatalf("optimize: %v", err)
			}
			want, err := tpchcheck.ReadAnswer(filepath.Join(tpchDir, "answers", "sf0.01", "q"+strings.TrimPrefix(name, "q")+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			forms := map[string]plan.Node{"optimized": optimized}
			if _, err := substrait.Export(bound, nil); err == nil {
				forms["bound"] = bound
			} else if !errors.Is(err, substrait.ErrUnsupported) || !hasApply(bound) {
				t.Fatalf("exporting the bound plan: %v", err)
			}
			if len(forms) == 1 {
				t.Logf("the bound plan has subqueries (Apply): only the decorrelated plan round-trips")
			}
			for form, n := range forms {
				rows, _ := CheckRoundTrip(t, n, cat, substrait.ExportOptions{})
				got := make([][]string, len(rows))
				for i, r := range rows {
					got[i] = strings.Split(r, "|")
				}
				if diff := want.Compare(got); diff != "" {
					t.Fatalf("%s plan after the round trip: %s", form, diff)
				}
			}
		})
	}
}

func hasApply(n plan.Node) bool {
	if _, ok := n.(*plan.Apply); ok {
		return true
	}
	for _, c := range n.Children() {
		if hasApply(c) {
			return true
		}
	}
	return false
}
