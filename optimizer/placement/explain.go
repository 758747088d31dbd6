package placement

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Explanation says why Solve placed the stages where it did.
type Explanation struct {
	// Source names the candidate that won before polishing:
	// "branch-and-bound", "lp-rounding", "greedy" (the fallback),
	// "greedy-balanced" (the greedy guided by a small, scale-free price
	// on imbalance) or a baseline name.
	Source string
	// Polished reports whether single-task moves improved the winner.
	Polished bool
	// Status is how the branch and bound ended: "complete" (the class-level search tree was exhausted), "node limit",
	// "time limit", "root only (one class)", "lp failed" or "lp infeasible".
	Status                          string
	NodesExplored                   int
	Classes, Variables, Constraints int
	// RootLP is the value of the root relaxation, Bound the proven lower
	// bound on the objective (both NaN when no LP was solved) and Gap the
	// relative distance (Objective-Bound)/Objective. Both are about
	// Objective alone: imbalance, when ImbalanceWeight is 0, only ranks
	// placements of equal objective and is not bounded.
	RootLP, Bound, Gap, Objective float64
	Metrics                       Metrics
	Stages                        []StageExplanation
}

// StageExplanation is the decision for one stage.
type StageExplanation struct {
	Stage    int
	Name     string
	Strategy Strategy
	// Nodes lists where the stage's tasks run, by node id.
	Nodes []NodeTasks
	StageMetrics
	// Option describes the chosen option ("data-local", "packed", ...).
	Option string
	// RunnerUp is the best other option for this stage with the other
	// stages left in place; Why says why it lost. Empty when no other
	// option exists.
	RunnerUp, Why string
	// RunnerUpDelta is how much worse its objective is, in bytes.
	RunnerUpDelta float64
}

// NodeTasks counts a stage's tasks on one node.
type NodeTasks struct {
	Node     string
	Tasks    int
	Variants []string // distinct variant names used there
}

// alternatives are the options a runner-up is drawn from.
var alternatives = []struct{ name, rule string }{
	{"data-local", BaselineLocality},
	{"packed", BaselinePack},
	{"spread (round robin)", BaselineSpread},
	{"cheapest-first greedy", "greedy"},
}

