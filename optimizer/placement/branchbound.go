package placement

import (
	"errors"
	"math"
	"time"

	"gonum.org/v1/gonum/optimize/convex/lp"
)

// bbStatus says how the branch and bound ended.
type bbStatus string

const (
	bbOptimal    bbStatus = "complete"   // search tree exhausted
	bbNodeLimit  bbStatus = "node limit" // Options.NodeLimit LPs solved
	bbTimeLimit  bbStatus = "time limit" // Options.TimeLimit passed
	bbLPFailed   bbStatus = "lp failed"  // the root relaxation could not be solved
	bbInfeasible bbStatus = "lp infeasible"
	// bbRootOnly: a large program coarsened to a single class. Its counts
	// say nothing about which node a task takes (decoding it is the
	// greedy rule), and branching would only tighten the bound at the
	// price of LPs of many rows each, so only the root is solved.
	bbRootOnly bbStatus = "root only (one class)"
)

type bbResult struct {
	status   bbStatus
	nodes    int     // LPs solved
	rootLP   float64 // objective of the root relaxation, bytes
	bound    float64 // proven lower bound on the objective, bytes; NaN if none
	best     *assignment
	bestObj  float64
	rounded  *assignment // decoded root relaxation
	rootErr  error
	integral bool // best came from an integral LP solution
}

// rootOnlyRows is the size from which a one-class program is not branched.
const rootOnlyRows = 32

type bbNode struct {
	bounds []lpRow
	parent float64 // LP value of the parent (a lower bound for this node)
}

// branchAndBound searches the class-level program depth first, branching on
// the most fractional count. incumbent is the best exact objective known
// (from the greedy); subtrees whose LP value cannot beat it are pruned.
func (m *ipModel) branchAndBound(incumbent float64, deadline time.Time) bbResult {
	c := m.c
	res := bbResult{status: bbOptimal, bound: math.NaN(), bestObj: incumbent, rootLP: math.NaN()}
	stack := []bbNode{{parent: math.Inf(-1)}}
	leafMin := math.Inf(1) // smallest LP value of an integral leaf
	for len(stack) > 0 {
		if res.nodes >= c.opts.NodeLimit {
			res.status = bbNodeLimit
			break
		}
		// The root is always solved: its bound is part of every answer.
		if res.nodes > 0 && time.Now().After(deadline) {
			res.status = bbTimeLimit
			break
		}
		nd := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if nd.parent >= res.bestObj-1e-6*math.Abs(res.bestObj) {
			continue
		}
		val, x, err := m.lp.solve(nd.bounds)
		res.nodes++
		if res.nodes == 1 {
			if err != nil {
				res.rootErr = err
				if errors.Is(err, lp.ErrInfeasible) {
					res.status = bbInfeasible
				} else {
					res.status = bbLPFailed
				}
				return res
			}
			res.rootLP = m.objective(val)
			// With one class and one variant per stage the rounding
			// is the greedy rule again: skip it.
			if len(m.classes) > 1 || m.c.hasVariants() {
				if a, err := m.decode(x, "lp-rounding"); err == nil {
					res.rounded = a
				}
			}
		}
		if err != nil {
			continue // infeasible branch, or numeric trouble: drop it
		}
		obj := m.objective(val)
		if res.nodes == 1 && len(m.classes) == 1 && len(m.lp.rows) > rootOnlyRows {
			res.status = bbRootOnly
			res.bound = math.Max(0, math.Min(obj, res.bestObj))
			return res
		}
		if obj >= res.bestObj-1e-6*math.Abs(res.bestObj) {
			continue
		}
		j, frac := m.mostFractional(x)
		if j < 0 {
			leafMin = math.Min(leafMin, obj)
			a, err := m.decode(x, "branch-and-bound")
			if err != nil {
				continue
			}
			if e := c.evaluate(a); e.Feasible() && e.Objective < res.bestObj {
				res.best, res.bestObj, res.integral = a, e.Objective, true
			}
			continue
		}
		down := lpRow{idx: []int{j}, val: []float64{1}, rhs: math.Floor(x[j])}
		up := lpRow{idx: []int{j}, val: []float64{-1}, rhs: -math.Ceil(x[j])}
		first, second := up, down
		if frac < 0.5 {
			first, second = down, up
		}
		stack = append(stack,
			bbNode{bounds: appendRow(nd.bounds, second), parent: obj},
			bbNode{bounds: appendRow(nd.bounds, first), parent: obj})
	}
	if res.nodes == 0 {
		return res
	}
	// Lower bound: the best of what is left open, the integral leaves and
	// the incumbent (pruned subtrees cannot beat the incumbent).
	bound := math.Min(leafMin, res.bestObj)
	for _, nd := range stack {
		bound = math.Min(bound, nd.parent)
	}
	if math.IsNaN(res.rootLP) {
		bound = math.NaN()
	}
	// Every term of the objective is non-negative.
	bound = math.Max(bound, 0)
	res.bound = bound
	return res
}

