package optimizer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/arrow/scalar"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer/placement"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// stTable is a table of known splits and statistics and no data: Stages
// only looks at the shape and the sizes.
type stTable struct {
	schema *arrow.Schema
	splits []store.Split
	rows   int64
}

func (t *stTable) Schema() *arrow.Schema          { return t.schema }
func (t *stTable) Splits() ([]store.Split, error) { return t.splits, nil }
func (t *stTable) Stats() store.TableStats        { return store.TableStats{Rows: t.rows, Bytes: -1} }
func (s stSplit) Describe() string                { return fmt.Sprintf("split of %d bytes", s.bytes) }
func (s stSplit) EstimatedRows() int64            { return s.rows }
func (s stSplit) EstimatedBytes() int64           { return s.bytes }
func (s stSplit) Open(context.Context, memory.Allocator, store.ScanOptions) (store.RecordReader, error) {
	return nil, errors.New("stSplit has no data")
}

type stSplit struct{ rows, bytes int64 }

// stScan scans a table named name with columns name_k (int64) and name_v
// (float64), split into len(bytes) splits of rows each.
func stScan(name string, rows int64, bytes ...int64) *plan.Scan {
	t := &stTable{schema: arrow.NewSchema([]arrow.Field{
		{Name: name + "_k", Type: arrow.PrimitiveTypes.Int64},
		{Name: name + "_v", Type: arrow.PrimitiveTypes.Float64},
	}, nil)}
	for _, b := range bytes {
		t.splits = append(t.splits, stSplit{rows: rows, bytes: b})
		t.rows += rows
	}
	return plan.NewScan(name, "", t)
}

func stCluster(nodes int, tables map[string][][]string) placement.Cluster {
	var cl placement.Cluster
	for i := 1; i <= nodes; i++ {
		cl.Nodes = append(cl.Nodes, placement.Node{ID: fmt.Sprintf("n%d", i), Resources: placement.Resources{"cpu": 8}})
	}
	for name, parts := range tables {
		t := placement.Table{Name: name}
		for _, reps := range parts {
			t.Partitions = append(t.Partitions, placement.Partition{Replicas: reps})
		}
		cl.Tables = append(cl.Tables, t)
	}
	return cl
}

// stMust unwraps a constructor's result; a test plan that fails to build
// is a bug in the test, reported by the panic.
func stMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// stDescribe renders a stage graph compactly for comparisons.
func stDescribe(g *StageGraph) string {
	var b strings.Builder
	for i, s := range g.Problem.Stages {
		fmt.Fprintf(&b, "%d %s x%d [%s]\n", i, s.Name, s.K(), strings.Join(g.Info[i].Operators, ", "))
	}
	for _, e := range g.Problem.Edges {
		fmt.Fprintf(&b, "%d -> %d %s\n", e.From, e.To, e.Kind)
	}
	return b.String()
}

func TestStagesAggregateCombinesPartials(t *testing.T) {
	// Splits of 1000 rows of 16 bytes or more: each outweighs the partial
	// aggregate it produces, so moving bytes first keeps the scan local.
	scan := stScan("t", 1000, 16000, 32000, 48000, 64000)
	pred := plan.Binary{Op: exec.OpGt, Left: plan.Column{Relation: "t", Name: "t_k"}, Right: plan.Literal{Value: scalar.NewInt64Scalar(1000)}}
	scan = stMust(scan.WithFilters([]plan.Expr{pred}))
	agg := stMust(plan.NewAggregate(scan, []plan.Expr{plan.Column{Relation: "t", Name: "t_k"}},
		[]plan.Expr{plan.Alias{Expr: plan.AggCall{Func: exec.AggSum, Args: []plan.Expr{plan.Column{Relation: "t", Name: "t_v"}}}, Name: "s"}}))
	cl := stCluster(2, map[string][][]string{"t": {{"n1"}, {"n2"}}})
	g := stMust(Stages(agg, StageOptions{Cluster: cl}))
	want := "0 scan t x4 [scan t, filter, partial aggregate]\n1 final aggregate x1 [final aggregate]\n0 -> 1 combine\n"
	if got := stDescribe(g); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// Splits are matched to the cluster's partitions by index, cyclically,
	// and keep their own sizes.
	tab := g.Problem.Cluster.Tables[0]
	for i, p := range tab.Partitions {
		if wantN := fmt.Sprintf("n%d", i%2+1); len(p.Replicas) != 1 || p.Replicas[0] != wantN {
			t.Errorf("partition %d on %v, want %s", i, p.Replicas, wantN)
		}
		if p.Bytes != int64(16000*(i+1)) {
			t.Errorf("partition %d has %d bytes, want %d", i, p.Bytes, 16000*(i+1))
		}
	}
	if g.Problem.Edges[0].Bytes <= 0 {
		t.Errorf("combine edge carries %d bytes", g.Problem.Edges[0].Bytes)
	}
	if perTask := g.Problem.Edges[0].Bytes / 4; perTask >= 16000 {
		t.Fatalf("a partial aggregate is estimated at %d bytes, no less than the smallest split", perTask)
	}
	res := stMust(placement.Solve(g.Problem, nil))
	if res.Metrics.Stages[0].InputMoved != 0 {
		t.Errorf("scan reads %v bytes remotely; every split has a local replica", res.Metrics.Stages[0].InputMoved)
	}
}

