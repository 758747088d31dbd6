package substrait_test

import (
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/substrait-io/substrait-go/proto/extensions"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/plan/substrait"
)

func TestHintsRoundTrip(t *testing.T) {
	cat := testCatalog(t)
	scan := scanOf(t, cat, "t", "")
	filter := must(plan.NewFilter(scan, bin(exec.OpGt, col("t", "id"), i64l(1))))
	root := must(plan.NewAggregate(filter, []plan.Expr{col("t", "ok")}, []plan.Expr{as(agg(exec.AggCountStar), "n")}))
	planHints := &substrait.Hints{PlacementStrategy: "spread", Resources: map[string]float64{"cpu": 4, "memory_bytes": 1 << 30}}
	scanHints := &substrait.Hints{PlacementStrategy: "local", Resources: map[string]float64{"gpu": 0.5}}
	aggHints := &substrait.Hints{Resources: map[string]float64{"cpu": 2}}
	_, imp := CheckRoundTrip(t, root, cat, substrait.ExportOptions{
		Hints: planHints, NodeHints: map[plan.Node]*substrait.Hints{scan: scanHints, root: aggHints},
	})
	if !reflect.DeepEqual(imp.Hints, planHints) {
		t.Errorf("plan hints: got %+v, want %+v", imp.Hints, planHints)
	}
	if got := imp.NodeHints[imp.Root]; !reflect.DeepEqual(got, aggHints) {
		t.Errorf("aggregate hints: got %+v, want %+v", got, aggHints)
	}
	in := imp.Root.Children()[0].Children()[0]
	if _, ok := in.(*plan.Scan); !ok {
		t.Fatalf("expected the scan two levels down, got %T", in)
	}
	if got := imp.NodeHints[in]; !reflect.DeepEqual(got, scanHints) {
		t.Errorf("scan hints: got %+v, want %+v", got, scanHints)
	}
	if len(imp.NodeHints) != 2 {
		t.Errorf("got hints on %d relations, want 2", len(imp.NodeHints))
	}

	// The JSON form shows the documented encoding.
	p, err := substrait.ExportWith(root, substrait.ExportOptions{Hints: planHints})
	if err != nil {
		t.Fatal(err)
	}
	js, err := substrait.MarshalJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"dataflow.v1"`, `"placement": "spread"`, `"memory_bytes": 1073741824`, `"@type": "type.googleapis.com/google.protobuf.Struct"`} {
		if !strings.Contains(string(js), want) {
			t.Errorf("JSON lacks %s:\n%s", want, js)
		}
	}
}

// Optimizations from other producers may be ignored; a plan without
// hints imports with none.
func TestForeignOptimizationIgnored(t *testing.T) {
	cat := testCatalog(t)
	p := mustExport(t, scanOf(t, cat, "t", ""))
	other, err := anypb.New(wrapperspb.String("someone else's"))
	if err != nil {
		t.Fatal(err)
	}
	p.AdvancedExtensions = &extensions.AdvancedExtension{Optimization: other}
	p.Relations[0].GetRoot().GetInput().GetRead().GetCommon().AdvancedExtension = &extensions.AdvancedExtension{Optimization: other}
	imp, err := substrait.Import(p, cat)
	if err != nil {
		t.Fatal(err)
	}
	if imp.Hints != nil || len(imp.NodeHints) != 0 {
		t.Errorf("got hints %+v / %v from a foreign optimization", imp.Hints, imp.NodeHints)
	}
}
