package placement

import (
	"fmt"
	"math"
	"sort"
)

// placer builds an assignment task by task, tracking what each node already
// holds. The greedy fallback, the decoding of the integer program, the
// baselines and the runner-up alternatives are all choice rules over it.
type placer struct {
	c      *compiled
	a      *assignment
	used   [][]float64 // node x resource
	load   []float64
	cnt    [][]float64 // stage x node
	placed []int       // tasks placed per stage
	total  float64     // sum of load
	max    float64     // largest load; recomputed after a remove
}

func (c *compiled) newPlacer(algorithm string) *placer {
	p := &placer{c: c, a: c.newAssignment(algorithm), load: make([]float64, c.nNodes())}
	p.used = make([][]float64, c.nNodes())
	for n := range p.used {
		p.used[n] = make([]float64, len(c.res))
	}
	p.cnt = make([][]float64, len(c.stages))
	for s := range p.cnt {
		p.cnt[s] = make([]float64, c.nNodes())
	}
	p.placed = make([]int, len(c.stages))
	return p
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
	p.max = math.Max(p.max, p.load[n])
	p.cnt[s][n]++
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
	p.cnt[s][n]--
	p.placed[s]--
	p.a.node[s][t] = -1
	p.max = 0
	for _, x := range p.load {
		p.max = math.Max(p.max, x)
	}
}

// marginal estimates the objective added by putting task t of stage s as
// variant v on node n, given the tasks placed so far.
func (p *placer) marginal(s, t, v, n int) float64 {
	c := p.c
	cs := &c.stages[s]
	cost := cs.input[t] - cs.local[t][n] + cs.variants[v].penalty
	for _, ei := range c.in[s] {
		e := c.p.Edges[ei]
		if p.placed[e.From] == 0 {
			continue
		}
		B, kf, kt := float64(e.Bytes), float64(c.stages[e.From].k), float64(cs.k)
		switch e.Kind {
		case EdgeShuffle:
			cost += B / kt * (1 - p.cnt[e.From][n]/kf)
		case EdgeForward:
			if m := p.a.node[e.From][t]; m >= 0 && m != n {
				cost += B / kt
			}
		case EdgeCombine:
			for m, x := range p.cnt[e.From] {
				if x > 0 && m != n {
					cost += B / kf / kt
				}
			}
		}
	}
	for _, ei := range c.out[s] {
		e := c.p.Edges[ei]
		B, kf, kt := float64(e.Bytes), float64(cs.k), float64(c.stages[e.To].k)
		switch e.Kind {
		case EdgeShuffle:
			if p.placed[e.To] > 0 {
				cost += B / kf * (1 - p.cnt[e.To][n]/kt)
			}
		case EdgeForward:
			if m := p.a.node[e.To][t]; m >= 0 && m != n {
				cost += B / kf
			}
		case EdgeCombine:
			if p.cnt[s][n] == 0 { // a new partial to ship
				cost += B / kf * (1 - p.cnt[e.To][n]/kt)
			}
		}
	}
	o := &c.opts
	switch cs.strategy {
	case StrategyPack:
		if p.placed[s] > 0 && p.cnt[s][n] == 0 {
			cost += o.SoftWeight
		}
	case StrategySpread:
		if p.cnt[s][n]+1 > c.evenShare(s) {
			cost += o.SoftWeight
		}
	}
	for _, l := range cs.softLabel {
		if !labelHolds(l, c.p.Cluster.Nodes[n].Labels) {
			cost += o.SoftWeight
		}
	}
	w := cs.variants[v].weight
	cost += o.ImbalanceWeight * (math.Max(0, p.load[n]+w-p.max) - w/float64(c.nNodes()))
	return cost
}

// taskOrder returns the tasks of stage s with the largest inputs first, so
// they claim the local slots.
func (c *compiled) taskOrder(s int) []int {
	cs := &c.stages[s]
	order := make([]int, cs.k)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return cs.input[order[i]] > cs.input[order[j]] })
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

// chooseMin returns the allowed (node, variant) minimising score, ties
// broken by lower load then lower node index.
func (p *placer) chooseMin(s int, score func(n, v int) float64, ok func(n, v int) bool) (int, int) {
	bestN, bestV, best := -1, -1, math.Inf(1)
	for v := range p.c.stages[s].variants {
		for n := 0; n < p.c.nNodes(); n++ {
			if !p.allowed(s, v, n) || (ok != nil && !ok(n, v)) {
				continue
			}
			sc := score(n, v)
			if sc < best-1e-9 || (math.Abs(sc-best) <= 1e-9 && bestN >= 0 && p.load[n] < p.load[bestN]) {
				bestN, bestV, best = n, v, sc
			}
		}
	}
	return bestN, bestV
}

// greedyChoose is the solver's greedy rule: least marginal objective.
func greedyChoose(p *placer, s, t int) (int, int) {
	return p.chooseMin(s, p.scorer(s, t), nil)
}

// scorer returns the greedy score of task t of s on a node: its marginal
// cost, or for the first task of a STRICT_PACK stage the marginal cost of
// the whole group, since the first task decides where all of them go.
func (p *placer) scorer(s, t int) func(n, v int) float64 {
	if p.c.stages[s].strategy == StrategyStrictPack && p.placed[s] == 0 {
		return func(n, v int) float64 {
			sum := 0.0
			for u := 0; u < p.c.stages[s].k; u++ {
				sum += p.marginal(s, u, v, n)
			}
			return sum
		}
	}
	return func(n, v int) float64 { return p.marginal(s, t, v, n) }
}

// greedy is the fallback that always answers when a node is left for every
// task: tasks in topological order, each on its cheapest allowed node.
func (c *compiled) greedy() (*assignment, error) {
	return c.newPlacer("greedy").run(greedyChoose)
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
