package optimizer

import (
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
)

// A table function leaf goes through every rule, becomes a table function
// operator and gets a stage of its own.
func TestTableFuncThroughOptimizer(t *testing.T) {
	series, _ := plan.BuiltinTableFunction("generate_series")
	args := []scalar.Scalar{scalar.NewInt64Scalar(1), scalar.NewInt64Scalar(10)}
	g := stMust(plan.NewTableFunc(series, "g", args, []string{"x"}))
	h := stMust(plan.NewTableFunc(series, "h", args, []string{"y"}))
	x, y := plan.Column{Relation: "g", Name: "x"}, plan.Column{Relation: "h", Name: "y"}
	j := stMust(plan.NewJoin(g, h, exec.JoinInner, nil))
	f := stMust(plan.NewFilter(j, plan.Binary{Op: exec.OpAnd,
		Left:  plan.Binary{Op: exec.OpEq, Left: x, Right: y},
		Right: plan.Binary{Op: exec.OpGt, Left: x, Right: plan.Literal{Value: scalar.NewInt64Scalar(7)}}}))
	p := stMust(plan.NewProject(f, []plan.Expr{x}))
	opt, err := Optimize(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := plan.Explain(opt)
	if !strings.Contains(text, "TableFunction: generate_series(1, 10) AS g(x)") || !strings.Contains(text, "Inner Join") && !strings.Contains(text, "Join") {
		t.Fatalf("optimized plan:\n%s", text)
	}
	op, err := Physical(opt, PhysicalOptions{Parallelism: 2})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := exec.NewContext(nil, mem)
	if err := op.Open(ctx); err != nil {
		t.Fatal(err)
	}
	var got []int64
	for {
		rec, err := op.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		col := rec.Column(0)
		for i := 0; i < col.Len(); i++ {
			got = append(got, col.(interface{ Value(int) int64 }).Value(i))
		}
		rec.Release()
	}
	op.Close()
	if len(got) != 3 {
		t.Errorf("got %v, want 8, 9, 10 in some order", got)
	}

	sg := stMust(Stages(g, StageOptions{Cluster: stCluster(1, nil)}))
	if d := stDescribe(sg); d != "0 table function generate_series x1 [table function generate_series]\n" {
		t.Errorf("stages:\n%s", d)
	}
}

// prune_columns keeps a table function whole (it computes every column)
// and narrows the projection above it.
func TestPruneColumnsKeepsTableFunc(t *testing.T) {
	u := &plan.TableUDF{Name: "two", Schema: arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil),
		Fn: exec.GenerateSeries}
	tf := stMust(plan.NewTableFunc(u, "", nil, nil))
	p := stMust(plan.NewProject(tf, []plan.Expr{plan.Column{Relation: "two", Name: "b"}}))
	out, changed, err := pruneColumns{}.Apply(p)
	if err != nil || changed {
		t.Fatalf("prune: changed=%v err=%v\n%s", changed, err, plan.Explain(out))
	}
}
