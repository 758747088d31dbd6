package placement

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// maxLPRows is the size past which Solve coarsens the node classes.
const maxLPRows = 48

// Result is the answer of Solve.
type Result struct {
	Placement   *Placement
	Metrics     Metrics
	Explanation *Explanation
	// Elapsed is the wall time of Solve (not rendered in explanations, so
	// they stay deterministic).
	Elapsed time.Duration
}

// Solve places p. With opts nil it uses DefaultOptions. It fails at once
// with an error wrapping ErrInfeasible when a hard constraint or a capacity
// cannot be met, and with ErrInvalid for a malformed problem; otherwise it
// always returns a placement: the best (by Metrics.Better: exact
// objective, then imbalance) among the branch and bound's incumbent, the
// rounded LP relaxation, the greedy fallback and the spread, pack and
// locality baselines, improved by single-task moves while time is left.
func Solve(p *Problem, opts *Options) (*Result, error) {
	start := time.Now()
	o := DefaultOptions()
	if opts != nil {
		o = opts.withDefaults()
	}
	c, err := compile(p, o)
	if err != nil {
		return nil, err
	}
	if err := c.precheck(); err != nil {
		return nil, err
	}
	deadline := start.Add(o.TimeLimit)

	type candidate struct {
		a *assignment
		m Metrics
	}
	var cands []candidate
	var firstErr error
	consider := func(a *assignment, err error) {
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return
		}
		if m := c.evaluate(a); m.Feasible() {
			cands = append(cands, candidate{a, m})
		}
	}
	consider(c.greedy())
	if a, err := c.balancedGreedy(); a != nil || err != nil {
		consider(a, err)
	}
	for _, name := range []string{BaselineLocality, BaselineSpread, BaselinePack} {
		consider(c.baseline(name, 0))
	}
	incumbent := math.Inf(1)
	for _, cd := range cands {
		incumbent = math.Min(incumbent, cd.m.Objective)
	}

	// Fewer classes when the program grows past maxLPRows: gonum's dense
	// simplex costs grow with the cube of the rows, and the concentration
	// rows that carry most of the bound do not depend on the classes.
	classes := c.classes(o.MaxClasses)
	model := c.buildModel(classes)
	for mc := len(classes) - 1; mc >= 1 && len(model.lp.rows) > maxLPRows; mc-- {
		classes = c.classes(mc)
		model = c.buildModel(classes)
	}
	bb := model.branchAndBound(incumbent, start.Add(o.TimeLimit*2/3))
	if bb.best != nil {
		consider(bb.best, nil)
	}
	if bb.rounded != nil {
		consider(bb.rounded, nil)
	}
	if len(cands) == 0 {
		if firstErr == nil {
			firstErr = fmt.Errorf("%w: no heuristic found a placement", ErrInfeasible)
		}
		return nil, fmt.Errorf("no placement satisfies the hard constraints: %w", firstErr)
	}
	// The two best candidates are polished (the local search often
	// reorders close ones), each with half the time left, and the better
	// result wins.
	best, second := 0, -1
	for i := 1; i < len(cands); i++ {
		switch {
		case cands[i].m.Better(cands[best].m):
			best, second = i, best
		case second < 0 || cands[i].m.Better(cands[second].m):
			second = i
		}
	}
	source := cands[best].a.algorithm
	half := time.Now().Add(time.Until(deadline) / 2)
	improved := c.polish(cands[best].a, half)
	m := c.evaluate(cands[best].a)
	win := cands[best].a
	if second >= 0 {
		other := cands[second].a
		src2 := other.algorithm
		imp2 := c.polish(other, deadline)
		if m2 := c.evaluate(other); m2.Better(m) {
			win, m, source, improved = other, m2, src2, imp2
		}
	}
	win.algorithm = "solver"
	pl := c.placementOf(win)

	x := &Explanation{
		Source:        source,
		Polished:      improved,
		Status:        string(bb.status),
		NodesExplored: bb.nodes,
		Classes:       len(classes),
		Variables:     len(model.lp.cost),
		Constraints:   len(model.lp.rows),
		RootLP:        bb.rootLP,
		Bound:         bb.bound,
		Objective:     m.Objective,
		Metrics:       m,
	}
	if bb.rootErr != nil && !errors.Is(bb.rootErr, errLP) {
		x.Status += ": " + bb.rootErr.Error()
	}
	x.Gap = math.NaN()
	if !math.IsNaN(bb.bound) {
		x.Bound = math.Min(bb.bound, m.Objective)
		x.Gap = (m.Objective - x.Bound) / math.Max(math.Abs(m.Objective), 1)
	}
	c.explainStages(x, win)
	return &Result{Placement: pl, Metrics: m, Explanation: x, Elapsed: time.Since(start)}, nil
}

