package placement

import (
	"fmt"
	"math"
	"sort"
)

// TaskPlacement is where one task runs and as which variant of its stage.
type TaskPlacement struct {
	Node    string
	Variant int
}

// Placement assigns every task of every stage to a node. It is produced by
// Solve and by the baselines alike, so Evaluate can compare them.
type Placement struct {
	// Algorithm names what produced the placement ("solver", "spread", ...).
	Algorithm string
	// Tasks[s][t] is the placement of task t of stage s.
	Tasks [][]TaskPlacement
	// Combine says whether per-node combiners merge the partials of an
	// EdgeCombine before they are shipped. Without them every producer
	// task ships its own partial (per-task partial aggregation).
	Combine bool
}

// StageMetrics are the bytes of one stage: its input scans and the edges
// arriving at it.
type StageMetrics struct {
	InputLocal, InputMoved float64
	EdgeLocal, EdgeMoved   float64
	Nodes                  int // distinct nodes hosting the stage
}

// Metrics measure a placement exactly.
type Metrics struct {
	// BytesMoved is every byte crossing a node boundary: input partitions
	// read remotely plus stage-to-stage edges between different nodes.
	BytesMoved float64
	// BytesLocal is every byte read or handed over on the same node.
	BytesLocal float64
	// BytesToFinal is every byte arriving (local or not) at the consumer
	// of an EdgeCombine: the partials the final aggregation must merge.
	BytesToFinal float64
	// Imbalance is the largest node load minus the mean node load.
	Imbalance float64
	// NodesUsed counts nodes hosting at least one task.
	NodesUsed int
	// SoftViolations counts unmet soft preferences (see Options.SoftWeight).
	SoftViolations float64
	// HardViolations describes every broken hard constraint or capacity;
	// empty for a valid placement.
	HardViolations []string
	// Objective is BytesMoved + variant penalties +
	// SoftWeight*SoftViolations + ImbalanceWeight*Imbalance. With the
	// default weights and no soft preference it is BytesMoved; placements
	// of equal Objective are ranked by Imbalance (see Better).
	Objective float64
	// Stages holds per-stage figures, indexed like Problem.Stages.
	Stages []StageMetrics
}

// Feasible reports whether the placement breaks no hard constraint.
func (m Metrics) Feasible() bool { return len(m.HardViolations) == 0 }

// Better reports whether m ranks before o, two placements of one problem
// measured with the same options: a lower Objective, or an Objective equal
// up to rounding (see sameObjective) and a lower Imbalance. This is the
// order Solve minimises: bytes (and priced preferences) first, then load
// balance.
func (m Metrics) Better(o Metrics) bool {
	if !sameObjective(m.Objective, o.Objective) {
		return m.Objective < o.Objective
	}
	return m.Imbalance < o.Imbalance-1e-9
}

