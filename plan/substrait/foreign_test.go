package substrait_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	pb "github.com/substrait-io/substrait-go/proto"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
)

// TestForeignPlan imports a plan written the way other producers write
// them: short extension URIs, simple and compound names, the deprecated
// args field, a ProjectRel that emits an input column and an expression,
// a schema-qualified table name, root names that rename the output, and
// no dataflow extensions.
func TestForeignPlan(t *testing.T) {
	cat := testCatalog(t)
	data, err := os.ReadFile(filepath.Join("testdata", "foreign_plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	imp, err := substrait.ImportJSON(data, cat)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := runPlan(t, imp.Root)
	if err != nil {
		t.Fatalf("%v\n%s", err, plan.Explain(imp.Root))
	}
	if got, want := strings.Join(rows, "\n"), "4|60\n3|60"; got != want {
		t.Fatalf("got rows\n%s\nwant\n%s\nplan:\n%s", got, want, plan.Explain(imp.Root))
	}
	if got := imp.Root.Schema().Names(); strings.Join(got, ",") != "id,double_a" {
		t.Errorf("columns %v, want id, double_a", got)
	}
	// Once imported, the plan exports and round-trips like any other.
	CheckRoundTrip(t, imp.Root, cat, substrait.ExportOptions{})
}

// stripExtensions removes every advanced extension from a plan, as a
// producer that knows nothing of dataflow would write it.
func stripExtensions(m proto.Message) {
	m.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() != nil && fd.Message().FullName() == "substrait.extensions.AdvancedExtension":
			m.ProtoReflect().Clear(fd)
		case fd.IsList() && fd.Message() != nil:
			for i := 0; i < v.List().Len(); i++ {
				stripExtensions(v.List().Get(i).Message().Interface())
			}
		case fd.Message() != nil && !fd.IsMap():
			stripExtensions(v.Message().Interface())
		}
		return true
	})
}

// Without dataflow's names a plan still imports and runs: a self-join
// of one table gets aliases of its own, computed columns get their
// expressions' names.
func TestPlanWithoutExtensions(t *testing.T) {
	cat := testCatalog(t)
	cases := planCases(t, cat)
	for _, name := range []string{"self join", "aggregate", "arithmetic", "join Inner", "union", "sort limit", "values joined"} {
		t.Run(strings.ReplaceAll(name, " ", "_"), func(t *testing.T) {
			n := cases[name]
			p := mustExport(t, n)
			stripExtensions(p)
			if p.Relations[0].GetRoot() == nil {
				t.Fatal("stripping lost the root")
			}
			imp, err := substrait.Import(p, cat)
			if err != nil {
				t.Fatal(err)
			}
			want, err := runPlan(t, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := runPlan(t, imp.Root)
			if err != nil {
				t.Fatalf("%v\n%s", err, plan.Explain(imp.Root))
			}
			if !ordered(n) {
				sort.Strings(want)
				sort.Strings(got)
			}
			if strings.Join(want, "\n") != strings.Join(got, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if strings.Join(imp.Root.Schema().Names(), ",") != strings.Join(n.Schema().Names(), ",") {
				t.Errorf("columns %v, want %v (from the root's names)", imp.Root.Schema().Names(), n.Schema().Names())
			}
		})
	}
}

// The mark join's enhancement must not be dropped silently: without it
// the relation is a plain semi join, which has a different schema.
func TestMarkJoinNeedsItsEnhancement(t *testing.T) {
	cat := testCatalog(t)
	n := must(plan.NewJoin(scanOf(t, cat, "t", ""), scanOf(t, cat, "u", ""), exec.JoinMark, bin(exec.OpEq, col("t", "id"), col("u", "k"))))
	p := mustExport(t, n)
	j := p.Relations[0].GetRoot().GetInput().GetJoin()
	if j.GetType() != pb.JoinRel_JOIN_TYPE_SEMI || j.GetAdvancedExtension().GetEnhancement() == nil {
		t.Fatalf("mark join exported as %s with extension %v", j.GetType(), j.GetAdvancedExtension())
	}
	j.Type = pb.JoinRel_JOIN_TYPE_INNER
	if _, err := substrait.Import(p, cat); err == nil || !strings.Contains(err.Error(), "enhancement") {
		t.Errorf("a mark enhancement on an inner join: got %v", err)
	}
}
