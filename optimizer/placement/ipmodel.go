package placement

import (
	"math"
	"sort"
)

// rowBudget caps the rows spent on per-class forward-edge locality, the
// only edge rows whose count grows with the classes (gonum's dense simplex
// factorises the basis every iteration, so rows are dear).
const rowBudget = 96

// ipModel is the class-level "n choose k" integer program (TetriSched's
// formulation): for every stage, variant and class a count of tasks placed
// there (split into data-local and other tasks), plus the helper variables
// the objective needs. Every term relaxes the exact objective of evaluate,
// so the LP value is a lower bound on any placement's objective.
type ipModel struct {
	c       *compiled
	classes []*class
	lp      linProg
	scale   float64 // LP costs are bytes / scale
	offset  float64 // constant part of the objective, in bytes
	// taskVars lists, per variable, what it counts (kind taskVar only).
	vars []ipVar
}

type varKind int

const (
	varRemote varKind = iota // tasks not fully local to the class
	varLocal                 // tasks reading all their input on the class
	varNodes                 // nodes of the class hosting the stage
	varOther                 // edge savings, imbalance, spread excess
)

type ipVar struct {
	kind    varKind
	s, v, c int
}

func (c *compiled) buildModel(classes []*class) *ipModel {
	m := &ipModel{c: c, classes: classes}
	o := &c.opts
	N := float64(c.nNodes())
	nS, nC := len(c.stages), len(classes)
	var costs []float64
	add := func(v ipVar, bytes float64, integer bool) int {
		m.vars = append(m.vars, v)
		costs = append(costs, bytes)
		return m.lp.addVar(0, integer)
	}
	// tasks[s][c] lists the (variable, variant) pairs counting tasks of s on c.
	type tv struct {
		j int
		v int
	}
	tasks := make([][][]tv, nS)
	uVar := make([][]int, nS)
	for s := range c.stages {
		cs := &c.stages[s]
		tasks[s] = make([][]tv, nC)
		uVar[s] = make([]int, nC)
		remote := c.remoteCost(s)
		var all []int
		for ci, cl := range classes {
			uVar[s][ci] = -1
			for v := range cs.variants {
				if !cl.elig[s][v] {
					continue
				}
				per := cs.variants[v].penalty + o.SoftWeight*cl.softBad[s] - o.ImbalanceWeight*cs.variants[v].weight/N
				j := add(ipVar{varRemote, s, v, ci}, remote+per, true)
				tasks[s][ci] = append(tasks[s][ci], tv{j, v})
				all = append(all, j)
				if cl.local[s] > 0 {
					j := add(ipVar{varLocal, s, v, ci}, per, true)
					tasks[s][ci] = append(tasks[s][ci], tv{j, v})
					all = append(all, j)
				}
			}
		}
		m.lp.eq(all, ones(len(all)), float64(cs.k))
		for ci, cl := range classes {
			var loc []int
			for _, x := range tasks[s][ci] {
				if m.vars[x.j].kind == varLocal {
					loc = append(loc, x.j)
				}
			}
			if len(loc) > 0 && cl.local[s] < float64(cs.k) {
				m.lp.le(loc, ones(len(loc)), cl.local[s])
			}
		}
		needU := cs.strategy == StrategyPack || cs.strategy == StrategyStrictPack || len(cs.combineTo) > 0
		if !needU {
			continue
		}
		uCost := 0.0
		if cs.strategy == StrategyPack {
			uCost += o.SoftWeight
			m.offset -= o.SoftWeight * float64(c.minNodes(s))
		}
		for _, ei := range cs.combineTo {
			uCost += float64(c.p.Edges[ei].Bytes) / float64(cs.k)
		}
		var us []int
		for ci, cl := range classes {
			if len(tasks[s][ci]) == 0 {
				continue
			}
			u := add(ipVar{varNodes, s, -1, ci}, uCost, true)
			uVar[s][ci] = u
			us = append(us, u)
			idx, val := []int{u}, []float64{0}
			maxPer := 0.0
			for _, x := range tasks[s][ci] {
				idx = append(idx, x.j)
				val = append(val, 1)
				maxPer = math.Max(maxPer, cl.maxPer[s][x.v])
			}
			val[0] = -maxPer
			m.lp.le(idx, val, 0) // tasks <= maxPer * nodes used
			// Local tasks sit on nodes holding their data, at most
			// maxLoc of them per node.
			var loc []int
			for _, x := range tasks[s][ci] {
				if m.vars[x.j].kind == varLocal {
					loc = append(loc, x.j)
				}
			}
			if len(loc) > 0 && cl.maxLoc[s] < maxPer {
				m.lp.le(append([]int{u}, loc...), append([]float64{-cl.maxLoc[s]}, ones(len(loc))...), 0)
			}
			if cs.strategy != StrategyStrictPack && cl.size*maxPer < float64(cs.k) {
				m.lp.le([]int{u}, []float64{1}, cl.size)
			}
		}
		if cs.strategy == StrategyStrictPack {
			m.lp.eq(us, ones(len(us)), 1)
		}
	}
	// Concentration: conc[s] is at least the largest share of stage s's
	// tasks on one node. A shuffle keeps sum_n f_n*t_n of its bytes local,
	// which is at most max_n f_n and at most max_n t_n, so it is bounded
	// by the concentration of either end; and a stage can concentrate only
	// by paying for it: a node holds at most maxLoc data-local tasks of a
	// scan plus the scan's remote tasks, and at most as many tasks of a
	// forward consumer as of its producer plus the pairs split apart. This
	// is what makes the bound see that co-locating a shuffle costs remote
	// reads (the class-level min(f_c, t_c) cannot: spread evenly, it calls
	// every shuffle local).
	conc := make([]int, nS)
	for s := range c.stages {
		cs := &c.stages[s]
		conc[s] = add(ipVar{varOther, s, -1, -1}, 0, false)
		maxPer, maxLoc := 0.0, 0.0
		for ci, cl := range classes {
			for _, x := range tasks[s][ci] {
				maxPer = math.Max(maxPer, cl.maxPer[s][x.v])
			}
			maxLoc = math.Max(maxLoc, cl.maxLoc[s])
		}
		m.lp.le([]int{conc[s]}, []float64{1}, math.Min(1, maxPer/float64(cs.k)))
		allInput := true
		for t := 0; t < cs.k; t++ {
			allInput = allInput && cs.input[t] > 0
		}
		if allInput && maxLoc < float64(cs.k) {
			idx, val := []int{conc[s]}, []float64{float64(cs.k)}
			for j, vr := range m.vars {
				if vr.kind == varRemote && vr.s == s {
					idx = append(idx, j)
					val = append(val, -1)
				}
			}
			m.lp.le(idx, val, maxLoc)
		}
	}

	// Per-class limits: STRICT_SPREAD and capacities.
	for ci, cl := range classes {
		for s := range c.stages {
			if c.stages[s].strategy == StrategyStrictSpread && len(tasks[s][ci]) > 0 && cl.size < float64(c.stages[s].k) {
				idx := varsOf(tasks[s][ci], func(x tv) int { return x.j })
				m.lp.le(idx, ones(len(idx)), cl.size)
			}
		}
		for ri := range c.res {
			var idx []int
			var val []float64
			worst := 0.0
			for s := range c.stages {
				maxD := 0.0
				for _, x := range tasks[s][ci] {
					d := c.stages[s].variants[x.v].demand[ri]
					if d > 0 {
						idx = append(idx, x.j)
						val = append(val, d)
						maxD = math.Max(maxD, d)
					}
				}
				worst += maxD * float64(c.stages[s].k)
			}
			if len(idx) > 0 && worst > cl.capSum[ri]+1e-9 {
				m.lp.le(idx, val, cl.capSum[ri])
			}
		}
	}
	// Edge locality: the bytes an edge keeps on class ci are at most the
	// share of either end there (min relaxes the exact product).
	sumTasks := func(s, ci int, scale float64) ([]int, []float64) {
		var idx []int
		var val []float64
		for _, x := range tasks[s][ci] {
			idx = append(idx, x.j)
			val = append(val, -scale)
		}
		return idx, val
	}
	// Shuffle edges get two rows each (see conc). Per-class forward rows
	// cost the dense simplex dearly (gonum's lp.Simplex factorises the
	// basis every iteration), so only the heaviest forward edges get them,
	// up to rowBudget rows; an edge left out is priced as if it moved
	// nothing, which keeps the LP a lower bound.
	edges := make([]int, len(c.p.Edges))
	for i := range edges {
		edges[i] = i
	}
	sort.SliceStable(edges, func(i, j int) bool {
		ei, ej := c.p.Edges[edges[i]], c.p.Edges[edges[j]]
		if (ei.Kind == EdgeCombine) != (ej.Kind == EdgeCombine) {
			return ei.Kind == EdgeCombine // combine rows drive packing
		}
		return ei.Bytes > ej.Bytes
	})
	for _, ei := range edges {
		e := c.p.Edges[ei]
		B := float64(e.Bytes)
		kf, kt := float64(c.stages[e.From].k), float64(c.stages[e.To].k)
		if B == 0 {
			continue
		}
		if e.Kind == EdgeShuffle {
			// Local fraction y <= conc(From), y <= conc(To).
			y := add(ipVar{varOther, e.To, -1, -1}, -B, false)
			m.offset += B
			m.lp.le([]int{y, conc[e.From]}, []float64{1, -1}, 0)
			m.lp.le([]int{y, conc[e.To]}, []float64{1, -1}, 0)
			continue
		}
		need := 0
		for ci := range classes {
			if len(tasks[e.From][ci]) > 0 && len(tasks[e.To][ci]) > 0 {
				need += 2
			}
		}
		if e.Kind == EdgeForward && need > 0 && len(m.lp.rows)+need > rowBudget {
			continue
		}
		if e.Kind != EdgeCombine {
			m.offset += B
		}
		var ys []int
		for ci := range classes {
			if len(tasks[e.From][ci]) == 0 || len(tasks[e.To][ci]) == 0 {
				continue
			}
			var y int
			if e.Kind == EdgeCombine {
				// y = partials (of B/kf bytes) consumed on their own node.
				y = add(ipVar{varOther, e.To, -1, ci}, -B/kf, false)
				m.lp.le([]int{y, uVar[e.From][ci]}, []float64{1, -1}, 0)
			} else {
				y = add(ipVar{varOther, e.To, -1, ci}, -B, false)
				idx, val := sumTasks(e.From, ci, 1/kf)
				m.lp.le(append([]int{y}, idx...), append([]float64{1}, val...), 0)
				ys = append(ys, y)
			}
			idx, val := sumTasks(e.To, ci, 1/kt)
			m.lp.le(append([]int{y}, idx...), append([]float64{1}, val...), 0)
		}
		if e.Kind == EdgeForward {
			// conc(To) <= conc(From) + (1 - local fraction).
			idx := append([]int{conc[e.To], conc[e.From]}, ys...)
			val := append([]float64{1, -1}, ones(len(ys))...)
			m.lp.le(idx, val, 1)
		}
	}
	// Imbalance: z >= mean load of every class (the node maximum is at
	// least that); the -mean part sits in the task costs above.
	if o.ImbalanceWeight > 0 {
		z := add(ipVar{varOther, -1, -1, -1}, o.ImbalanceWeight, false)
		for ci, cl := range classes {
			idx, val := []int{z}, []float64{-1}
			for s := range c.stages {
				for _, x := range tasks[s][ci] {
					idx = append(idx, x.j)
					val = append(val, c.stages[s].variants[x.v].weight/cl.size)
				}
			}
			if len(idx) > 1 {
				m.lp.le(idx, val, 0)
			}
		}
	}
	// Soft SPREAD: excess over the even share on the busiest class node.
	for s := range c.stages {
		if c.stages[s].strategy != StrategySpread || o.SoftWeight == 0 {
			continue
		}
		share := c.evenShare(s)
		var ex int = -1
		for ci, cl := range classes {
			if len(tasks[s][ci]) == 0 {
				continue
			}
			if ex < 0 {
				ex = add(ipVar{varOther, s, -1, -1}, o.SoftWeight, false)
			}
			idx, val := sumTasks(s, ci, -1/cl.size)
			m.lp.le(append([]int{ex}, idx...), append([]float64{-1}, val...), share)
		}
	}
	// Scale costs so the simplex works with numbers near 1.
	m.scale = 1
	for _, x := range costs {
		m.scale = math.Max(m.scale, math.Abs(x))
	}
	for j, x := range costs {
		m.lp.cost[j] = x / m.scale
	}
	return m
}

// remoteCost is a lower bound on the input bytes a task of s moves when it
// is not on a node holding all its input.
func (c *compiled) remoteCost(s int) float64 {
	cs := &c.stages[s]
	best := math.Inf(1)
	for t := 0; t < cs.k; t++ {
		most := 0.0
		for n, b := range cs.local[t] {
			if !cs.isFullyLocal(t, n) {
				most = math.Max(most, b)
			}
		}
		best = math.Min(best, cs.input[t]-most)
	}
	return math.Max(0, best)
}

// objective converts an LP value back to bytes.
func (m *ipModel) objective(lpVal float64) float64 { return lpVal*m.scale + m.offset }

func ones(n int) []float64 {
	o := make([]float64, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

func varsOf[T any](xs []T, f func(T) int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}
