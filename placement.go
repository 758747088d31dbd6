package dataflow

import (
	"fmt"
	"strings"

	"github.com/dataflow-go/dataflow/optimizer"
	"github.com/dataflow-go/dataflow/optimizer/placement"
)

// PlacementReport is where a query's stages would run on a cluster and
// why: what `dataflow explain --cluster cluster.yaml` prints (Text) and
// draws (DOT).
type PlacementReport struct {
	// Text is the explanation: the stages and their operators, then per
	// stage the chosen nodes, bytes kept local and moved, the runner-up
	// and why it lost, the LP bound and the gap, then the baselines.
	Text string
	// DOT draws the placed stage graph for Graphviz (dot -Tsvg).
	DOT string
	// Stages holds per-stage figures, in stage order.
	Stages []PlacementStage
	// Metrics measure the chosen placement; Baselines measure the
	// baselines of placement.BaselineNames on the same problem, in that
	// order (a baseline that cannot place the stages is left out and
	// named in Text).
	Metrics   placement.Metrics
	Baselines []PlacementBaseline
	// Problem is the placement problem the query's plan became, Result
	// the solver's full answer.
	Problem *placement.Problem
	Result  *placement.Result
}

// PlacementStage is one stage of a placed query.
type PlacementStage struct {
	Name string
	// Operators are the plan operators the stage runs, bottom up.
	Operators []string
	Tasks     int
	// Nodes are where the tasks run.
	Nodes []placement.NodeTasks
	// EstimatedOutBytes is the planner's estimate of the stage's output.
	EstimatedOutBytes float64
	// Bytes read and received, kept on a node or moved across nodes.
	placement.StageMetrics
	// RunnerUp is the best other option and Why it lost.
	RunnerUp, Why string
}

// PlacementBaseline is the outcome of one baseline placement rule.
type PlacementBaseline struct {
	Name    string
	Metrics placement.Metrics
}

// LoadCluster reads a cluster description (YAML or JSON, see
// placement.LoadCluster) for ExplainPlacement. Every table it lists must
// be registered with the engine: partition i of a listed table gives the
// replica nodes of the table's split i (the list repeats when the table
// has more splits).
func (e *Engine) LoadCluster(path string) (*placement.Cluster, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	cl, err := placement.LoadCluster(path)
	if err != nil {
		return nil, err
	}
	for _, t := range cl.Tables {
		if _, err := e.catalog.Lookup(t.Name); err != nil {
			return nil, fmt.Errorf("%w: cluster file %s lists table %q, which is not registered: %w", ErrUsage, path, t.Name, err)
		}
		if len(t.Partitions) == 0 {
			return nil, fmt.Errorf("%w: cluster file %s lists table %q without partitions", ErrUsage, path, t.Name)
		}
	}
	return cl, nil
}

// ExplainPlacement plans the query, splits it into stages the way the
// physical planner would run them on a cluster (optimizer.Stages) and
// places every task on cluster's nodes with placement.Solve; opts nil
// means placement.DefaultOptions (a session's placement hints, such as a
// strategy, arrive through opts). The query is not run.
func (q *Query) ExplainPlacement(cluster *placement.Cluster, opts *placement.Options) (*PlacementReport, error) {
	if cluster == nil {
		return nil, fmt.Errorf("%w: ExplainPlacement needs a cluster (see Engine.LoadCluster)", ErrUsage)
	}
	if err := q.eng.check(); err != nil {
		return nil, err
	}
	n, err := q.OptimizedPlan()
	if err != nil {
		return nil, err
	}
	g, err := optimizer.Stages(n, optimizer.StageOptions{Cluster: *cluster})
	if err != nil {
		return nil, err
	}
	o := placement.DefaultOptions()
	if opts != nil {
		o = *opts
	}
	res, err := placement.Solve(g.Problem, &o)
	if err != nil {
		return nil, err
	}
	dot, err := placement.DOT(g.Problem, res.Placement)
	if err != nil {
		return nil, err
	}
	r := &PlacementReport{DOT: dot, Metrics: res.Metrics, Problem: g.Problem, Result: res}
	var b strings.Builder
	fmt.Fprintf(&b, "%d stages on %d nodes:\n", len(g.Problem.Stages), len(cluster.Nodes))
	for i, s := range g.Problem.Stages {
		info := g.Info[i]
		ps := PlacementStage{Name: s.Name, Operators: info.Operators, Tasks: s.K(), EstimatedOutBytes: info.OutBytes}
		if i < len(res.Explanation.Stages) {
			se := res.Explanation.Stages[i]
			ps.Nodes, ps.StageMetrics, ps.RunnerUp, ps.Why = se.Nodes, se.StageMetrics, se.RunnerUp, se.Why
		}
		r.Stages = append(r.Stages, ps)
		ops := strings.Join(info.Operators, " -> ")
		if ops == "" {
			ops = "gather"
		}
		fmt.Fprintf(&b, "  stage %d (%s) x%d: %s; est. output %s\n", i, s.Name, s.K(), ops, formatPlacementBytes(info.OutBytes))
	}
	b.WriteString(res.Explanation.String())
	for _, name := range placement.BaselineNames {
		pl, err := placement.Baseline(g.Problem, name, 1, o)
		if err != nil {
			fmt.Fprintf(&b, "baseline %s: %v\n", name, err)
			continue
		}
		m, err := placement.EvaluateWith(g.Problem, pl, o)
		if err != nil {
			return nil, err
		}
		r.Baselines = append(r.Baselines, PlacementBaseline{Name: name, Metrics: m})
		fmt.Fprintf(&b, "baseline %s: moved %s, to final aggregation %s, objective %s\n",
			name, formatPlacementBytes(m.BytesMoved), formatPlacementBytes(m.BytesToFinal), formatPlacementBytes(m.Objective))
	}
	r.Text = b.String()
	return r, nil
}

// formatPlacementBytes renders bytes with a binary unit, as the placement
// explanation does.
func formatPlacementBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", v)
	}
	return fmt.Sprintf("%.1f %s", v, units[i])
}

// ExplainPlacement places a SQL query's stages on cluster using this
// session's placement.strategy setting (SET placement.strategy =
// 'spread'), which applies to every stage that asks for no strategy of
// its own.
func (s *Session) ExplainPlacement(sql string, cluster *placement.Cluster) (*PlacementReport, error) {
	opts := placement.DefaultOptions()
	opts.Strategy = s.current().strategy
	return s.Query(sql).ExplainPlacement(cluster, &opts)
}
