package placement

import (
	"sort"
)

// class is a set of nodes the integer program treats as interchangeable: the
// same capacities on demanded resources, the same values for labels that
// constraints mention, and (before coarsening) the same number of fully
// local tasks per stage. Variables count tasks per class, not per node.
type class struct {
	members []int
	size    float64
	capSum  []float64   // per resource, summed over members
	local   []float64   // per stage: fully local tasks summed over members
	maxLoc  []float64   // per stage: most fully local tasks on one member
	maxPer  [][]float64 // stage x variant: tasks fitting on one member
	elig    [][]bool    // stage x variant
	softBad []float64   // per stage: soft labels one task breaks here
}

// classes folds the nodes into at most maxClasses classes (more only when
// that many node shapes differ in resources or constrained labels).
func (c *compiled) classes(maxClasses int) []*class {
	shapeOf := c.nodeShapes()
	localCount := func(n int) []float64 { return c.fullyLocal()[n] }
	type group struct {
		shape string
		local []float64
		nodes []int
	}
	shapes := map[string][]*group{}
	var shapeOrder []string
	for n := 0; n < c.nNodes(); n++ {
		shape := shapeOf[n]
		lc := localCount(n)
		gs, seen := shapes[shape]
		if !seen {
			shapeOrder = append(shapeOrder, shape)
		}
		found := false
		for _, g := range gs {
			if equalFloats(g.local, lc) {
				g.nodes = append(g.nodes, n)
				found = true
				break
			}
		}
		if !found {
			shapes[shape] = append(gs, &group{shape: shape, local: lc, nodes: []int{n}})
		}
	}
	// Coarsen: give each shape a share of maxClasses and merge its groups,
	// sorted by how much local data they hold, into that many buckets.
	total := 0
	for _, s := range shapeOrder {
		total += len(shapes[s])
	}
	var out []*class
	for _, s := range shapeOrder {
		gs := shapes[s]
		buckets := len(gs)
		if total > maxClasses {
			buckets = max(1, len(gs)*maxClasses/total)
		}
		sort.SliceStable(gs, func(i, j int) bool { return sumFloats(gs[i].local) < sumFloats(gs[j].local) })
		for b := 0; b < buckets; b++ {
			lo, hi := b*len(gs)/buckets, (b+1)*len(gs)/buckets
			var members []int
			for _, g := range gs[lo:hi] {
				members = append(members, g.nodes...)
			}
			sort.Ints(members)
			out = append(out, c.newClass(members))
		}
	}
	return out
}

func (c *compiled) newClass(members []int) *class {
	cl := &class{members: members, size: float64(len(members)), capSum: make([]float64, len(c.res)),
		local: make([]float64, len(c.stages)), maxLoc: make([]float64, len(c.stages)), maxPer: make([][]float64, len(c.stages)),
		elig: make([][]bool, len(c.stages)), softBad: make([]float64, len(c.stages))}
	for _, n := range members {
		for ri := range c.res {
			cl.capSum[ri] += c.cap[n][ri]
		}
	}
	first := members[0]
	for s := range c.stages {
		cs := &c.stages[s]
		for _, n := range members {
			here := c.fullyLocal()[n][s]
			cl.local[s] += here
			cl.maxLoc[s] = max(cl.maxLoc[s], here)
		}
		cl.maxPer[s] = make([]float64, len(cs.variants))
		cl.elig[s] = make([]bool, len(cs.variants))
		for v := range cs.variants {
			// Members share capacities and constrained labels, so the
			// first one speaks for all.
			cl.elig[s][v] = cs.eligible[v][first]
			cl.maxPer[s][v] = float64(c.maxPerNode(cs.variants[v].demand, first, cs.k))
			if cs.strategy == StrategyStrictSpread {
				cl.maxPer[s][v] = min(cl.maxPer[s][v], 1)
			}
			if cs.strategy == StrategyStrictPack && cl.maxPer[s][v] < float64(cs.k) {
				cl.elig[s][v] = false
			}
		}
		for _, l := range cs.softLabel {
			if !labelHolds(l, c.p.Cluster.Nodes[first].Labels) {
				cl.softBad[s]++
			}
		}
	}
	return cl
}

// fullyLocal returns, node x stage, how many tasks of the stage read all
// their input on the node, from each task's replica map (not by asking
// every node about every task).
func (c *compiled) fullyLocal() [][]float64 {
	if c.fullLocal != nil {
		return c.fullLocal
	}
	c.fullLocal = make([][]float64, c.nNodes())
	for n := range c.fullLocal {
		c.fullLocal[n] = make([]float64, len(c.stages))
	}
	for s := range c.stages {
		cs := &c.stages[s]
		for t := 0; t < cs.k; t++ {
			for n := range cs.local[t] {
				if cs.isFullyLocal(t, n) {
					c.fullLocal[n][s]++
				}
			}
		}
	}
	return c.fullLocal
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sumFloats(a []float64) float64 {
	s := 0.0
	for _, x := range a {
		s += x
	}
	return s
}
