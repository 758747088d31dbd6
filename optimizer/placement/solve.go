package placement

import (
	"errors"
	"fmt"
	"math"
	"time"
)

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
// always returns a placement: the best by exact objective among the branch
// and bound's incumbent, the rounded LP relaxation, the greedy fallback and
// the spread, pack and locality baselines, improved by single-task moves
// while time is left.
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
	for _, name := range []string{BaselineLocality, BaselineSpread, BaselinePack} {
		consider(c.baseline(name, 0))
	}
	incumbent := math.Inf(1)
	for _, cd := range cands {
		incumbent = math.Min(incumbent, cd.m.Objective)
	}

	classes := c.classes(o.MaxClasses)
	model := c.buildModel(classes)
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
	best := cands[0]
	for _, cd := range cands[1:] {
		if cd.m.Objective < best.m.Objective-1e-9 {
			best = cd
		}
	}
	source := best.a.algorithm
	improved := c.polish(best.a, deadline)
	m := c.evaluate(best.a)
	best.a.algorithm = "solver"
	pl := c.placementOf(best.a)

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
	c.explainStages(x, best.a)
	return &Result{Placement: pl, Metrics: m, Explanation: x, Elapsed: time.Since(start)}, nil
}

// polish moves single tasks to other nodes while that lowers the exact
// objective and time is left. It reports whether anything moved.
func (c *compiled) polish(a *assignment, deadline time.Time) bool {
	p := c.newPlacer(a.algorithm)
	for s := range a.node {
		for t := range a.node[s] {
			p.put(s, t, a.variant[s][t], a.node[s][t])
		}
	}
	cur := c.evaluate(p.a).Objective
	moved := false
	for pass := 0; pass < 4; pass++ {
		better := false
		// Whole-stage moves: single-task moves cannot relocate a
		// STRICT_PACK group, and packing a stage may pay off only whole.
		for _, s := range c.topo {
			if time.Now().After(deadline) {
				break
			}
			nodes := append([]int(nil), p.a.node[s]...)
			vars := append([]int(nil), p.a.variant[s]...)
			for t := range nodes {
				p.remove(s, t)
			}
			bn, bObj := -1, cur
			for n := 0; n < c.nNodes(); n++ {
				ok := true
				for t := range nodes {
					if !p.allowed(s, vars[t], n) {
						ok = false
						break
					}
					p.put(s, t, vars[t], n)
				}
				if ok {
					if m := c.evaluate(p.a); m.Feasible() && m.Objective < bObj-1e-6 {
						bn, bObj = n, m.Objective
					}
				}
				for t := range nodes {
					if p.a.node[s][t] >= 0 {
						p.remove(s, t)
					}
				}
			}
			for t := range nodes {
				if bn >= 0 {
					p.put(s, t, vars[t], bn)
				} else {
					p.put(s, t, vars[t], nodes[t])
				}
			}
			if bn >= 0 {
				cur, better, moved = bObj, true, true
			}
		}
		for _, s := range c.topo {
			for t := 0; t < c.stages[s].k; t++ {
				if time.Now().After(deadline) {
					copyAssignment(a, p.a)
					return moved
				}
				n0, v0 := p.a.node[s][t], p.a.variant[s][t]
				p.remove(s, t)
				bn, bv, bObj := n0, v0, cur
				for v := range c.stages[s].variants {
					for n := 0; n < c.nNodes(); n++ {
						if (n == n0 && v == v0) || !p.allowed(s, v, n) {
							continue
						}
						p.put(s, t, v, n)
						if m := c.evaluate(p.a); m.Feasible() && m.Objective < bObj-1e-6 {
							bn, bv, bObj = n, v, m.Objective
						}
						p.remove(s, t)
					}
				}
				p.put(s, t, bv, bn)
				if bn != n0 || bv != v0 {
					cur, better, moved = bObj, true, true
				}
			}
		}
		// Swaps of two tasks of one stage keep per-node counts (so
		// SPREAD shares and capacities mostly hold) but fix locality.
		for _, s := range c.topo {
			k := c.stages[s].k
			for t1 := 0; t1 < k; t1++ {
				for t2 := t1 + 1; t2 < k; t2++ {
					if time.Now().After(deadline) {
						copyAssignment(a, p.a)
						return moved
					}
					n1, v1, n2, v2 := p.a.node[s][t1], p.a.variant[s][t1], p.a.node[s][t2], p.a.variant[s][t2]
					if n1 == n2 {
						continue
					}
					p.remove(s, t1)
					p.remove(s, t2)
					if p.allowed(s, v1, n2) {
						p.put(s, t1, v1, n2)
						if p.allowed(s, v2, n1) {
							p.put(s, t2, v2, n1)
							if m := c.evaluate(p.a); m.Feasible() && m.Objective < cur-1e-6 {
								cur, better, moved = m.Objective, true, true
								continue
							}
							p.remove(s, t2)
						}
						p.remove(s, t1)
					}
					p.put(s, t1, v1, n1)
					p.put(s, t2, v2, n2)
				}
			}
		}
		if !better {
			break
		}
	}
	copyAssignment(a, p.a)
	return moved
}

func copyAssignment(dst, src *assignment) {
	for s := range src.node {
		copy(dst.node[s], src.node[s])
		copy(dst.variant[s], src.variant[s])
	}
}
