package placement

import (
	"fmt"
	"math"
	"sort"
)

// placer builds an assignment task by task, tracking what each node already
// holds. The greedy fallback, the decoding of the integer program, the
// baselines, the runner-up alternatives and the polishing moves are all
// choice rules over it.
//
// Choices look at candidate nodes, not at every node: the nodes holding
// the task's input, the nodes hosting tasks of neighbouring stages (and of
// its own stage, where that matters), and per group of interchangeable
// nodes (same capacities and constrained labels) the least loaded one
// allowed. Any other node of a group differs from that one only by a
// higher (load, index), which no rule here prefers, so the choice is the
// one a scan over all nodes would make, at a cost proportional to the
// candidates.
type placer struct {
	c         *compiled
	a         *assignment
	used      [][]float64 // node x resource
	load      []float64
	cnt       [][]float64 // stage x node
	placed    []int       // tasks placed per stage
	nodesUsed []int       // per stage: nodes with cnt > 0
	occ       [][]int     // per stage: nodes that hold or held tasks (check cnt)
	inOcc     [][]bool
	total     float64
	loads     *maxTree   // node loads
	cntTree   []*maxTree // per stage: task counts per node
	groups    [][]int
	heaps     []*loadHeap
	groupOf   []int
	stamp     []int // candidate de-duplication
	gen       int
	cands     []int
}

func (c *compiled) newPlacer(algorithm string) *placer {
	return c.newPlacerGroups(algorithm, c.nodeGroups())
}

// newPlacerGroups builds a placer whose interchangeable-node groups are
// groups; every group must hold nodes of one shape (see nodeGroups), and
// may be finer (the integer program's classes).
func (c *compiled) newPlacerGroups(algorithm string, groups [][]int) *placer {
	N := c.nNodes()
	p := &placer{c: c, a: c.newAssignment(algorithm), load: make([]float64, N), groups: groups,
		groupOf: make([]int, N), stamp: make([]int, N), loads: newMaxTree(N)}
	p.used = make([][]float64, N)
	for n := range p.used {
		p.used[n] = make([]float64, len(c.res))
	}
	S := len(c.stages)
	p.cnt = make([][]float64, S)
	p.inOcc = make([][]bool, S)
	p.occ = make([][]int, S)
	p.cntTree = make([]*maxTree, S)
	for s := range p.cnt {
		p.cnt[s] = make([]float64, N)
		p.inOcc[s] = make([]bool, N)
		p.cntTree[s] = newMaxTree(N)
	}
	p.placed = make([]int, S)
	p.nodesUsed = make([]int, S)
	for g, members := range groups {
		for _, n := range members {
			p.groupOf[n] = g
		}
		p.heaps = append(p.heaps, newLoadHeap(members, p.load))
	}
	return p
}

// nodeGroups partitions the nodes by shape: the capacities of demanded
// resources and the values of labels some constraint mentions. Nodes of
// one shape are interchangeable apart from their data and their load.
func (c *compiled) nodeGroups() [][]int {
	if c.groups != nil {
		return c.groups
	}
	shape := c.nodeShapes()
	idx := map[string]int{}
	for n := 0; n < c.nNodes(); n++ {
		g, ok := idx[shape[n]]
		if !ok {
			g = len(c.groups)
			idx[shape[n]] = g
			c.groups = append(c.groups, nil)
		}
		c.groups[g] = append(c.groups[g], n)
	}
	return c.groups
}

// allowed reports whether task slot of stage s as variant v may go on node n
// without breaking a hard constraint or a capacity.
func (p *placer) allowed(s, v, n int) bool {
	cs := &p.c.stages[s]
	if !cs.eligible[v][n] {
		return false
	}
	d := cs.variants[v].demand
	need := 1.0
	switch cs.strategy {
	case StrategyStrictSpread:
		if p.cnt[s][n] > 0 {
			return false
		}
	case StrategyStrictPack:
		if p.placed[s] > 0 && p.cnt[s][n] == 0 {
			return false
		}
		need = float64(cs.k - p.placed[s]) // the rest must fit here too
	}
	for ri, x := range d {
		if p.used[n][ri]+x*need > p.c.cap[n][ri]+1e-9 {
			return false
		}
	}
	return true
}

func (p *placer) put(s, t, v, n int) {
	cs := &p.c.stages[s]
	p.a.node[s][t], p.a.variant[s][t] = n, v
	for ri, x := range cs.variants[v].demand {
		p.used[n][ri] += x
	}
	w := cs.variants[v].weight
	p.load[n] += w
	p.total += w
	p.loads.set(n, p.load[n])
	p.heaps[p.groupOf[n]].fix(n)
	if p.cnt[s][n] == 0 {
		p.nodesUsed[s]++
		if !p.inOcc[s][n] {
			p.inOcc[s][n] = true
			p.occ[s] = append(p.occ[s], n)
		}
	}
	p.cnt[s][n]++
	p.cntTree[s].set(n, p.cnt[s][n])
	p.placed[s]++
}

