package optimizer

import (
	"fmt"
	"math"
	"strings"

	"github.com/dataflow-go/dataflow/exec"
	"github.com/dataflow-go/dataflow/optimizer/placement"
	"github.com/dataflow-go/dataflow/plan"
	"github.com/dataflow-go/dataflow/store"
)

// StageOptions configure Stages.
type StageOptions struct {
	// Cluster supplies the nodes and, for the tables it lists, where the
	// splits of each table live: partition i of a cluster table holds
	// the replicas of split i of the store table (the list repeats when
	// the table has more splits than partitions listed). A table the
	// cluster does not list has no known location: its scans read
	// anywhere at no cost. Partition sizes come from the splits'
	// EstimatedBytes; the cluster file's bytes are used only where a
	// split does not know its size.
	Cluster placement.Cluster
	// Parallelism is the task count of a shuffle-join stage; 0 means one
	// task per cluster node.
	Parallelism int
	// TaskDemand is the resource demand of every task; nil means cpu=1.
	TaskDemand placement.Resources
	// BroadcastFactor decides between a broadcast and a shuffle join: the
	// build side is broadcast to every probe task when its bytes times
	// the probe tasks are at most BroadcastFactor times the bytes a
	// shuffle of both sides would move. 0 means 1.
	BroadcastFactor float64
}

// StageInfo describes one stage of a StageGraph beyond what the placement
// problem needs: the operators fused into it and its estimated output.
type StageInfo struct {
	// Operators lists the plan operators the stage runs, bottom up.
	Operators []string
	// OutRows and OutBytes estimate the stage's total output.
	OutRows, OutBytes float64
}

// StageGraph is the stage graph of a plan as a placement problem.
type StageGraph struct {
	Problem *placement.Problem
	// Info is indexed like Problem.Stages.
	Info []StageInfo
}

// Stages derives the stage graph of an optimized logical plan the way the
// physical planner splits work, as a placement problem on opts.Cluster:
//
//   - every scan is a stage with one task per store split (a Parquet row
//     group, a range of IPC batches, a chunk of an in-memory table),
//     reading that split; filters and projections above it are fused in;
//   - an aggregation over a multi-task stage runs as partial aggregates
//     fused into that stage, feeding a combine edge into a one-task
//     final-aggregate stage (count distinct and UDF aggregates cannot be
//     split and gather their input instead);
//   - a join broadcasts its build (right) side to the probe tasks when
//     that is cheap (see StageOptions.BroadcastFactor) and otherwise
//     shuffles both sides into a join stage of Parallelism tasks;
//   - sort, limit, distinct and values run in a one-task stage (a limit
//     over a sort as one top-N).
//
// Edge bytes are the rows EstimateRows gives the producing plan node times
// the row width EstimateBytes assumes.
func Stages(n plan.Node, opts StageOptions) (*StageGraph, error) {
	if n == nil {
		return nil, fmt.Errorf("%w: nil plan", ErrOptimizer)
	}
	if len(opts.Cluster.Nodes) == 0 {
		return nil, fmt.Errorf("%w: placing a plan needs a cluster with at least one node", ErrOptimizer)
	}
	b := &stageBuilder{opts: opts, g: &StageGraph{Problem: &placement.Problem{}}, tables: map[string]int{}}
	b.g.Problem.Cluster.Nodes = opts.Cluster.Nodes
	if b.opts.Parallelism <= 0 {
		b.opts.Parallelism = len(opts.Cluster.Nodes)
	}
	if b.opts.TaskDemand == nil {
		b.opts.TaskDemand = placement.Resources{placement.ResourceCPU: 1}
	}
	if b.opts.BroadcastFactor <= 0 {
		b.opts.BroadcastFactor = 1
	}
	f, err := b.build(n)
	if err != nil {
		return nil, err
	}
	if _, err := b.single(f, "output"); err != nil {
		return nil, err
	}
	return b.g, nil
}

// fragment is the output of a plan subtree: the stages producing it (more
// than one below a union) with their estimated rows, and the row width.
type fragment struct {
	parts []part
	width float64
}

type part struct {
	stage int
	rows  float64
}

func (f fragment) rows() float64 {
	r := 0.0
	for _, p := range f.parts {
		r += p.rows
	}
	return r
}

func (f fragment) bytes() float64 { return f.rows() * f.width }

type stageBuilder struct {
	opts   StageOptions
	g      *StageGraph
	tables map[string]int // problem table index by name
}

func (b *stageBuilder) k(stage int) int { return b.g.Problem.Stages[stage].K() }

func (b *stageBuilder) newStage(name string, tasks []placement.Task) int {
	b.g.Problem.Stages = append(b.g.Problem.Stages, placement.Stage{Name: name, Tasks: tasks, Demand: b.opts.TaskDemand})
	b.g.Info = append(b.g.Info, StageInfo{})
	return len(b.g.Problem.Stages) - 1
}

func (b *stageBuilder) edge(from, to int, bytes float64, kind placement.EdgeKind) {
	b.g.Problem.Edges = append(b.g.Problem.Edges, placement.Edge{From: from, To: to, Bytes: int64(math.Round(bytes)), Kind: kind})
}