// sameObjective reports whether two objectives differ by no more than
// floating-point rounding of sums of bytes (a relative 1e-12): equal
// placements up to the order their bytes were added in.
func sameObjective(a, b float64) bool {
	return math.Abs(a-b) <= 1e-12*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// Evaluate measures a placement of p with DefaultOptions weights.
func Evaluate(p *Problem, pl *Placement) (Metrics, error) {
	return EvaluateWith(p, pl, DefaultOptions())
}

// EvaluateWith measures a placement of p; opts supplies the default strategy
// and the objective weights.
func EvaluateWith(p *Problem, pl *Placement, opts Options) (Metrics, error) {
	c, err := compile(p, opts.withDefaults())
	if err != nil {
		return Metrics{}, err
	}
	a, err := c.assignmentOf(pl)
	if err != nil {
		return Metrics{}, err
	}
	return c.evaluate(a), nil
}

// assignment is a placement in index form: node and variant per task.
type assignment struct {
	node, variant [][]int
	combine       bool
	algorithm     string
}

func (c *compiled) newAssignment(algorithm string) *assignment {
	a := &assignment{combine: true, algorithm: algorithm,
		node: make([][]int, len(c.stages)), variant: make([][]int, len(c.stages))}
	for s, cs := range c.stages {
		a.node[s] = make([]int, cs.k)
		a.variant[s] = make([]int, cs.k)
		for t := range a.node[s] {
			a.node[s][t] = -1
		}
	}
	return a
}

func (c *compiled) assignmentOf(pl *Placement) (*assignment, error) {
	if pl == nil {
		return nil, fmt.Errorf("%w: nil placement", ErrInvalid)
	}
	if len(pl.Tasks) != len(c.stages) {
		return nil, fmt.Errorf("%w: placement has %d stages, problem has %d", ErrInvalid, len(pl.Tasks), len(c.stages))
	}
	a := c.newAssignment(pl.Algorithm)
	a.combine = pl.Combine
	for s, tasks := range pl.Tasks {
		if len(tasks) != c.stages[s].k {
			return nil, fmt.Errorf("%w: placement has %d tasks for stage %d, problem has %d", ErrInvalid, len(tasks), s, c.stages[s].k)
		}
		for t, tp := range tasks {
			n, ok := c.nodeIdx[tp.Node]
			if !ok {
				return nil, fmt.Errorf("%w: stage %d task %d placed on unknown node %q", ErrInvalid, s, t, tp.Node)
			}
			if tp.Variant < 0 || tp.Variant >= len(c.stages[s].variants) {
				return nil, fmt.Errorf("%w: stage %d task %d uses variant %d of %d", ErrInvalid, s, t, tp.Variant, len(c.stages[s].variants))
			}
			a.node[s][t], a.variant[s][t] = n, tp.Variant
		}
	}
	return a, nil
}

func (c *compiled) placementOf(a *assignment) *Placement {
	pl := &Placement{Algorithm: a.algorithm, Combine: a.combine, Tasks: make([][]TaskPlacement, len(a.node))}
	for s := range a.node {
		pl.Tasks[s] = make([]TaskPlacement, len(a.node[s]))
		for t, n := range a.node[s] {
			pl.Tasks[s][t] = TaskPlacement{Node: c.p.Cluster.Nodes[n].ID, Variant: a.variant[s][t]}
		}
	}
	return pl
}

// counts returns per node the number of tasks of stage s.
func (c *compiled) counts(a *assignment, s int) []float64 {
	cnt := make([]float64, c.nNodes())
	for _, n := range a.node[s] {
		if n >= 0 {
			cnt[n]++
		}
	}
	return cnt
}

// evaluate computes the exact metrics of a complete assignment.
func (c *compiled) evaluate(a *assignment) Metrics {
	var m Metrics
	N := c.nNodes()
	m.Stages = make([]StageMetrics, len(c.stages))
	used := make([]float64, N*len(c.res))
	load := make([]float64, N)
	cnt := make([][]float64, len(c.stages))
	for s := range c.stages {
		cnt[s] = c.counts(a, s)
	}
	for s := range c.stages {
		cs := &c.stages[s]
		sm := &m.Stages[s]
		for t := 0; t < cs.k; t++ {
			n, v := a.node[s][t], a.variant[s][t]
			loc := cs.local[t][n]
			sm.InputLocal += loc
			sm.InputMoved += cs.input[t] - loc
			cv := &cs.variants[v]
			for ri, d := range cv.demand {
				used[n*len(c.res)+ri] += d
			}
			load[n] += cv.weight
			m.Objective += cv.penalty
			if !cs.eligible[v][n] {
				m.HardViolations = append(m.HardViolations, fmt.Sprintf("stage %d (%s) task %d on %s: %s",
					s, c.p.Stages[s].Name, t, c.p.Cluster.Nodes[n].ID, c.ineligibleReason(s, v, n)))
			}
			for _, l := range cs.softLabel {
				if !labelHolds(l, c.p.Cluster.Nodes[n].Labels) {
					m.SoftViolations++
				}
			}
		}
		for n := 0; n < N; n++ {
			if cnt[s][n] > 0 {
				sm.Nodes++
			}
		}
		maxCnt := 0.0
		for _, x := range cnt[s] {
			maxCnt = math.Max(maxCnt, x)
		}
		switch cs.strategy {
		case StrategyStrictPack:
			if sm.Nodes > 1 {
				m.HardViolations = append(m.HardViolations, fmt.Sprintf("stage %d (%s) is STRICT_PACK but uses %d nodes", s, c.p.Stages[s].Name, sm.Nodes))
			}
		case StrategyStrictSpread:
			if maxCnt > 1 {
				m.HardViolations = append(m.HardViolations, fmt.Sprintf("stage %d (%s) is STRICT_SPREAD but puts %d tasks on one node", s, c.p.Stages[s].Name, int(maxCnt)))
			}
		case StrategyPack:
			m.SoftViolations += math.Max(0, float64(sm.Nodes-c.minNodesOf[s]))
		case StrategySpread:
			m.SoftViolations += math.Max(0, maxCnt-c.evenShareOf[s])
		}
	}
	for _, e := range c.p.Edges {
		local, moved, arriving := c.edgeBytes(e, a, cnt)
		m.Stages[e.To].EdgeLocal += local
		m.Stages[e.To].EdgeMoved += moved
		if e.Kind == EdgeCombine {
			m.BytesToFinal += arriving
		}
	}
	for s := range m.Stages {
		m.BytesMoved += m.Stages[s].InputMoved + m.Stages[s].EdgeMoved
		m.BytesLocal += m.Stages[s].InputLocal + m.Stages[s].EdgeLocal
	}
	total, maxLoad := 0.0, 0.0
	for n := 0; n < N; n++ {
		total += load[n]
		maxLoad = math.Max(maxLoad, load[n])
		if load[n] > 0 {
			m.NodesUsed++
		}
		for ri, r := range c.res {
			if u := used[n*len(c.res)+ri]; u > c.cap[n][ri]+1e-9 {
				m.HardViolations = append(m.HardViolations, fmt.Sprintf("node %s: %s %s used of %s",
					c.p.Cluster.Nodes[n].ID, r, formatAmount(u), formatAmount(c.cap[n][ri])))
			}
		}
	}
	m.Imbalance = maxLoad - total/float64(N)
	m.Objective += m.BytesMoved + c.opts.ImbalanceWeight*m.Imbalance + c.opts.SoftWeight*m.SoftViolations
	sort.Strings(m.HardViolations)
	return m
}

// edgeBytes returns the bytes of edge e kept on a node, moved across nodes
// and (for EdgeCombine) arriving at the consumer in total.
func (c *compiled) edgeBytes(e Edge, a *assignment, cnt [][]float64) (local, moved, arriving float64) {
	B := float64(e.Bytes)
	kf, kt := float64(c.stages[e.From].k), float64(c.stages[e.To].k)
	switch e.Kind {
	case EdgeShuffle:
		same := 0.0
		for n := range cnt[e.From] {
			same += cnt[e.From][n] * cnt[e.To][n]
		}
		local = B * same / (kf * kt)
	case EdgeForward:
		for t, n := range a.node[e.From] {
			if a.node[e.To][t] == n {
				local += B / kf
			}
		}
	case EdgeCombine:
		partial := B / kf
		for n, x := range cnt[e.From] {
			if x == 0 {
				continue
			}
			ship := x * partial
			if a.combine {
				ship = partial
			}
			arriving += ship
			local += ship * cnt[e.To][n] / kt
		}
		return local, arriving - local, arriving
	}
	return local, B - local, B
}

// minNodes is the fewest nodes the tasks of stage s could fit on.
func (c *compiled) minNodes(s int) int {
	cs := &c.stages[s]
	best := 1
	for n := 0; n < c.nNodes(); n++ {
		for v := range cs.variants {
			if cs.eligible[v][n] {
				if m := c.maxPerNode(cs.variants[v].demand, n, cs.k); m > best {
					best = m
				}
			}
		}
	}
	return (cs.k + best - 1) / best
}

// evenShare is the most tasks of stage s a node holds under a perfect spread
// over its eligible nodes.
func (c *compiled) evenShare(s int) float64 {
	cs := &c.stages[s]
	elig := 0
	for n := 0; n < c.nNodes(); n++ {
		for v := range cs.variants {
			if cs.eligible[v][n] {
				elig++
				break
			}
		}
	}
	if elig == 0 {
		return float64(cs.k)
	}
	return math.Ceil(float64(cs.k) / float64(elig))
}

func (c *compiled) ineligibleReason(s, v, n int) string {
	cs := &c.stages[s]
	for _, l := range cs.hardLabel {
		if !labelHolds(l, c.p.Cluster.Nodes[n].Labels) {
			return "breaks " + l.String()
		}
	}
	for ri, d := range cs.variants[v].demand {
		if d > c.cap[n][ri] {
			return fmt.Sprintf("needs %s=%s, node has %s", c.res[ri], formatAmount(d), formatAmount(c.cap[n][ri]))
		}
	}
	return "not eligible"
}