func (p *placer) remove(s, t int) {
	n, v := p.a.node[s][t], p.a.variant[s][t]
	if n < 0 {
		return
	}
	cs := &p.c.stages[s]
	for ri, x := range cs.variants[v].demand {
		p.used[n][ri] -= x
	}
	w := cs.variants[v].weight
	p.load[n] -= w
	p.total -= w
	p.loads.set(n, p.load[n])
	p.heaps[p.groupOf[n]].fix(n)
	p.cnt[s][n]--
	p.cntTree[s].set(n, p.cnt[s][n])
	if p.cnt[s][n] == 0 {
		p.nodesUsed[s]--
		if len(p.occ[s]) > 2*p.nodesUsed[s]+8 {
			p.compactOcc(s)
		}
	}
	p.placed[s]--
	p.a.node[s][t] = -1
}

func (p *placer) compactOcc(s int) {
	keep := p.occ[s][:0]
	for _, n := range p.occ[s] {
		if p.cnt[s][n] > 0 {
			keep = append(keep, n)
		} else {
			p.inOcc[s][n] = false
		}
	}
	p.occ[s] = keep
}

// marginal is the exact change of the objective when task t of stage s,
// not placed now, is put on node n as variant v, up to a constant that
// depends on the task but not on n or v: comparing marginals compares
// objectives.
func (p *placer) marginal(s, t, v, n int) float64 {
	c := p.c
	cs := &c.stages[s]
	cost := cs.input[t] - cs.local[t][n] + cs.variants[v].penalty
	for _, ei := range c.in[s] {
		e := &c.p.Edges[ei]
		B, kf, kt := float64(e.Bytes), float64(c.stages[e.From].k), float64(cs.k)
		switch e.Kind {
		case EdgeShuffle:
			cost -= B * p.cnt[e.From][n] / (kf * kt)
		case EdgeForward:
			if m := p.a.node[e.From][t]; m >= 0 && m == n {
				cost -= B / kf
			}
		case EdgeCombine:
			if x := p.cnt[e.From][n]; x > 0 {
				ship := B / kf
				if !p.a.combine {
					ship *= x
				}
				cost -= ship / kt
			}
		}
	}
	for _, ei := range c.out[s] {
		e := &c.p.Edges[ei]
		B, kf, kt := float64(e.Bytes), float64(cs.k), float64(c.stages[e.To].k)
		switch e.Kind {
		case EdgeShuffle:
			cost -= B * p.cnt[e.To][n] / (kf * kt)
		case EdgeForward:
			if m := p.a.node[e.To][t]; m >= 0 && m == n {
				cost -= B / kf
			}
		case EdgeCombine:
			if p.cnt[s][n] == 0 || !p.a.combine { // a new partial to ship
				cost += B / kf * (1 - p.cnt[e.To][n]/kt)
			}
		}
	}
	o := &c.opts
	switch cs.strategy {
	case StrategyPack:
		if p.cnt[s][n] == 0 {
			min := float64(c.minNodesOf[s])
			used := float64(p.nodesUsed[s])
			cost += o.SoftWeight * (math.Max(0, used+1-min) - math.Max(0, used-min))
		}
	case StrategySpread:
		share := c.evenShareOf[s]
		cur := p.cntTree[s].max()
		next := math.Max(cur, p.cnt[s][n]+1)
		cost += o.SoftWeight * (math.Max(0, next-share) - math.Max(0, cur-share))
	}
	cost += o.SoftWeight * c.softBad[s][n]
	w := cs.variants[v].weight
	cost += o.ImbalanceWeight * (math.Max(0, p.load[n]+w-p.loads.max()) - w/float64(c.nNodes()))
	return cost
}

// neighbourFloor is a lower bound on marginal(s, t, v, n) over the nodes n
// that hold none of the task's input, host none of its forward partners
// and none of its own stage's tasks: whatever such a node gains from
// neighbouring stages' tasks is at most the returned gain.
func (p *placer) neighbourFloor(s, t int) float64 {
	c := p.c
	cs := &c.stages[s]
	minPen, maxW := math.Inf(1), 0.0
	for _, v := range cs.variants {
		minPen = math.Min(minPen, v.penalty)
		maxW = math.Max(maxW, v.weight)
	}
	floor := cs.input[t] + minPen - c.opts.ImbalanceWeight*maxW/float64(c.nNodes())
	for _, ei := range c.in[s] {
		e := &c.p.Edges[ei]
		B, kf, kt := float64(e.Bytes), float64(c.stages[e.From].k), float64(cs.k)
		switch e.Kind {
		case EdgeShuffle:
			floor -= B * p.cntTree[e.From].max() / (kf * kt)
		case EdgeCombine:
			ship := B / kf
			if !p.a.combine {
				ship *= p.cntTree[e.From].max()
			}
			floor -= ship / kt
		}
	}
	for _, ei := range c.out[s] {
		e := &c.p.Edges[ei]
		if e.Kind == EdgeShuffle {
			B, kf, kt := float64(e.Bytes), float64(cs.k), float64(c.stages[e.To].k)
			floor -= B * p.cntTree[e.To].max() / (kf * kt)
		}
	}
	return floor
}