func TestStagesJoins(t *testing.T) {
	on := plan.Binary{Op: exec.OpEq, Left: plan.Column{Relation: "big", Name: "big_k"}, Right: plan.Column{Relation: "small", Name: "small_k"}}
	cl := stCluster(3, nil)

	// A small build side is broadcast into the probe scan's stage.
	j := stMust(plan.NewJoin(stScan("big", 10000, 1, 1, 1, 1), stScan("small", 10, 1), exec.JoinInner, on))
	g := stMust(Stages(j, StageOptions{Cluster: cl}))
	want := "0 scan big x4 [scan big, broadcast hash join]\n1 scan small x1 [scan small]\n2 output x1 []\n1 -> 0 shuffle\n0 -> 2 shuffle\n"
	if got := stDescribe(g); got != want {
		t.Fatalf("broadcast: got\n%s\nwant\n%s", got, want)
	}
	// Broadcast bytes: one copy of the build side per probe task.
	if e, small := g.Problem.Edges[0], g.Info[1].OutBytes; float64(e.Bytes) < 3.5*small {
		t.Errorf("broadcast edge carries %d bytes for a %v-byte build side and 4 probe tasks", e.Bytes, small)
	}

	// Two large sides are shuffled into a join stage of one task per node.
	on2 := plan.Binary{Op: exec.OpEq, Left: plan.Column{Relation: "a", Name: "a_k"}, Right: plan.Column{Relation: "b", Name: "b_k"}}
	j = stMust(plan.NewJoin(stScan("a", 10000, 1, 1, 1, 1), stScan("b", 10000, 1, 1, 1, 1), exec.JoinInner, on2))
	g = stMust(Stages(j, StageOptions{Cluster: cl}))
	want = "0 scan a x4 [scan a]\n1 scan b x4 [scan b]\n2 join x3 [shuffle hash join]\n3 output x1 []\n0 -> 2 shuffle\n1 -> 2 shuffle\n2 -> 3 shuffle\n"
	if got := stDescribe(g); got != want {
		t.Fatalf("shuffle: got\n%s\nwant\n%s", got, want)
	}
	// Tables the cluster does not list have no locations: no task reads
	// anything the solver would charge for.
	for _, s := range g.Problem.Stages {
		for _, task := range s.Tasks {
			if len(task.Inputs) != 0 {
				t.Fatalf("stage %s reads %v from a table the cluster does not list", s.Name, task.Inputs)
			}
		}
	}
}

func TestStagesSortAndLimitAreSingleTask(t *testing.T) {
	scan := stScan("t", 100, 1, 1, 1)
	s := stMust(plan.NewSort(scan, []plan.SortKey{{Expr: plan.Column{Relation: "t", Name: "t_k"}}}))
	l := stMust(plan.NewLimit(s, 0, 10))
	g := stMust(Stages(l, StageOptions{Cluster: stCluster(2, nil)}))
	want := "0 scan t x3 [scan t]\n1 sort x1 [sort, limit]\n0 -> 1 shuffle\n"
	if got := stDescribe(g); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if rows := g.Info[1].OutRows; rows > 10 {
		t.Errorf("limit 10 estimated at %v rows", rows)
	}
}

func TestStagesUnion(t *testing.T) {
	u := stMust(plan.NewUnion(stScan("a", 10, 1, 1), stScan("b", 10, 1)))
	agg := stMust(plan.NewAggregate(u, nil, []plan.Expr{plan.AggCall{Func: exec.AggCountStar}}))
	g := stMust(Stages(agg, StageOptions{Cluster: stCluster(2, nil)}))
	want := "0 scan a x2 [scan a, partial aggregate]\n1 scan b x1 [scan b, partial aggregate]\n2 final aggregate x1 [final aggregate]\n0 -> 2 combine\n1 -> 2 combine\n"
	if got := stDescribe(g); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestStagesErrors(t *testing.T) {
	if _, err := Stages(stScan("t", 1, 1), StageOptions{}); !errors.Is(err, ErrOptimizer) || !strings.Contains(err.Error(), "at least one node") {
		t.Errorf("empty cluster: %v", err)
	}
	cl := stCluster(1, map[string][][]string{"t": {}})
	if _, err := Stages(stScan("t", 1, 1), StageOptions{Cluster: cl}); err == nil || !strings.Contains(err.Error(), "without partitions") {
		t.Errorf("table without partitions: %v", err)
	}
	// A replica on a node the cluster does not have is caught by the
	// placement problem's validation.
	cl = stCluster(1, map[string][][]string{"t": {{"n9"}}})
	g := stMust(Stages(stScan("t", 1, 1), StageOptions{Cluster: cl}))
	if _, err := placement.Solve(g.Problem, nil); !errors.Is(err, placement.ErrInvalid) || !strings.Contains(err.Error(), `"n9"`) {
		t.Errorf("unknown replica node: %v", err)
	}
}