// polish improves a by local search while that lowers the exact objective
// (one pass always, more while time is left): whole-stage moves for small and STRICT_PACK stages,
// single-task moves, and swaps that bring a task to a full node holding
// its data; a task also moves, at no cost, to a less loaded node (the
// tie-break on imbalance). Every move is priced by exact marginal
// objectives (see placer.marginal), so the search costs candidates, not
// evaluations. It reports whether anything moved; a polished placement
// that Evaluate ranks after the original (Metrics.Better) is discarded.
func (c *compiled) polish(a *assignment, deadline time.Time) bool {
	before := c.evaluate(a)
	orig := cloneAssignment(a)
	p := c.newPlacer(a.algorithm)
	p.loadAssignment(a)
	moved := false
	expired := func() bool { return time.Now().After(deadline) }
	// The first pass always runs (it costs tasks x candidates, not
	// evaluations); later ones while time is left.
	for pass := 0; pass < 4 && (pass == 0 || !expired()); pass++ {
		better := false
		for _, s := range c.topo {
			if (c.stages[s].k <= 8 || c.stages[s].strategy == StrategyStrictPack) && p.moveStage(s) {
				better = true
			}
		}
		for _, s := range c.topo {
			for t := 0; t < c.stages[s].k; t++ {
				if pass > 0 && t%64 == 0 && expired() {
					break
				}
				if p.moveTask(s, t) {
					better = true
				}
			}
			if (pass == 0 || !expired()) && p.swapToData(s) {
				better = true
			}
		}
		if !better {
			break
		}
		moved = true
	}
	copyAssignment(a, p.a)
	if moved && before.Better(c.evaluate(a)) {
		copyAssignment(a, orig)
		return false
	}
	return moved
}

// improves reports whether cost beats base by more than rounding.
func improves(cost, base float64) bool {
	return cost < base-1e-6*math.Max(1, math.Abs(base))
}

// moveTask moves task t of s to its best (node, variant) if that is
// cheaper than where it is, or costs the same and balances the load: the
// same variant on a node less loaded than the task's own without it
// (which lowers the sum of squared loads and never raises the largest
// load, so such moves cannot cycle and never worsen the imbalance).
func (p *placer) moveTask(s, t int) bool {
	n0, v0 := p.a.node[s][t], p.a.variant[s][t]
	p.remove(s, t)
	base := p.marginal(s, t, v0, n0)
	n, v := p.chooseMin(s, t, p.greedyRule(s, t), nil)
	if n >= 0 && (n != n0 || v != v0) {
		cost := p.marginal(s, t, v, n)
		if improves(cost, base) || (n != n0 && v == v0 && cost <= base && p.load[n] < p.load[n0]-1e-9) {
			p.put(s, t, v, n)
			return true
		}
	}
	p.put(s, t, v0, n0)
	return false
}

