package placement

import (
	"fmt"
	"math"
)

// precheck rejects requests no placement can meet, before any search, with
// an error naming the stage, the constraint and what is short.
func (c *compiled) precheck() error {
	for s := range c.stages {
		if err := c.precheckStage(s); err != nil {
			return err
		}
	}
	// All stages are placed at once, so together they must fit.
	for ri, r := range c.res {
		need, have := 0.0, 0.0
		for s, cs := range c.stages {
			d := math.Inf(1)
			for _, v := range cs.variants {
				d = math.Min(d, v.demand[ri])
			}
			need += d * float64(c.stages[s].k)
		}
		for n := 0; n < c.nNodes(); n++ {
			have += c.cap[n][ri]
		}
		if need > have+1e-9 {
			return fmt.Errorf("%w: all stages together ask %s=%s; the cluster has %s=%s: short by %s %s",
				ErrInfeasible, r, formatAmount(need), r, formatAmount(have), formatAmount(need-have), r)
		}
	}
	return nil
}

func (c *compiled) precheckStage(s int) error {
	cs := &c.stages[s]
	st := &c.p.Stages[s]
	name := fmt.Sprintf("stage %d (%s)", s, st.Name)
	labelOK := make([]bool, c.nNodes())
	nLabel := 0
	for n := range labelOK {
		labelOK[n] = c.labelsOK(cs.hardLabel, n)
		if labelOK[n] {
			nLabel++
		}
	}
	if nLabel == 0 {
		return fmt.Errorf("%w: %s requires %s; no node matches", ErrInfeasible, name, describeLabels(cs.hardLabel))
	}
	// largest returns the largest capacity of resource ri among the nodes
	// that pass the labels.
	largest := func(ri int) float64 {
		best := 0.0
		for n := range labelOK {
			if labelOK[n] {
				best = math.Max(best, c.cap[n][ri])
			}
		}
		return best
	}
	eligNodes := 0
	slots := 0
	for n := 0; n < c.nNodes(); n++ {
		best := 0
		for v := range cs.variants {
			if cs.eligible[v][n] {
				best = max(best, c.maxPerNode(cs.variants[v].demand, n, cs.k))
			}
		}
		if best > 0 {
			eligNodes++
			if cs.strategy == StrategyStrictSpread {
				best = 1
			}
			slots += best
		}
	}
	v0 := cs.variants[0]
	if eligNodes == 0 {
		for ri, d := range v0.demand {
			if l := largest(ri); d > l {
				return fmt.Errorf("%w: %s asks %s=%s per task; the largest node has %s=%s: short by %s %s",
					ErrInfeasible, name, c.res[ri], formatAmount(d), c.res[ri], formatAmount(l), formatAmount(d-l), c.res[ri])
			}
		}
		return fmt.Errorf("%w: %s: no node can run one task", ErrInfeasible, name)
	}
	switch cs.strategy {
	case StrategyStrictPack:
		ok := false
		for v := range cs.variants {
			for n := 0; n < c.nNodes(); n++ {
				if cs.eligible[v][n] && c.fits(cs.variants[v].demand, n, cs.k) {
					ok = true
				}
			}
		}
		if !ok {
			for ri, d := range v0.demand {
				need := d * float64(cs.k)
				if l := largest(ri); need > l {
					return fmt.Errorf("%w: %s asks %d tasks x %s=%s under STRICT_PACK; the largest node has %s=%s: short by %s %s",
						ErrInfeasible, name, cs.k, c.res[ri], formatAmount(d), c.res[ri], formatAmount(l), formatAmount(need-l), c.res[ri])
				}
			}
			return fmt.Errorf("%w: %s asks %d tasks under STRICT_PACK; no single node fits them all", ErrInfeasible, name, cs.k)
		}
	case StrategyStrictSpread:
		if eligNodes < cs.k {
			return fmt.Errorf("%w: %s asks %d tasks under STRICT_SPREAD; only %d nodes are eligible: short by %d nodes",
				ErrInfeasible, name, cs.k, eligNodes, cs.k-eligNodes)
		}
	}
	if slots < cs.k {
		return fmt.Errorf("%w: %s asks %d tasks x %s; the eligible nodes hold %d: short by %d tasks",
			ErrInfeasible, name, cs.k, st.variants()[0].Demand, slots, cs.k-slots)
	}
	return nil
}

func describeLabels(ls []LabelConstraint) string {
	s := ""
	for i, l := range ls {
		if i > 0 {
			s += " and "
		}
		s += l.String()
	}
	return s
}