// scoreRule is a choice rule: the score of task t of stage s on node n as
// variant v (lower is better) and, optionally, a lower bound on the score
// of nodes whose only attraction is hosting neighbouring stages' tasks
// (nil: always look at them).
type scoreRule struct {
	score func(n, v int) float64
	floor func() float64
}

// candidates collects, sorted, the nodes worth scoring for task t of s:
// see the placer's comment. neighbours adds the nodes hosting tasks of
// stages joined to s by shuffle or combine edges. ok, if not nil, filters
// the group representatives.
func (p *placer) candidates(s, t int, neighbours bool, ok func(n, v int) bool) []int {
	c := p.c
	cs := &c.stages[s]
	p.gen++
	p.cands = p.cands[:0]
	add := func(n int) {
		if n >= 0 && p.stamp[n] != p.gen {
			p.stamp[n] = p.gen
			p.cands = append(p.cands, n)
		}
	}
	if cs.strategy == StrategyStrictPack && p.placed[s] == 0 {
		for u := 0; u < cs.k; u++ {
			for n := range cs.local[u] {
				add(n)
			}
		}
	} else {
		for n := range cs.local[t] {
			add(n)
		}
	}
	addOcc := func(o int) {
		for _, n := range p.occ[o] {
			if p.cnt[o][n] > 0 {
				add(n)
			}
		}
	}
	if cs.strategy != StrategyAuto || len(cs.combineTo) > 0 {
		addOcc(s)
	}
	for _, ei := range c.in[s] {
		e := &c.p.Edges[ei]
		if e.Kind == EdgeForward {
			add(p.a.node[e.From][t])
		} else if neighbours {
			addOcc(e.From)
		}
	}
	for _, ei := range c.out[s] {
		e := &c.p.Edges[ei]
		if e.Kind == EdgeForward {
			add(p.a.node[e.To][t])
		} else if neighbours {
			addOcc(e.To)
		}
	}
	// Per group and variant, the least loaded allowed node. Being a
	// candidate only makes a node cheaper (it holds data or neighbours,
	// or its own stage's tasks) except under SPREAD, where the own
	// stage's nodes cost more: there the representative must be a node
	// that is not a candidate already.
	fresh := cs.strategy == StrategySpread
	for v := range cs.variants {
		for g := range p.groups {
			n := p.heaps[g].first(func(n int) bool {
				return (!fresh || p.stamp[n] != p.gen) && p.allowed(s, v, n) && (ok == nil || ok(n, v))
			})
			add(n)
		}
	}
	sort.Ints(p.cands)
	return p.cands
}

// chooseMin returns the allowed (node, variant) minimising rule.score for
// task t of stage s, ties broken by lower load then lower node index.
func (p *placer) chooseMin(s, t int, rule scoreRule, ok func(n, v int) bool) (int, int) {
	bestN, bestV, best := -1, -1, math.Inf(1)
	consider := func(cands []int) {
		for v := range p.c.stages[s].variants {
			for _, n := range cands {
				if !p.allowed(s, v, n) || (ok != nil && !ok(n, v)) {
					continue
				}
				sc := rule.score(n, v)
				if sc < best-1e-9 || (math.Abs(sc-best) <= 1e-9 && bestN >= 0 && (p.load[n] < p.load[bestN] || (p.load[n] == p.load[bestN] && n < bestN))) {
					bestN, bestV, best = n, v, sc
				}
			}
		}
	}
	if rule.floor == nil {
		consider(p.candidates(s, t, true, ok))
		return bestN, bestV
	}
	consider(p.candidates(s, t, false, ok))
	if bestN >= 0 && best < rule.floor()-1e-9 {
		return bestN, bestV
	}
	consider(p.candidates(s, t, true, ok))
	return bestN, bestV
}

// taskOrder returns the tasks of stage s with the largest inputs first, so
// they claim the local slots.
func (c *compiled) taskOrder(s int) []int {
	if c.order[s] != nil {
		return c.order[s]
	}
	cs := &c.stages[s]
	order := make([]int, cs.k)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return cs.input[order[i]] > cs.input[order[j]] })
	c.order[s] = order
	return order
}