// moveStage moves every task of s to one node if that is cheaper: single
// moves cannot relocate a STRICT_PACK group, and packing a small stage
// may pay off only whole.
func (p *placer) moveStage(s int) bool {
	c := p.c
	k := c.stages[s].k
	nodes := append([]int(nil), p.a.node[s]...)
	vars := append([]int(nil), p.a.variant[s]...)
	cur := 0.0
	for t := k - 1; t >= 0; t-- {
		p.remove(s, t)
		cur += p.marginal(s, t, vars[t], nodes[t])
	}
	seen := map[int]bool{}
	var cands []int
	for t := 0; t < k; t++ {
		for _, n := range p.candidates(s, t, true, nil) {
			if !seen[n] {
				seen[n] = true
				cands = append(cands, n)
			}
		}
	}
	bn, best := -1, cur
	for _, n := range cands {
		cost, ok := 0.0, true
		for t := 0; t < k; t++ {
			if !p.allowed(s, vars[t], n) {
				ok = false
				break
			}
			cost += p.marginal(s, t, vars[t], n)
			p.put(s, t, vars[t], n)
		}
		for t := 0; t < k; t++ {
			p.remove(s, t)
		}
		if ok && improves(cost, best) {
			bn, best = n, cost
		}
	}
	for t := 0; t < k; t++ {
		if bn >= 0 {
			p.put(s, t, vars[t], bn)
		} else {
			p.put(s, t, vars[t], nodes[t])
		}
	}
	return bn >= 0
}

// swapToData swaps a task that reads remotely with a task of the same
// stage sitting on a node that holds its data but has no room for one
// more task: a move the single-task moves cannot make.
func (p *placer) swapToData(s int) bool {
	c := p.c
	cs := &c.stages[s]
	byNode := map[int][]int{}
	for t, n := range p.a.node[s] {
		byNode[n] = append(byNode[n], t)
	}
	swapped := false
	for t1 := 0; t1 < cs.k; t1++ {
		n1, v1 := p.a.node[s][t1], p.a.variant[s][t1]
		if cs.input[t1] == 0 || cs.local[t1][n1] >= cs.input[t1]-1e-9 {
			continue
		}
		for r := range cs.local[t1] {
			if r == n1 || cs.local[t1][r] <= cs.local[t1][n1] {
				continue
			}
			done := false
			for i, t2 := range byNode[r] {
				if i >= 4 || p.a.node[s][t2] != r {
					break
				}
				if p.trySwap(s, t1, t2) {
					byNode[n1] = append(byNode[n1], t2)
					byNode[r][i] = t1
					swapped, done = true, true
					break
				}
			}
			if done {
				break
			}
		}
		_ = v1
	}
	return swapped
}

// trySwap exchanges the nodes of tasks t1 and t2 of stage s if that is
// allowed and cheaper.
func (p *placer) trySwap(s, t1, t2 int) bool {
	n1, v1, n2, v2 := p.a.node[s][t1], p.a.variant[s][t1], p.a.node[s][t2], p.a.variant[s][t2]
	if n1 == n2 {
		return false
	}
	p.remove(s, t1)
	out := p.marginal(s, t1, v1, n1)
	p.remove(s, t2)
	out += p.marginal(s, t2, v2, n2)
	if p.allowed(s, v1, n2) {
		in := p.marginal(s, t1, v1, n2)
		p.put(s, t1, v1, n2)
		if p.allowed(s, v2, n1) {
			in += p.marginal(s, t2, v2, n1)
			if improves(in, out) {
				p.put(s, t2, v2, n1)
				return true
			}
		}
		p.remove(s, t1)
	}
	p.put(s, t1, v1, n1)
	p.put(s, t2, v2, n2)
	return false
}

func cloneAssignment(a *assignment) *assignment {
	b := &assignment{combine: a.combine, algorithm: a.algorithm, node: make([][]int, len(a.node)), variant: make([][]int, len(a.variant))}
	for s := range a.node {
		b.node[s] = append([]int(nil), a.node[s]...)
		b.variant[s] = append([]int(nil), a.variant[s]...)
	}
	return b
}

func copyAssignment(dst, src *assignment) {
	for s := range src.node {
		copy(dst.node[s], src.node[s])
		copy(dst.variant[s], src.variant[s])
	}
}