// fuse records an operator running inside every stage of f; n is the plan
// node it implements, whose estimate becomes the fragment's output, split
// over the parts as their inputs were.
func (b *stageBuilder) fuse(f fragment, op string, n plan.Node) fragment {
	rows, width := estimate(n)
	in := f.rows()
	out := fragment{width: width}
	for _, p := range f.parts {
		b.g.Info[p.stage].Operators = append(b.g.Info[p.stage].Operators, op)
		share := 1 / float64(len(f.parts))
		if in > 0 {
			share = p.rows / in
		}
		out.parts = append(out.parts, part{stage: p.stage, rows: rows * share})
	}
	b.setOutput(out)
	return out
}

func (b *stageBuilder) setOutput(f fragment) {
	for _, p := range f.parts {
		b.g.Info[p.stage].OutRows = p.rows
		b.g.Info[p.stage].OutBytes = p.rows * f.width
	}
}

// single gathers f into one task: f itself when it is one one-task stage,
// else a new one-task stage fed by shuffles (gathers) from every part.
func (b *stageBuilder) single(f fragment, name string) (fragment, error) {
	if len(f.parts) == 1 && b.k(f.parts[0].stage) == 1 {
		return f, nil
	}
	s := b.newStage(name, make([]placement.Task, 1))
	for _, p := range f.parts {
		b.edge(p.stage, s, p.rows*f.width, placement.EdgeShuffle)
	}
	out := fragment{parts: []part{{stage: s, rows: f.rows()}}, width: f.width}
	b.setOutput(out)
	return out, nil
}

func (b *stageBuilder) build(n plan.Node) (fragment, error) {
	switch n := n.(type) {
	case *plan.Scan:
		return b.scan(n)
	case *plan.Filter:
		f, err := b.build(n.Input)
		if err != nil {
			return fragment{}, err
		}
		return b.fuse(f, "filter", n), nil
	case *plan.Project:
		f, err := b.build(n.Input)
		if err != nil {
			return fragment{}, err
		}
		return b.fuse(f, "project", n), nil
	case *plan.Aggregate:
		return b.aggregate(n)
	case *plan.Join:
		return b.join(n)
	case *plan.Sort:
		f, err := b.build(n.Input)
		if err != nil {
			return fragment{}, err
		}
		if f, err = b.single(f, "sort"); err != nil {
			return fragment{}, err
		}
		return b.fuse(f, "sort", n), nil
	case *plan.Limit:
		f, err := b.build(n.Input)
		if err != nil {
			return fragment{}, err
		}
		if f, err = b.single(f, "limit"); err != nil {
			return fragment{}, err
		}
		return b.fuse(f, "limit", n), nil
	case *plan.Distinct:
		f, err := b.build(n.Input)
		if err != nil {
			return fragment{}, err
		}
		if f, err = b.single(f, "distinct"); err != nil {
			return fragment{}, err
		}
		return b.fuse(f, "distinct", n), nil
	case *plan.Union:
		var out fragment
		for _, c := range n.Inputs {
			f, err := b.build(c)
			if err != nil {
				return fragment{}, err
			}
			out.parts = append(out.parts, f.parts...)
			out.width = math.Max(out.width, f.width)
		}
		return out, nil
	case *plan.Values, *plan.TableFunc:
		// A leaf computed where it runs: one task, no table to read.
		name := "values"
		if tf, ok := n.(*plan.TableFunc); ok {
			name = "table function " + tf.UDF.Name
		}
		s := b.newStage(name, make([]placement.Task, 1))
		b.g.Info[s].Operators = []string{name}
		rows, width := estimate(n)
		out := fragment{parts: []part{{stage: s, rows: rows}}, width: width}
		b.setOutput(out)
		return out, nil
	}
	return fragment{}, fmt.Errorf("%w: no stage for %T", ErrOptimizer, n)
}

func (b *stageBuilder) scan(n *plan.Scan) (fragment, error) {
	splits, err := n.Source.Splits()
	if err != nil {
		return fragment{}, fmt.Errorf("scan %s: %w", n.Table, err)
	}
	ti, err := b.table(n.Table, n.Source, splits)
	if err != nil {
		return fragment{}, err
	}
	k := max(1, len(splits))
	tasks := make([]placement.Task, k)
	if ti >= 0 {
		for i := range tasks {
			tasks[i].Inputs = []placement.PartitionRef{{Table: n.Table, Partition: i}}
		}
	}
	s := b.newStage("scan "+n.Table, tasks)
	b.g.Info[s].Operators = []string{"scan " + n.Table}
	rows, width := estimate(n)
	f := fragment{parts: []part{{stage: s, rows: rows}}, width: width}
	b.setOutput(f)
	if len(n.Filters) > 0 {
		b.g.Info[s].Operators = append(b.g.Info[s].Operators, "filter")
	}
	return f, nil
}