// chooseFunc picks a node and variant for task t of stage s, or n = -1.
type chooseFunc func(p *placer, s, t int) (n, v int)

// run places every stage in topological order with choose.
func (p *placer) run(choose chooseFunc) (*assignment, error) {
	for _, s := range p.c.topo {
		if err := p.placeStage(s, choose); err != nil {
			return nil, err
		}
	}
	return p.a, nil
}

func (p *placer) placeStage(s int, choose chooseFunc) error {
	for _, t := range p.c.taskOrder(s) {
		n, v := choose(p, s, t)
		if n < 0 {
			return fmt.Errorf("%w: %s found no node for stage %d (%s) task %d: %s", ErrInfeasible,
				p.a.algorithm, s, p.c.p.Stages[s].Name, t, p.c.shortage(p, s))
		}
		p.put(s, t, v, n)
	}
	return nil
}

// greedyRule is the solver's greedy rule: least marginal objective, or
// for the first task of a STRICT_PACK stage the marginal objective of the
// whole group, since the first task decides where all of them go.
func (p *placer) greedyRule(s, t int) scoreRule {
	if p.c.stages[s].strategy == StrategyStrictPack && p.placed[s] == 0 {
		return scoreRule{score: func(n, v int) float64 {
			sum := 0.0
			for u := 0; u < p.c.stages[s].k; u++ {
				sum += p.marginal(s, u, v, n)
			}
			return sum
		}}
	}
	return scoreRule{
		score: func(n, v int) float64 { return p.marginal(s, t, v, n) },
		floor: func() float64 { return p.neighbourFloor(s, t) },
	}
}

// greedyChoose picks the least marginal objective.
func greedyChoose(p *placer, s, t int) (int, int) {
	return p.chooseMin(s, t, p.greedyRule(s, t), nil)
}

// greedy is the fallback that always answers when a node is left for every
// task: tasks in topological order, each on its cheapest allowed node.
func (c *compiled) greedy() (*assignment, error) {
	return c.newPlacer("greedy").run(greedyChoose)
}

// guideImbalanceShare is the price of one unit of load imbalance in the
// balanced greedy, as a share of the problem's mean bytes per task.
const guideImbalanceShare = 1.0 / 64

// balancedGreedy is the greedy rule with load imbalance priced at a small
// share of the problem's own bytes (guideImbalanceShare of the mean bytes
// a task reads or receives), so it scales with the data. It only adds a
// candidate: Solve still ranks candidates by the exact objective, where
// imbalance stays a tie-break (Metrics.Better). Piling the tasks of a
// stage on the node that saves the most bytes right now can fill the
// nodes later stages would have saved more on; a little balance in the
// greedy often leaves room for them. It returns nil when imbalance is
// priced already or the problem moves no bytes at all.
func (c *compiled) balancedGreedy() (*assignment, error) {
	if c.opts.ImbalanceWeight != 0 {
		return nil, nil
	}
	total, tasks := 0.0, 0.0
	for s := range c.stages {
		tasks += float64(c.stages[s].k)
		for _, b := range c.stages[s].input {
			total += b
		}
	}
	for _, e := range c.p.Edges {
		total += float64(e.Bytes)
	}
	if total == 0 {
		return nil, nil
	}
	c.nodeGroups() // computed once, shared with the copy
	g := *c
	g.opts.ImbalanceWeight = guideImbalanceShare * total / tasks
	return g.newPlacer("greedy-balanced").run(greedyChoose)
}

// loadAssignment places every task of a as it is.
func (p *placer) loadAssignment(a *assignment) {
	for s := range a.node {
		for t := range a.node[s] {
			p.put(s, t, a.variant[s][t], a.node[s][t])
		}
	}
}

// shortage describes, for an error, why no node can take another task of s.
func (c *compiled) shortage(p *placer, s int) string {
	cs := &c.stages[s]
	v := 0
	best, bestN := -1.0, -1
	for n := 0; n < c.nNodes(); n++ {
		if !cs.eligible[v][n] {
			continue
		}
		free := math.Inf(1)
		for ri, d := range cs.variants[v].demand {
			if d > 0 {
				free = math.Min(free, (c.cap[n][ri]-p.used[n][ri])/d)
			}
		}
		if free > best {
			best, bestN = free, n
		}
	}
	if bestN < 0 {
		return "no node is eligible"
	}
	return fmt.Sprintf("%d of %d tasks placed; every eligible node is full under %s (%s per task)",
		p.placed[s], cs.k, cs.strategy.rayName(), c.p.Stages[s].variants()[v].Demand)
}
