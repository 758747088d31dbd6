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
	p := c.newPlacer(name)
	var choose chooseFunc
	switch name {
	case BaselineRandom:
		rng := rand.New(rand.NewSource(seed))
		choose = func(p *placer, s, t int) (int, int) {
			for v := range c.stages[s].variants {
				var ok []int
				for n := 0; n < c.nNodes(); n++ {
					if p.allowed(s, v, n) {
						ok = append(ok, n)
					}
				}
				if len(ok) > 0 {
					return ok[rng.Intn(len(ok))], v
				}
			}
			return -1, -1
		}
	case BaselineSpread:
		cursor := 0
		choose = func(p *placer, s, t int) (int, int) {
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
		}
	case BaselinePack:
		choose = func(p *placer, s, t int) (int, int) {
			return firstVariant(p, s, func(n, v int) float64 { return -p.load[n] })
		}
	case BaselineLocality:
		choose = func(p *placer, s, t int) (int, int) {
			return firstVariant(p, s, func(n, v int) float64 { return -p.localBytes(s, t, n) })
		}
	default:
		return nil, fmt.Errorf("%w: unknown baseline %q (valid: random, spread, pack, locality)", ErrInvalid, name)
	}
	return p.run(choose)
}

// firstVariant chooses with score among the nodes of the first variant that
// has any allowed node, so baselines prefer a stage's primary demand.
func firstVariant(p *placer, s int, score func(n, v int) float64) (int, int) {
	for v := range p.c.stages[s].variants {
		n, vv := p.chooseMin(s, score, func(_, x int) bool { return x == v })
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
