package substrait_test

import (
	"context"
	"errors"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	pb "github.com/substrait-io/substrait-go/proto"
	"google.golang.org/protobuf/proto"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
)

// CheckRoundTrip is the round-trip check any bound plan can be put
// through (it is what the TPC-H tests apply; point it at the binder's
// plans for all 22 queries): the plan is exported, encoded as protobuf and
// as JSON, decoded and imported through r; exporting the imported plan
// must give the same Substrait plan again, and running the original and
// the imported plan (optimized and planned the engine's way) must give the
// same rows. It returns the rows and the imported plan.
func CheckRoundTrip(t testing.TB, n plan.Node, r substrait.Resolver, opts substrait.ExportOptions) ([]string, *substrait.Imported) {
	t.Helper()
	first, err := substrait.ExportWith(n, opts)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, plan.Explain(n))
	}
	bin, err := substrait.MarshalProto(first)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := substrait.ImportProto(bin, r)
	if err != nil {
		t.Fatalf("import of the protobuf form: %v\n%s", err, plan.Explain(n))
	}
	js, err := substrait.MarshalJSON(first)
	if err != nil {
		t.Fatal(err)
	}
	impJSON, err := substrait.ImportJSON(js, r)
	if err != nil {
		t.Fatalf("import of the JSON form: %v\n%s", err, js)
	}
	for form, got := range map[string]*substrait.Imported{"protobuf": imp, "json": impJSON} {
		again, err := substrait.ExportWith(got.Root, substrait.ExportOptions{Hints: got.Hints, NodeHints: got.NodeHints})
		if err != nil {
			t.Fatalf("re-export after the %s round trip: %v\n%s", form, err, plan.Explain(got.Root))
		}
		if !proto.Equal(first, again) {
			b1, _ := substrait.MarshalJSON(first)
			b2, _ := substrait.MarshalJSON(again)
			t.Fatalf("%s round trip is not stable:\noriginal plan:\n%s\nimported plan:\n%s\nfirst export:\n%s\nsecond export:\n%s",
				form, plan.Explain(n), plan.Explain(got.Root), b1, b2)
		}
	}
	if !sameNames(n.Schema(), imp.Root.Schema()) {
		t.Fatalf("imported plan's columns %v, original's %v", imp.Root.Schema().Names(), n.Schema().Names())
	}
	want, err := runPlan(t, n)
	if err != nil {
		t.Fatalf("running the original plan: %v\n%s", err, plan.Explain(n))
	}
	got, err := runPlan(t, imp.Root)
	if err != nil {
		t.Fatalf("running the imported plan: %v\n%s", err, plan.Explain(imp.Root))
	}
	if !ordered(n) {
		sort.Strings(want)
		sort.Strings(got)
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("results differ\noriginal plan:\n%s\nimported plan:\n%s\noriginal rows:\n%s\nimported rows:\n%s",
			plan.Explain(n), plan.Explain(imp.Root), strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	return want, imp
}

func sameNames(a, b plan.Schema) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !arrow.TypeEqual(a[i].Type, b[i].Type) {
			return false
		}
	}
	return true
}

// ordered reports whether a plan's row order is defined.
func ordered(n plan.Node) bool {
	switch n := n.(type) {
	case *plan.Sort:
		return true
	case *plan.Limit:
		return ordered(n.Input)
	case *plan.Project:
		return ordered(n.Input)
	}
	return false
}

// runPlan optimizes, plans and drains n with a checked allocator,
// rendering each row as its values joined by '|'.
func runPlan(t testing.TB, n plan.Node) ([]string, error) {
	t.Helper()
	o, err := optimizer.Optimize(n, optimizer.Options{})
	if err != nil {
		return nil, err
	}
	op, err := optimizer.Physical(o, optimizer.PhysicalOptions{Parallelism: 2})
	if err != nil {
		return nil, err
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	defer op.Close()
	ctx := exec.NewContext(context.Background(), mem)
	ctx.Parallelism = 2
	if err := op.Open(ctx); err != nil {
		return nil, err
	}
	var rows []string
	for {
		rec, err := op.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			vals := make([]string, rec.NumCols())
			for c := range vals {
				vals[c] = exec.FormatValue(rec.Column(c), i)
			}
			rows = append(rows, strings.Join(vals, "|"))
		}
		rec.Release()
	}
	return rows, nil
}

// mustExport exports n without hints, failing the test on error.
func mustExport(t testing.TB, n plan.Node) *pb.Plan {
	t.Helper()
	p, err := substrait.Export(n, nil)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, plan.Explain(n))
	}
	return p
}