// table adds the store table read by a scan to the problem's cluster,
// one partition per split, with the replica locations the cluster lists.
// It returns -1 when the cluster does not list the table.
func (b *stageBuilder) table(name string, src store.Table, splits []store.Split) (int, error) {
	if ti, ok := b.tables[name]; ok {
		return ti, nil
	}
	var listed *placement.Table
	for i := range b.opts.Cluster.Tables {
		if strings.EqualFold(b.opts.Cluster.Tables[i].Name, name) {
			listed = &b.opts.Cluster.Tables[i]
			break
		}
	}
	if listed == nil {
		b.tables[name] = -1
		return -1, nil
	}
	if len(listed.Partitions) == 0 {
		return 0, fmt.Errorf("%w: the cluster lists table %s without partitions", ErrOptimizer, name)
	}
	t := placement.Table{Name: name}
	stats := src.Stats()
	for i := 0; i < max(1, len(splits)); i++ {
		cp := listed.Partitions[i%len(listed.Partitions)]
		bytes := int64(-1)
		if i < len(splits) {
			bytes = splits[i].EstimatedBytes()
		}
		if bytes < 0 {
			bytes = cp.Bytes
		}
		if bytes <= 0 && stats.Bytes > 0 {
			bytes = stats.Bytes / int64(max(1, len(splits)))
		}
		t.Partitions = append(t.Partitions, placement.Partition{Bytes: max(0, bytes), Replicas: cp.Replicas})
	}
	b.g.Problem.Cluster.Tables = append(b.g.Problem.Cluster.Tables, t)
	ti := len(b.g.Problem.Cluster.Tables) - 1
	b.tables[name] = ti
	return ti, nil
}

func (b *stageBuilder) aggregate(n *plan.Aggregate) (fragment, error) {
	f, err := b.build(n.Input)
	if err != nil {
		return fragment{}, err
	}
	splittable := true
	for _, a := range n.Aggs {
		if call, ok := plan.Unalias(a).(plan.AggCall); ok && (call.Func == exec.AggCountDistinct || call.Func == exec.AggUDF) {
			splittable = false
		}
	}
	if len(f.parts) == 1 && b.k(f.parts[0].stage) == 1 {
		return b.fuse(f, "aggregate", n), nil
	}
	if !splittable {
		if f, err = b.single(f, "aggregate"); err != nil {
			return fragment{}, err
		}
		return b.fuse(f, "aggregate", n), nil
	}
	groups, width := estimate(n)
	final := b.newStage("final aggregate", make([]placement.Task, 1))
	b.g.Info[final].Operators = []string{"final aggregate"}
	for _, p := range f.parts {
		k := float64(b.k(p.stage))
		// Each task emits at most one row per group it saw.
		partialRows := k * math.Min(groups, p.rows/k)
		b.g.Info[p.stage].Operators = append(b.g.Info[p.stage].Operators, "partial aggregate")
		b.g.Info[p.stage].OutRows = partialRows
		b.g.Info[p.stage].OutBytes = partialRows * width
		b.edge(p.stage, final, partialRows*width, placement.EdgeCombine)
	}
	out := fragment{parts: []part{{stage: final, rows: groups}}, width: width}
	b.setOutput(out)
	return out, nil
}

func (b *stageBuilder) join(n *plan.Join) (fragment, error) {
	l, err := b.build(n.Left)
	if err != nil {
		return fragment{}, err
	}
	r, err := b.build(n.Right)
	if err != nil {
		return fragment{}, err
	}
	equi := false
	if n.On != nil {
		for _, c := range Conjuncts(n.On) {
			if _, _, ok := equiKey(c, n.Left.Schema(), n.Right.Schema()); ok {
				equi = true
			}
		}
	}
	probeTasks := 0
	for _, p := range l.parts {
		probeTasks += b.k(p.stage)
	}
	broadcast := r.bytes()*float64(probeTasks) <= b.opts.BroadcastFactor*(l.bytes()+r.bytes())
	if broadcast || !equi {
		if !equi && probeTasks > 1 {
			// A nested-loop join runs in one task.
			if l, err = b.single(l, "join"); err != nil {
				return fragment{}, err
			}
			probeTasks = 1
		}
		// The build side travels once to every probe task.
		for _, p := range l.parts {
			for _, q := range r.parts {
				b.edge(q.stage, p.stage, q.rows*r.width*float64(b.k(p.stage)), placement.EdgeShuffle)
			}
		}
		return b.fuse(l, "broadcast hash join", n), nil
	}
	s := b.newStage("join", make([]placement.Task, b.opts.Parallelism))
	b.g.Info[s].Operators = []string{"shuffle hash join"}
	for _, f := range []fragment{l, r} {
		for _, p := range f.parts {
			b.edge(p.stage, s, p.rows*f.width, placement.EdgeShuffle)
		}
	}
	rows, width := estimate(n)
	res := fragment{parts: []part{{stage: s, rows: rows}}, width: width}
	b.setOutput(res)
	return res, nil
}

// estimate returns the rows and the row width of n's output from the
// optimizer's cardinality model.
func estimate(n plan.Node) (rows, width float64) {
	rows = EstimateRows(n)
	if rows <= 0 {
		return 0, 1
	}
	return rows, math.Max(EstimateBytes(n)/rows, 1)
}