func (c *compiled) explainStages(x *Explanation, a *assignment) {
	chosen := c.evaluate(a)
	for s := range c.stages {
		se := StageExplanation{Stage: s, Name: c.p.Stages[s].Name, Strategy: c.stages[s].strategy, StageMetrics: chosen.Stages[s]}
		byNode := map[int]*NodeTasks{}
		for t, n := range a.node[s] {
			nt := byNode[n]
			if nt == nil {
				nt = &NodeTasks{Node: c.p.Cluster.Nodes[n].ID}
				byNode[n] = nt
			}
			nt.Tasks++
			vn := c.stages[s].variants[a.variant[s][t]].name
			if !containsString(nt.Variants, vn) {
				nt.Variants = append(nt.Variants, vn)
			}
		}
		ns := make([]int, 0, len(byNode))
		for n := range byNode {
			ns = append(ns, n)
		}
		sort.Ints(ns)
		for _, n := range ns {
			se.Nodes = append(se.Nodes, *byNode[n])
		}
		se.Option = c.describeOption(s, a, chosen.Stages[s])
		c.runnerUp(&se, a, chosen)
		x.Stages = append(x.Stages, se)
	}
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (c *compiled) describeOption(s int, a *assignment, sm StageMetrics) string {
	cs := &c.stages[s]
	parts := []string{}
	hasInput := false
	for t := 0; t < cs.k; t++ {
		hasInput = hasInput || cs.input[t] > 0
	}
	switch {
	case hasInput && sm.InputMoved == 0:
		parts = append(parts, "data-local")
	case hasInput && sm.InputLocal == 0:
		parts = append(parts, "remote reads")
	case hasInput:
		parts = append(parts, "partly local")
	}
	if sm.EdgeLocal > 0 && sm.EdgeMoved == 0 {
		parts = append(parts, "co-located with its producers")
	}
	switch {
	case sm.Nodes == 1:
		parts = append(parts, "on 1 node")
	case sm.Nodes == cs.k:
		parts = append(parts, fmt.Sprintf("spread over %d nodes", sm.Nodes))
	default:
		parts = append(parts, fmt.Sprintf("on %d nodes", sm.Nodes))
	}
	return strings.Join(parts, ", ")
}

// runnerUp re-places stage s alone with each alternative rule, the other
// stages fixed, and keeps the cheapest result that differs from the choice.
func (c *compiled) runnerUp(se *StageExplanation, a *assignment, chosen Metrics) {
	s := se.Stage
	bestDelta, bestImb := math.Inf(1), math.Inf(1)
	var firstBad string
	p := c.newPlacer("alternative")
	p.loadAssignment(a)
	for t := range a.node[s] {
		p.remove(s, t)
	}
	for _, alt := range alternatives {
		var choose chooseFunc
		switch alt.rule {
		case BaselineLocality:
			choose = localityChoose
		case BaselinePack:
			choose = packRule()
		case BaselineSpread:
			choose, _ = c.baselineRule(BaselineSpread, 0)
		default:
			choose = greedyChoose
		}
		err := p.placeStage(s, choose)
		if err == nil && sameStage(p.a, a, s) {
			err = errSame
		}
		var m Metrics
		if err == nil {
			m = c.evaluate(p.a)
		}
		for t := range a.node[s] {
			p.remove(s, t)
		}
		if errors.Is(err, errSame) {
			continue
		}
		if err != nil {
			if firstBad == "" {
				firstBad = fmt.Sprintf("%s: no room (%v)", alt.name, err)
			}
			continue
		}
		if !m.Feasible() {
			if firstBad == "" {
				firstBad = fmt.Sprintf("%s: breaks %s", alt.name, m.HardViolations[0])
			}
			continue
		}
		d := m.Objective - chosen.Objective
		// The runner-up is the alternative ranked first by Better.
		if d < bestDelta-0.5 || (math.Abs(d-bestDelta) <= 0.5 && m.Imbalance < bestImb-1e-9) {
			bestImb = m.Imbalance
			bestDelta = d
			se.RunnerUp = fmt.Sprintf("%s on %s", alt.name, plural(m.Stages[s].Nodes, "node"))
			se.RunnerUpDelta = d
			se.Why = whyLost(chosen, m, c.opts)
		}
	}
	if se.RunnerUp == "" && firstBad != "" {
		se.RunnerUp, se.Why = firstBad, "infeasible"
	}
}

// errSame marks an alternative that gives the chosen placement back.
var errSame = errors.New("same placement")

func sameStage(x, y *assignment, s int) bool {
	for t := range x.node[s] {
		if x.node[s][t] != y.node[s][t] || x.variant[s][t] != y.variant[s][t] {
			return false
		}
	}
	return true
}

// whyLost names the terms of the objective that make alt worse than chosen.
func whyLost(chosen, alt Metrics, o Options) string {
	var parts []string
	if d := alt.BytesMoved - chosen.BytesMoved; math.Abs(d) > 0.5 {
		parts = append(parts, fmt.Sprintf("moves %s %s", formatBytes(math.Abs(d)), moreOrLess(d)))
	}
	dImb := alt.Imbalance - chosen.Imbalance
	if math.Abs(dImb) > 1e-9 && o.ImbalanceWeight > 0 {
		parts = append(parts, fmt.Sprintf("imbalance %+.2f (%s)", dImb, formatBytes(dImb*o.ImbalanceWeight)))
	}
	if d := alt.SoftViolations - chosen.SoftViolations; math.Abs(d) > 1e-9 && o.SoftWeight > 0 {
		parts = append(parts, fmt.Sprintf("%+g soft preferences unmet (%s)", d, formatBytes(d*o.SoftWeight)))
	}
	if len(parts) == 0 {
		if math.Abs(alt.Objective-chosen.Objective) < 0.5 {
			// Imbalance is not priced: it decides between equal
			// objectives (Metrics.Better).
			switch {
			case dImb > 1e-9:
				return fmt.Sprintf("same objective, imbalance %+.2f (the tie-break)", dImb)
			case dImb < -1e-9:
				return fmt.Sprintf("same objective, imbalance %+.2f: better balanced, missed by the local search", dImb)
			}
			return "ties on every term (equally good)"
		}
		parts = append(parts, "variant penalties")
	}
	return fmt.Sprintf("%s; objective %+s", strings.Join(parts, ", "), signedBytes(alt.Objective-chosen.Objective))
}

func moreOrLess(d float64) string {
	if d > 0 {
		return "more"
	}
	return "less"
}

func signedBytes(d float64) string {
	if d < 0 {
		return "-" + formatBytes(-d)
	}
	return "+" + formatBytes(d)
}

// String renders the explanation as text, one block per stage.
func (x *Explanation) String() string {
	var b strings.Builder
	m := x.Metrics
	fmt.Fprintf(&b, "solver: %s, branch and bound %s after %d LPs (%d classes, %d variables, %d constraints)",
		x.Source, x.Status, x.NodesExplored, x.Classes, x.Variables, x.Constraints)
	if x.Polished {
		b.WriteString(", polished by task moves")
	}
	b.WriteString("\n")
	if math.IsNaN(x.Bound) {
		fmt.Fprintf(&b, "objective %s, no LP bound\n", formatBytes(x.Objective))
	} else {
		fmt.Fprintf(&b, "objective %s, LP bound %s, gap %.1f%%\n", formatBytes(x.Objective), formatBytes(x.Bound), 100*x.Gap)
	}
	fmt.Fprintf(&b, "moved %s, local %s, to final aggregation %s, imbalance %.2f, soft unmet %g, nodes used %d\n",
		formatBytes(m.BytesMoved), formatBytes(m.BytesLocal), formatBytes(m.BytesToFinal), m.Imbalance, m.SoftViolations, m.NodesUsed)
	for _, s := range x.Stages {
		fmt.Fprintf(&b, "stage %d (%s) %s:", s.Stage, s.Name, s.Strategy)
		for _, n := range s.Nodes {
			fmt.Fprintf(&b, " %s x%d", n.Node, n.Tasks)
			if len(n.Variants) > 1 || (len(n.Variants) == 1 && n.Variants[0] != "default") {
				fmt.Fprintf(&b, " [%s]", strings.Join(n.Variants, ","))
			}
		}
		fmt.Fprintf(&b, "\n  %s; input local %s moved %s; edges in local %s moved %s\n",
			s.Option, formatBytes(s.InputLocal), formatBytes(s.InputMoved), formatBytes(s.EdgeLocal), formatBytes(s.EdgeMoved))
		if s.RunnerUp != "" {
			fmt.Fprintf(&b, "  runner-up: %s: %s\n", s.RunnerUp, s.Why)
		} else {
			b.WriteString("  runner-up: none (every alternative gives the same placement)\n")
		}
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