func appendRow(rows []lpRow, r lpRow) []lpRow {
	out := make([]lpRow, len(rows), len(rows)+1)
	copy(out, rows)
	return append(out, r)
}

// mostFractional returns the integer variable farthest from an integer and
// its fractional part, or -1 when all are integral.
func (m *ipModel) mostFractional(x []float64) (int, float64) {
	best, bestJ, bestF := 1e-6, -1, 0.0
	for j, v := range x {
		if !m.lp.integer[j] {
			continue
		}
		f := v - math.Floor(v)
		if d := math.Min(f, 1-f); d > best {
			best, bestJ, bestF = d, j, f
		}
	}
	return bestJ, bestF
}

// decode turns class-level counts into a node-level assignment: each stage's
// tasks go, in topological order, to the cheapest allowed node of a class
// that still has quota for the task's variant; when no quota is left (the
// class relaxation was too optimistic) any allowed node is used.
func (m *ipModel) decode(x []float64, algorithm string) (*assignment, error) {
	c := m.c
	quota := make([][][]float64, len(c.stages))
	for s := range c.stages {
		quota[s] = make([][]float64, len(c.stages[s].variants))
		for v := range quota[s] {
			quota[s][v] = make([]float64, len(m.classes))
		}
	}
	for j, vr := range m.vars {
		if vr.kind == varRemote || vr.kind == varLocal {
			quota[vr.s][vr.v][vr.c] += x[j]
		}
	}
	for s := range quota {
		for v := range quota[s] {
			roundQuota(quota[s][v])
		}
	}
	classOf := make([]int, c.nNodes())
	for ci, cl := range m.classes {
		for _, n := range cl.members {
			classOf[n] = ci
		}
	}
	groups := make([][]int, len(m.classes))
	for ci, cl := range m.classes {
		groups[ci] = cl.members
	}
	p := c.newPlacerGroups(algorithm, groups)
	choose := func(p *placer, s, t int) (int, int) {
		rule := p.greedyRule(s, t)
		n, v := p.chooseMin(s, t, rule, func(n, v int) bool { return quota[s][v][classOf[n]] >= 0.5 })
		if n < 0 {
			n, v = p.chooseMin(s, t, rule, nil)
		}
		if n >= 0 {
			quota[s][v][classOf[n]]--
		}
		return n, v
	}
	return p.run(choose)
}

// roundQuota rounds counts to integers keeping their sum (largest remainder).
func roundQuota(q []float64) {
	total := 0.0
	for _, x := range q {
		total += x
	}
	want := math.Round(total)
	got := 0.0
	rem := make([]float64, len(q))
	for i, x := range q {
		q[i] = math.Floor(x + 1e-9)
		rem[i] = x - q[i]
		got += q[i]
	}
	for got < want {
		bi := -1
		for i := range q {
			if bi < 0 || rem[i] > rem[bi] {
				bi = i
			}
		}
		if bi < 0 {
			break
		}
		q[bi]++
		rem[bi] = -1
		got++
	}
}

// hasVariants reports whether some stage has more than one variant.
func (c *compiled) hasVariants() bool {
	for s := range c.stages {
		if len(c.stages[s].variants) > 1 {
			return true
		}
	}
	return false
}
