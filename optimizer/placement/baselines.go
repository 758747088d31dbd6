package placement

import (
	"fmt"
	"math/rand"
)

// Baseline names accepted by Baseline.
const (
	BaselineRandom   = "random"
	BaselineSpread   = "spread"
	BaselinePack     = "pack"
	BaselineLocality = "locality"
)

// BaselineNames lists the baselines in a stable order.
var BaselineNames = []string{BaselineRandom, BaselineSpread, BaselinePack, BaselineLocality}

// Baseline places p with a simple rule, for comparison with Solve. Every
// baseline respects resource demands, capacities, hard labels and STRICT_*
// strategies (a baseline that cannot fit a task returns an error wrapping
// ErrInfeasible); none looks at bytes on edges except "locality", which
// looks at input partitions and upstream tasks. Per-node combiners are on,
// as the executor runs them whatever the placement.
//
//   - random: each task on a uniformly random allowed node (seeded).
//   - spread: round robin over the nodes (Ray's SPREAD).
//   - pack: each task on the fullest node that still fits (Ray's PACK).
//   - locality: each task where most of its input or upstream output lies.
func Baseline(p *Problem, name string, seed int64, opts Options) (*Placement, error) {
	c, err := compile(p, opts.withDefaults())
	if err != nil {
		return nil, err
	}
	a, err := c.baseline(name, seed)
	if err != nil {
		return nil, err
	}
	return c.placementOf(a), nil
}

// Random places every task on a random allowed node.
func Random(p *Problem, seed int64) (*Placement, error) {
	return Baseline(p, BaselineRandom, seed, DefaultOptions())
}

// RoundRobin places tasks round robin over the nodes (SPREAD).
func RoundRobin(p *Problem) (*Placement, error) {
	return Baseline(p, BaselineSpread, 0, DefaultOptions())
}

// GreedyPack fills nodes one after the other (PACK).
func GreedyPack(p *Problem) (*Placement, error) {
	return Baseline(p, BaselinePack, 0, DefaultOptions())
}

// GreedyLocality places each task where most of its input lies.
func GreedyLocality(p *Problem) (*Placement, error) {
	return Baseline(p, BaselineLocality, 0, DefaultOptions())
}

func (c *compiled) baseline(name string, seed int64) (*assignment, error) {
	choose, err := c.baselineRule(name, seed)
	if err != nil {
		return nil, err
	}
	return c.newPlacer(name).run(choose)
}

// baselineRule returns the choice rule of a baseline. Rules with state
// (the round-robin cursor, the node being packed) keep it per rule, so use
// a fresh rule per placement.
func (c *compiled) baselineRule(name string, seed int64) (chooseFunc, error) {
	switch name {
	case BaselineRandom:
		rng := rand.New(rand.NewSource(seed))
		return func(p *placer, s, t int) (int, int) {
			N := c.nNodes()
			for v := range c.stages[s].variants {
				// Rejection sampling is uniform over the allowed nodes
				// and needs no scan while most nodes are allowed.
				for try := 0; try < 16; try++ {
					if n := rng.Intn(N); p.allowed(s, v, n) {
						return n, v
					}
				}
				var ok []int
				for n := 0; n < N; n++ {
					if p.allowed(s, v, n) {
						ok = append(ok, n)
					}
				}
				if len(ok) > 0 {
					return ok[rng.Intn(len(ok))], v
				}
			}
			return -1, -1
		}, nil
	case BaselineSpread:
		cursor := 0
		return func(p *placer, s, t int) (int, int) {
			for v := range c.stages[s].variants {
				for i := 0; i < c.nNodes(); i++ {
					n := (cursor + i) % c.nNodes()
					if p.allowed(s, v, n) {
						cursor = n + 1
						return n, v
					}
				}
			}
			return -1, -1
		}, nil
	case BaselinePack:
		return packRule(), nil
	case BaselineLocality:
		return localityChoose, nil
	}
	return nil, fmt.Errorf("%w: unknown baseline %q (valid: random, spread, pack, locality)", ErrInvalid, name)
}

// packRule puts each task on the fullest allowed node, preferring a
// stage's first variant. Loads only grow while a stage is placed and the
// allowed nodes only shrink, so the node chosen last stays the fullest
// allowed one until it is full: it is kept, and the nodes are scanned
// again only then.
func packRule() chooseFunc {
	stage, keep := -1, []int(nil)
	return func(p *placer, s, t int) (int, int) {
		vs := p.c.stages[s].variants
		if s != stage {
			stage, keep = s, make([]int, len(vs))
			for v := range keep {
				keep[v] = -1
			}
		}
		for v := range vs {
			if n := keep[v]; n >= 0 && p.allowed(s, v, n) {
				return n, v
			}
			best := -1
			for n := 0; n < p.c.nNodes(); n++ {
				if p.allowed(s, v, n) && (best < 0 || p.load[n] > p.load[best]) {
					best = n
				}
			}
			if best >= 0 {
				keep[v] = best
				return best, v
			}
		}
		return -1, -1
	}
}

// localityChoose puts each task where most of its input or upstream output
// lies, preferring a stage's first variant.
func localityChoose(p *placer, s, t int) (int, int) {
	rule := scoreRule{
		score: func(n, v int) float64 { return -p.localBytes(s, t, n) },
		floor: func() float64 { return -p.upstreamGain(s) },
	}
	for v := range p.c.stages[s].variants {
		n, vv := p.chooseMin(s, t, rule, func(_, x int) bool { return x == v })
		if n >= 0 {
			return n, vv
		}
	}
	return -1, -1
}

// localBytes is what task t of stage s would read or receive on node n from
// its input partitions and from already placed upstream tasks.
func (p *placer) localBytes(s, t, n int) float64 {
	c := p.c
	b := c.stages[s].local[t][n]
	for _, ei := range c.in[s] {
		e := c.p.Edges[ei]
		kf, kt := float64(c.stages[e.From].k), float64(c.stages[s].k)
		switch e.Kind {
		case EdgeForward:
			if p.a.node[e.From][t] == n {
				b += float64(e.Bytes) / kf
			}
		default:
			b += float64(e.Bytes) / kt * p.cnt[e.From][n] / kf
		}
	}
	return b
}

// upstreamGain bounds what localBytes gains on a node from upstream tasks
// of shuffle and combine edges.
func (p *placer) upstreamGain(s int) float64 {
	c := p.c
	g := 0.0
	for _, ei := range c.in[s] {
		e := c.p.Edges[ei]
		if e.Kind != EdgeForward {
			g += float64(e.Bytes) / float64(c.stages[s].k) * p.cntTree[e.From].max() / float64(c.stages[e.From].k)
		}
	}
	return g
}
